"""The public model of the shell analysis: words, commands, expression sites, events, facts."""

from __future__ import annotations

import bisect
import enum
import functools
import itertools
from dataclasses import field

from shipwarden.core.structs import struct

MAX_PARSE_CHARS = 200_000
"""Longer scripts are not given to tree-sitter (a 5 MB script takes seconds to parse)."""
MAX_NESTED_DEPTH = 4
"""Deepest ``bash -c '…'`` nesting parsed again."""
MAX_PARSE_ERRORS = 64


# ============================================================================ public model


@struct(frozen=True)
class Span:
    start: int
    end: int


@struct(frozen=True)
class Word:
    """One shell word. ``value`` is the unquoted text (``${{ }}`` sites shown verbatim) or
    ``None`` when the word holds a shell expansion (``$X``, ``$(…)``, ``$((…))``); ``text`` is
    the word as written (sliced from the script on demand: nested ``$(…)`` words share it)."""

    start: int
    end: int
    source: str = field(repr=False, compare=False)
    value: str | None
    expressions: tuple[int, ...] = ()

    @property
    def text(self) -> str:
        return self.source[self.start : self.end]

    @property
    def is_literal(self) -> bool:
        """Known before the step runs: no shell expansion and no ``${{ }}``."""
        return self.value is not None and not self.expressions


@struct(frozen=True)
class Assignment:
    start: int
    end: int
    name: str
    value: Word | None


@struct(frozen=True)
class Redirect:
    """``op`` is ``>``, ``>>``, ``<``, ``<<``, ``<<-``, ``<<<``, ``&>``…; ``target`` is the file
    word (for a heredoc: its delimiter). Heredocs carry the body span and whether the delimiter
    was quoted (no expansion in the body). Redirects of compound statements (``{ …; } > f``)
    are not attached to any Command; env-file writes still see them."""

    start: int
    end: int
    op: str
    target: Word | None
    heredoc: Span | None = None
    heredoc_quoted: bool = False


@struct(frozen=True)
class Command:
    """A simple command. ``argv`` starts at the command that really runs (after ``sudo``,
    ``env A=b``, ``npx``, ``python -m`` …, listed in ``wrappers``); ``words`` is everything as
    written. ``name`` is the basename of ``argv[0]`` (``None`` if dynamic), ``canonical`` the
    name after the alias table (``python3`` → ``python``, ``./gradlew`` → ``gradle``)."""

    start: int
    end: int
    name: str | None
    canonical: str | None
    argv: tuple[Word, ...]
    words: tuple[Word, ...]
    wrappers: tuple[str, ...] = ()
    assignments: tuple[Assignment, ...] = ()
    redirects: tuple[Redirect, ...] = ()
    nested_depth: int = 0
    expressions: tuple[int, ...] = ()


class Quoting(enum.StrEnum):
    UNQUOTED = "unquoted"
    DOUBLE_QUOTED = "double-quoted"
    SINGLE_QUOTED = "single-quoted"
    ANSI_C = "ansi-c-quoted"
    HEREDOC = "heredoc"
    HEREDOC_QUOTED = "quoted-heredoc"
    COMMENT = "comment"
    UNKNOWN = "unknown"


class Position(enum.StrEnum):
    COMMAND_NAME = "command-name"
    ARGUMENT = "argument"
    ECHO_ARGUMENT = "echo-argument"
    ASSIGNMENT = "assignment"
    REDIRECT = "redirect"
    HEREDOC_BODY = "heredoc-body"
    TEST = "test"  # inside [ … ] / [[ … ]]
    COMMENT = "comment"
    OTHER = "other"
    UNKNOWN = "unknown"


@struct(frozen=True)
class ExpressionSite:
    """A ``${{ … }}`` in the script and the shell context it is substituted into.

    Every context but a comment is injectable: GitHub pastes the value into the script text
    before the shell parses it, so quotes around a site do not contain it."""

    index: int
    start: int
    end: int
    inner: str
    quoting: Quoting
    position: Position
    command: int = -1
    nested_depth: int = 0

    @property
    def in_comment(self) -> bool:
        return self.quoting is Quoting.COMMENT

    @property
    def injectable(self) -> bool:
        return not self.in_comment


class EventKind(enum.StrEnum):
    INSTALL = "install"
    EXECUTES_REPO_CODE = "executes_repo_code"
    PUBLISH = "publish"
    PR_CHECKOUT = "pr_checkout"
    REMOTE_EXEC = "remote_exec"
    ENV_FILE_WRITE = "env_file_write"
    AGENT_CLI = "agent_cli"
    GIT_PUSH = "git_push"
    GH_WRITE = "gh_write"


@struct(frozen=True)
class Event:
    """Something a command does that rules care about.

    ``tool``/``action``: e.g. ``npm``/``ci``, ``gh``/``pr checkout``, ``curl|bash``/``pipe``.
    ``scripts``: lifecycle or build-backend code runs (install; npm publish), ``code`` says
    which (``npm``, ``python``…, see :func:`install_code`). ``registry``: the
    publish target kind. ``target``: URL (remote_exec), ref (pr_checkout), env file word
    (env_file_write), prompt (agent_cli), remote (git_push). ``file``/``written``: which
    ``GITHUB_*`` file and the spans of what is written into it. ``expressions``: sites in the
    command (for env_file_write: sites in what is written)."""

    kind: EventKind
    start: int
    end: int
    command: int
    tool: str
    action: str = ""
    registry: str = ""
    scripts: bool | None = None
    code: str = ""  # what those scripts are: a key of the table's [install_code]
    flags: frozenset[str] = frozenset()
    target: Word | None = None
    file: str = ""
    written: tuple[Span, ...] = ()
    expressions: tuple[int, ...] = ()


@struct(frozen=True)
class ShellFacts:
    script: str
    shell: str
    parsed: bool
    commands: tuple[Command, ...]
    events: tuple[Event, ...]
    expression_sites: tuple[ExpressionSite, ...]
    parse_errors: tuple[Span, ...] = ()
    truncated: bool = False

    @property
    def has_parse_errors(self) -> bool:
        return bool(self.parse_errors)

    @property
    def line_starts(self) -> tuple[int, ...]:
        """The offset of each line's first character (worked out when first asked for)."""
        return _line_starts(self.script)

    def position(self, offset: int) -> tuple[int, int]:
        """(line, column) of a character offset, both 0-based."""
        line = bisect.bisect_right(self.line_starts, offset) - 1
        return line, offset - self.line_starts[line]

    def events_of(self, kind: EventKind | str) -> tuple[Event, ...]:
        return tuple(e for e in self.events if e.kind == kind)


@functools.lru_cache(maxsize=256)
def _line_starts(script: str) -> tuple[int, ...]:
    if "\n" not in script:
        return (0,)
    # each line but the last starts one past the end of the one before it
    return tuple(itertools.accumulate(map((1).__add__, map(len, script.split("\n")[:-1])), initial=0))
