"""Structural facts about workflow ``run:`` scripts, from tree-sitter-bash.

``analyze(script, shell)`` returns :class:`ShellFacts`: every simple command (also inside
pipelines, lists, subshells, ``$(…)``, control flow, functions and literal ``bash -c '…'`` /
``eval '…'`` bodies), classified :class:`Event` s, every ``${{ }}`` site with the shell context
it lands in, and where the parser reported errors. Every offset indexes the original script.

GitHub substitutes ``${{ }}`` text before the shell runs, so each site is replaced by a
same-length placeholder word (``__E0_____``) before parsing; offsets stay exact and word values
show the original expression text again. What commands *mean* (installs, publishes, agent CLIs,
wrappers such as ``sudo``/``env``/``npx``) lives in ``data/commands.toml``.

Shells other than bash/sh/zsh/dash/ksh get ``parsed=False`` and a light fallback, see
:func:`_fallback`. Scripts over ``MAX_PARSE_CHARS`` take the same fallback on their first
``MAX_PARSE_CHARS`` characters (``truncated=True``). Nothing is ever executed.
"""

from __future__ import annotations

import bisect
import enum
import functools
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import tree_sitter
import tree_sitter_bash

from shipwarden.ci.github.expressions import find_expressions
from shipwarden.core.tables import load_table

__all__ = [
    "MAX_PARSE_CHARS",
    "Assignment",
    "Command",
    "Event",
    "EventKind",
    "ExpressionSite",
    "Position",
    "Quoting",
    "Redirect",
    "ShellFacts",
    "Span",
    "Word",
    "analyze",
    "normalise_shell",
]

MAX_PARSE_CHARS = 200_000
"""Longer scripts are not given to tree-sitter (a 5 MB script takes seconds to parse)."""
MAX_NESTED_DEPTH = 4
"""Deepest ``bash -c '…'`` nesting parsed again."""
MAX_PARSE_ERRORS = 64
_POSIX_SHELLS = frozenset({"bash", "sh", "zsh", "dash", "ksh", "ash"})
_FALSY = frozenset({"false", "0", "no", "off", "n"})
_TRUTHY = frozenset({"true", "1", "yes", "on", "y"})


# ============================================================================ public model


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
class Assignment:
    start: int
    end: int
    name: str
    value: Word | None


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
class Event:
    """Something a command does that rules care about.

    ``tool``/``action``: e.g. ``npm``/``ci``, ``gh``/``pr checkout``, ``curl|bash``/``pipe``.
    ``scripts``: lifecycle or build-backend code runs (install; npm publish). ``registry``: the
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
    flags: frozenset[str] = frozenset()
    target: Word | None = None
    file: str = ""
    written: tuple[Span, ...] = ()
    expressions: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class ShellFacts:
    script: str
    shell: str
    parsed: bool
    commands: tuple[Command, ...]
    events: tuple[Event, ...]
    expression_sites: tuple[ExpressionSite, ...]
    parse_errors: tuple[Span, ...] = ()
    truncated: bool = False
    line_starts: tuple[int, ...] = field(default=(0,), repr=False, compare=False)

    @property
    def has_parse_errors(self) -> bool:
        return bool(self.parse_errors)

    def position(self, offset: int) -> tuple[int, int]:
        """(line, column) of a character offset, both 0-based."""
        line = bisect.bisect_right(self.line_starts, offset) - 1
        return line, offset - self.line_starts[line]

    def events_of(self, kind: EventKind | str) -> tuple[Event, ...]:
        return tuple(e for e in self.events if e.kind == kind)


# ============================================================================ tables


@dataclass(frozen=True, slots=True)
class _OptSpec:
    names: frozenset[str]
    values: frozenset[str] | None = None
    pattern: re.Pattern[str] | None = None

    @classmethod
    def parse(cls, text: str) -> _OptSpec:
        for sep in ("~", "="):
            names, found, rest = text.partition(sep)
            if found and names.startswith("-"):
                if sep == "~":
                    return cls(frozenset(names.split("|")), pattern=re.compile(rest))
                return cls(frozenset(names.split("|")), values=frozenset(v.lower() for v in rest.split("|")))
        return cls(frozenset(text.split("|")))

    def matches(self, opts: dict[str, list[tuple[str | None, Word | None]]]) -> tuple[str | None, Word | None] | None:
        for name in self.names:
            for value, word in opts.get(name, ()):
                if self.values is None and self.pattern is None:
                    if value is None or value.lower() not in _FALSY:
                        return value, word
                elif value is not None:
                    if self.values is not None and value.lower() in self.values:
                        return value, word
                    if self.pattern is not None and self.pattern.search(value):
                        return value, word
        return None


def _alts(text: str) -> frozenset[str] | None:
    return None if text == "*" else frozenset(text.split("|"))


@dataclass(frozen=True, slots=True)
class _Rule:
    kind: EventKind
    names: tuple[str, ...]
    args: tuple[frozenset[str] | None, ...] = ()
    max_positionals: int | None = None
    min_positionals: int = 0
    not_args: frozenset[str] = frozenset()
    any_option: tuple[_OptSpec, ...] = ()
    unless_options: tuple[_OptSpec, ...] = ()
    any_arg: re.Pattern[str] | None = None
    dynamic_arg: bool = False
    path_arg: bool = False
    require_local: bool = False
    fallback: bool = False
    tool: str = ""
    action: str = ""
    registry: str = ""
    scripts: bool | None = None
    scripts_off: tuple[_OptSpec, ...] = ()
    scripts_off_env: tuple[tuple[str, bool], ...] = ()
    scripts_on: frozenset[str] = frozenset()
    local_options: tuple[_OptSpec, ...] = ()
    local_exec: bool = False
    flags: tuple[tuple[_OptSpec, str], ...] = ()
    arg_flags: tuple[tuple[re.Pattern[str], str], ...] = ()
    prompt_options: tuple[_OptSpec, ...] = ()
    packages_flag: str = ""
    target: str = ""


@dataclass(frozen=True, slots=True)
class _Wrapper:
    name: str
    sub: str = ""
    options_with_arg: frozenset[str] = frozenset()
    clusters: bool = False
    assignments: bool = False
    skip_positionals: int = 0
    stop_options: frozenset[str] = frozenset()
    module_flag: str = ""
    package_runner: bool = False
    executes: bool = False

    @property
    def label(self) -> str:
        return f"{self.name} {self.sub}" if self.sub else self.name


@dataclass(frozen=True, slots=True)
class _Downloader:
    file_options: frozenset[str]
    remote_name_options: frozenset[str]
    url_options: frozenset[str]
    default_stdout: bool


@dataclass(frozen=True, slots=True)
class _Tables:
    aliases: tuple[tuple[re.Pattern[str], str], ...]
    packages: dict[str, str]
    wrappers: dict[tuple[str, str], _Wrapper]
    wrapper_names: frozenset[str]
    options: dict[str, frozenset[str]]
    clusters: frozenset[str]
    rules: dict[str, tuple[_Rule, ...]]
    command_path: tuple[re.Pattern[str], ...]
    command_path_raw: tuple[re.Pattern[str], ...]
    arg_path: re.Pattern[str]
    binary_artifact: re.Pattern[str]
    ignore_path: re.Pattern[str]
    nested_shells: frozenset[str]
    nested_flag: str
    eval_names: frozenset[str]
    interpreters: frozenset[str]
    verifiers: frozenset[str]
    code_options: frozenset[str]
    downloaders: dict[str, _Downloader]
    pwsh_remote: tuple[re.Pattern[str], ...]
    url: re.Pattern[str]
    env_files: frozenset[str]
    env_target: re.Pattern[str]
    env_target_fallback: re.Pattern[str]
    tee: frozenset[str]
    echo: frozenset[str]
    echo_options: re.Pattern[str]
    writers: frozenset[str]


def _rule(raw: dict[str, Any]) -> _Rule:
    def specs(key: str) -> tuple[_OptSpec, ...]:
        return tuple(_OptSpec.parse(s) for s in raw.get(key, ()))

    return _Rule(
        kind=EventKind(raw["kind"]),
        names=tuple(raw["names"]),
        args=tuple(_alts(a) for a in raw.get("args", ())),
        max_positionals=raw.get("max_positionals"),
        min_positionals=raw.get("min_positionals", 0),
        not_args=frozenset(raw["not_args"].split("|")) if "not_args" in raw else frozenset(),
        any_option=specs("any_option"),
        unless_options=specs("unless_options"),
        any_arg=re.compile(raw["any_arg"]) if "any_arg" in raw else None,
        dynamic_arg=raw.get("dynamic_arg", False),
        path_arg=raw.get("path_arg", False),
        require_local=raw.get("require_local", False),
        fallback=raw.get("fallback", False),
        tool=raw.get("tool", ""),
        action=raw.get("action", ""),
        registry=raw.get("registry", ""),
        scripts=raw.get("scripts"),
        scripts_off=specs("scripts_off"),
        scripts_off_env=tuple((k.lower(), v == "true") for k, v in raw.get("scripts_off_env", {}).items()),
        scripts_on=frozenset(raw.get("scripts_on", ())),
        local_options=specs("local_options"),
        local_exec=raw.get("local_exec", False),
        flags=tuple((_OptSpec.parse(k), v) for k, v in raw.get("flags", {}).items()),
        arg_flags=tuple((re.compile(k), v) for k, v in raw.get("arg_flags", {}).items()),
        prompt_options=specs("prompt_options"),
        packages_flag=raw.get("packages_flag", ""),
        target=raw.get("target", ""),
    )


@functools.cache
def _tables() -> _Tables:
    raw = load_table("shipwarden.ci.github", "commands.toml")
    rules: dict[str, list[_Rule]] = {}
    for entry in raw["rule"]:
        rule = _rule(entry)
        for name in rule.names:
            rules.setdefault(name, []).append(rule)
    wrappers = {}
    for w in raw["wrapper"]:
        wrapper = _Wrapper(
            name=w["name"],
            sub=w.get("sub", ""),
            options_with_arg=frozenset(w.get("options_with_arg", ())),
            clusters=w.get("clusters", False),
            assignments=w.get("assignments", False),
            skip_positionals=w.get("skip_positionals", 0),
            stop_options=frozenset(w.get("stop_options", ())),
            module_flag=w.get("module_flag", ""),
            package_runner=w.get("package_runner", False),
            executes=w.get("executes", False),
        )
        wrappers[(wrapper.name, wrapper.sub)] = wrapper
    remote = raw["remote_exec"]
    env_names = "|".join(re.escape(n) for n in raw["env_files"]["names"])
    return _Tables(
        aliases=tuple((re.compile(p), n) for p, n in raw["names"]["aliases"]),
        packages=dict(raw["packages"]),
        wrappers=wrappers,
        wrapper_names=frozenset(w.name for w in wrappers.values()),
        options={k: frozenset(v) for k, v in raw["options"].items()},
        clusters=frozenset(raw["clusters"]["names"]),
        rules={k: tuple(v) for k, v in rules.items()},
        command_path=tuple(re.compile(p) for p in raw["local"]["command_path"]),
        command_path_raw=tuple(re.compile(p) for p in raw["local"]["command_path_raw"]),
        arg_path=re.compile(raw["local"]["arg_path"]),
        binary_artifact=re.compile(raw["local"]["binary_artifact"]),
        ignore_path=re.compile(raw["local"]["ignore_path"]),
        nested_shells=frozenset(raw["nested"]["shells"]),
        nested_flag=raw["nested"]["flag"],
        eval_names=frozenset(raw["nested"]["eval"]),
        interpreters=frozenset(remote["interpreters"]),
        verifiers=frozenset(remote["verifiers"]),
        code_options=frozenset(remote["code_options"]),
        downloaders={
            name: _Downloader(
                frozenset(d["file_options"]),
                frozenset(d["remote_name_options"]),
                frozenset(d["url_options"]),
                d["default"] == "stdout",
            )
            for name, d in remote["downloaders"].items()
        },
        pwsh_remote=tuple(re.compile(p) for p in remote["pwsh"]["patterns"]),
        url=re.compile(remote["pwsh"]["url"]),
        env_files=frozenset(raw["env_files"]["names"]),
        env_target=re.compile(rf"""^(["']?)\$\{{?(?:env:)?({env_names})\}}?\1$"""),
        env_target_fallback=re.compile(rf"""(?i)\$\{{?(?:env:)?({env_names})\}}?|%({env_names})%"""),
        tee=frozenset(raw["env_files"]["tee"]),
        echo=frozenset(raw["env_files"]["echo"]),
        echo_options=re.compile(raw["env_files"]["echo_options"]),
        writers=frozenset(raw["env_files"]["writers"]),
    )


# ============================================================================ tree-sitter

_LANGUAGE = tree_sitter.Language(tree_sitter_bash.language())
_LOCAL = threading.local()


def _parser() -> tree_sitter.Parser:
    parser = getattr(_LOCAL, "parser", None)
    if parser is None:
        parser = _LOCAL.parser = tree_sitter.Parser(_LANGUAGE)
    return parser


_NON_ASCII = re.compile(r"[^\x01-\x7f]")


def _ascii(text: str) -> bytes:
    """Same-length ASCII stand-in so byte offsets equal character offsets. Non-ASCII
    characters are word characters to bash; NUL becomes a space."""
    if text.isascii() and "\0" not in text:
        return text.encode("ascii")
    return _NON_ASCII.sub(lambda m: " " if m.group() == "\0" else "x", text).encode("ascii")


_DYNAMIC = frozenset({"simple_expansion", "expansion", "command_substitution", "process_substitution", "arithmetic_expansion"})
_SUBSTITUTIONS = frozenset({"command_substitution", "process_substitution"})
_REDIRECTS = frozenset({"file_redirect", "heredoc_redirect", "herestring_redirect"})
_CTX_TYPES = frozenset({"comment", "heredoc_body", "raw_string", "ansi_c_string", "string", "translated_string",
                        "command_substitution", "process_substitution", "command_name", "variable_assignment",
                        "test_command"}) | _REDIRECTS
_STATEMENT_PARENTS = frozenset({"redirected_statement", "pipeline", "list", "program", "compound_statement", "subshell",
                                "do_group", "if_statement", "else_clause", "elif_clause", "while_statement",
                                "for_statement", "case_item", "function_definition", "negated_command"})
_ESCAPE_WORD = re.compile(r"\\(\n|.)", re.S)
_ESCAPE_DQ = re.compile(r"\\([$`\"\\\n])")
_ANSI = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "'": "'", '"': '"', "a": "\a", "b": "\b", "e": "\x1b", "E": "\x1b", "f": "\f", "v": "\v", "0": "\0"}
_ASSIGN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


_Piece = tuple[int, int, int, int]
"""(local start, source start, local length, source length). The lengths differ only for a
one-character escape (``\\"`` → ``"``), whose local length is 1."""


class _Map:
    """Piecewise map from a nested script's offsets to the original script's."""

    __slots__ = ("local", "pieces")

    def __init__(self, pieces: list[_Piece]) -> None:
        self.pieces = pieces or [(0, 0, 0, 0)]
        self.local = [p[0] for p in self.pieces]

    def _at(self, i: int) -> _Piece:
        return self.pieces[max(bisect.bisect_right(self.local, i) - 1, 0)]

    def to_orig(self, i: int) -> int:
        local, orig, length, orig_length = self._at(i)
        off = min(max(i - local, 0), length)
        return orig + off if length == orig_length else orig + (orig_length if off >= length else 0)

    def to_orig_end(self, i: int) -> int:
        """Source offset just after local character ``i - 1``."""
        if i <= 0:
            return self.to_orig(0)
        local, orig, length, orig_length = self._at(i - 1)
        off = min(i - local, length)
        return orig + off if length == orig_length else orig + orig_length

    def split(self, a: int, n: int) -> list[_Piece]:
        """Pieces covering local [a, a+n), with local starts relative to ``a``."""
        out = []
        k = max(bisect.bisect_right(self.local, a) - 1, 0)
        end = a + n
        while k < len(self.pieces) and self.pieces[k][0] < end:
            local, orig, length, orig_length = self.pieces[k]
            lo, hi = max(a, local), min(end, local + length)
            if hi > lo:
                if length == orig_length:
                    out.append((lo - a, orig + lo - local, hi - lo, hi - lo))
                else:
                    out.append((lo - a, orig, length, orig_length))
            k += 1
        return out


# ============================================================================ analysis state


@dataclass(slots=True)
class _WordInfo:
    word: Word
    vsub: str | None  # unquoted value with placeholders (local text), None if dynamic
    pieces: list[_Piece]  # value offset → walker-local offset
    substitutions: list[tuple[int, int]]  # orig spans of $(…)/<(…) in the word
    pure_substitution: bool  # the word is exactly "$(…)" / $(…) / <(…)
    local: tuple[int, int] = (0, 0)  # the word's span in the walker's text


@dataclass(slots=True)
class _Args:
    positionals: list[Word]
    options: dict[str, list[tuple[str | None, Word | None]]]


@dataclass(slots=True)
class _Cmd:
    start: int
    end: int
    words: list[_WordInfo]
    argv_at: int = 0
    wrappers: tuple[str, ...] = ()
    executing_wrapper: str = ""
    assignments: list[Assignment] = field(default_factory=list)
    redirects: list[Redirect] = field(default_factory=list)
    name: str | None = None
    canonical: str | None = None
    depth: int = 0
    env: dict[str, str | None] = field(default_factory=dict)
    args: _Args | None = None

    argv: list[Word] = field(default_factory=list)


@dataclass(slots=True)
class _Element:
    start: int
    end: int
    head: _Cmd | None
    heredocs: list[Span]


@dataclass(slots=True)
class _Owner:
    """A statement with redirects (redirected_statement, or a command with inline ones)."""

    start: int
    end: int
    head: _Cmd | None
    redirects: list[Redirect]
    herestrings: list[Word]


class _Analysis:
    def __init__(self, script: str, sites: list[tuple[int, int]]) -> None:
        self.script = script
        self.sites = sites
        self.site_starts = [s for s, _ in sites]
        self.site_ctx: dict[int, tuple[Quoting, Position, _Cmd | None]] = {}
        self.site_depth: dict[int, int] = {}
        self.commands: list[_Cmd] = []
        self.pipelines: list[list[_Element]] = []
        self.owners: list[_Owner] = []
        self.errors: list[Span] = []
        self.budget = MAX_PARSE_CHARS * 2
        self.tables = _tables()
        # fallback only
        self.fallback_env: list[tuple[_Cmd, Word, str, list[Span]]] = []
        self.fallback_remote: list[tuple[_Cmd | None, int, int, Word | None]] = []
        self.comments: list[tuple[int, int]] = []

    def sites_in(self, start: int, end: int) -> tuple[int, ...]:
        k = bisect.bisect_left(self.site_starts, start)
        out = []
        while k < len(self.sites) and self.sites[k][0] < end:
            if self.sites[k][1] <= end:
                out.append(k)
            k += 1
        return tuple(out)


_Ctx = tuple[Quoting, Position, "_Cmd | None", bool]
"""Where a node sits: quoting, position, enclosing command, inside a quoted-delimiter heredoc."""
_ROOT: _Ctx = (Quoting.UNQUOTED, Position.OTHER, None, False)


class _Walker:
    """Walks one tree (the script, or a nested ``bash -c`` body) iteratively."""

    def __init__(self, an: _Analysis, text: str, mapping: _Map | None, sites: list[tuple[int, int, int]],
                 depth: int, env: dict[str, str | None]) -> None:
        self.an = an
        self.text = text
        self.map = mapping
        self.sites = sites  # local (start, end, index), sorted
        self.site_starts = [s for s, _, _ in sites]
        self.depth = depth
        self.env = env
        self.by_node: dict[int, _Cmd] = {}
        self.tables = an.tables
        self.pending: list[tuple[_Owner, _Lazy | None]] = []
        self.pending_pipes: list[list[tuple[_Lazy | None, int, int, list[Span]]]] = []
        self.skip_pipes: set[int] = set()

    # -- offsets ----------------------------------------------------------------------
    def o(self, i: int) -> int:
        return i if self.map is None else self.map.to_orig(i)

    def oe(self, i: int) -> int:
        return i if self.map is None else self.map.to_orig_end(i)

    def split(self, a: int, n: int) -> list[_Piece]:
        return [(0, a, n, n)] if self.map is None else self.map.split(a, n)

    def local_sites(self, a: int, b: int) -> list[tuple[int, int, int]]:
        k = bisect.bisect_left(self.site_starts, a)
        out = []
        while k < len(self.sites) and self.sites[k][0] < b:
            if self.sites[k][1] <= b:
                out.append(self.sites[k])
            k += 1
        return out

    # -- the walk ---------------------------------------------------------------------
    def run(self) -> None:
        root = _parser().parse(_ascii(self.text)).root_node
        errors = root.has_error
        classify = self.depth == 0 and bool(self.sites)
        stack: list[tuple[tree_sitter.Node, _Ctx, str]] = [(root, _ROOT, "")]
        while stack:
            node, ctx, parent = stack.pop()
            t = node.type
            if errors and (node.is_error or node.is_missing) and len(self.an.errors) < MAX_PARSE_ERRORS:
                self.an.errors.append(Span(self.o(node.start_byte), self.oe(node.end_byte)))
            children = node.children
            if not children:
                if classify:
                    self.classify(node, children, ctx)
                continue
            if t == "command":
                cmd = self.command(node)
                if cmd is not None:
                    arg_pos = Position.ECHO_ARGUMENT if cmd.canonical in self.tables.echo else Position.ARGUMENT
                    ctx = (ctx[0], arg_pos, cmd, ctx[3])
            elif t == "declaration_command":
                self.declaration(node)
            elif t == "variable_assignment" and parent not in ("command", "declaration_command"):
                self.set_env(self.assignment(node))
            elif t == "redirected_statement":
                self.redirected(node)
            elif t == "pipeline":
                self.pipeline(node)
            elif t == "heredoc_redirect":
                start = next((c for c in children if c.type == "heredoc_start"), None)
                quoted = start is not None and any(ch in self.text[start.start_byte : start.end_byte] for ch in "'\"\\")
                ctx = (ctx[0], ctx[1], ctx[2], quoted)
            if classify:
                self.classify(node, children, ctx)
            statement = t in _STATEMENT_PARENTS
            for child in reversed(children):
                ct = child.type
                if ct in _CTX_TYPES:
                    stack.append((child, self.child_ctx(t, ctx, ct), t))
                elif statement:
                    stack.append((child, (ctx[0], Position.OTHER, ctx[2] if t == "redirected_statement" else None, ctx[3]), t))
                elif child.is_named or classify:
                    stack.append((child, ctx, t))

    def child_ctx(self, parent: str, ctx: _Ctx, t: str) -> _Ctx:
        """The context of a child whose type changes quoting or position."""
        quoting, position, cmd, hq = ctx
        if t == "comment":
            return (Quoting.COMMENT, Position.COMMENT, cmd, hq)
        if t == "heredoc_body":
            return (Quoting.HEREDOC_QUOTED if hq else Quoting.HEREDOC, Position.HEREDOC_BODY, cmd, hq)
        if t == "raw_string":
            return (Quoting.SINGLE_QUOTED, position, cmd, hq)
        if t == "ansi_c_string":
            return (Quoting.ANSI_C, position, cmd, hq)
        if t in ("string", "translated_string"):
            return (Quoting.DOUBLE_QUOTED, position, cmd, hq)
        if t in _SUBSTITUTIONS:
            return (Quoting.UNQUOTED, Position.OTHER, cmd, hq)
        if t == "command_name":
            return (quoting, Position.COMMAND_NAME, cmd, hq)
        if t == "variable_assignment":
            return (quoting, Position.ASSIGNMENT, cmd, hq)
        if t == "test_command":
            return (quoting, Position.TEST, cmd, hq)
        return (quoting, Position.REDIRECT, cmd, hq)  # _REDIRECTS

    def classify(self, node: tree_sitter.Node, children: list[tree_sitter.Node], ctx: _Ctx) -> None:
        a, b = node.start_byte, node.end_byte
        k = bisect.bisect_left(self.site_starts, a)
        if k >= len(self.sites) or self.sites[k][0] >= b:
            return
        prev = a
        for child in children:
            if child.start_byte > prev:
                self.assign(prev, child.start_byte, ctx)
            prev = max(prev, child.end_byte)
        if prev < b:
            self.assign(prev, b, ctx)

    def assign(self, a: int, b: int, ctx: _Ctx) -> None:
        k = bisect.bisect_left(self.site_starts, a)
        while k < len(self.sites) and self.sites[k][0] < b:
            self.an.site_ctx[self.sites[k][2]] = (ctx[0], ctx[1], ctx[2])
            k += 1

    # -- words ------------------------------------------------------------------------
    def word(self, node: tree_sitter.Node) -> _WordInfo:
        a, b = node.start_byte, node.end_byte
        if node.type == "word" and self.map is None:
            # fast path: a plain word in the top-level script
            chunk = self.text[a:b]
            if "\\" not in chunk and not self.local_sites(a, b):
                word = Word(a, b, self.an.script, chunk)
                return _WordInfo(word, chunk, [(0, a, b - a, b - a)], [], False, (a, b))
        return self.slow_word(node)

    def slow_word(self, node: tree_sitter.Node) -> _WordInfo:
        text = self.text
        parts: list[str] = []
        pieces: list[_Piece] = []
        subs: list[tuple[int, int]] = []
        dynamic = False
        vpos = 0

        def emit(a: int, b: int, mode: str) -> None:
            nonlocal vpos
            if b <= a:
                return
            chunk = text[a:b]
            pattern = _ESCAPE_WORD if mode == "word" else _ESCAPE_DQ if mode == "dq" else None
            if pattern is None or "\\" not in chunk:
                parts.append(chunk)
                pieces.append((vpos, a, b - a, b - a))
                vpos += b - a
                return
            last = 0
            for m in pattern.finditer(chunk):
                if m.start() > last:
                    parts.append(chunk[last : m.start()])
                    pieces.append((vpos, a + last, m.start() - last, m.start() - last))
                    vpos += m.start() - last
                ch = m.group(1)
                if ch != "\n":
                    parts.append(ch)
                    pieces.append((vpos, a + m.start(), 1, m.end() - m.start()))
                    vpos += 1
                last = m.end()
            if last < len(chunk):
                parts.append(chunk[last:])
                pieces.append((vpos, a + last, len(chunk) - last, len(chunk) - last))
                vpos += len(chunk) - last

        def ansi(a: int, b: int) -> None:
            nonlocal vpos
            i = a
            while i < b:
                j = text.find("\\", i, b)
                if j < 0:
                    emit(i, b, "raw")
                    return
                emit(i, j, "raw")
                ch = text[j + 1 : j + 2]
                parts.append(_ANSI.get(ch, ch))
                pieces.append((vpos, j, 1, min(2, b - j)))
                vpos += 1
                i = j + 2

        items = node.children if node.type == "concatenation" else [node]
        for item in items:
            t = item.type
            a, b = item.start_byte, item.end_byte
            if t in _DYNAMIC:
                dynamic = True
                if t in _SUBSTITUTIONS:
                    subs.append((self.o(a), self.oe(b)))
            elif t == "raw_string":
                emit(a + 1, b - 1, "raw")
            elif t == "ansi_c_string":
                ansi(a + 2, b - 1)
            elif t in ("string", "translated_string"):
                prev = a + (2 if t == "translated_string" else 1)
                for child in item.children:
                    ct = child.type
                    if ct == '"' or ct == "$":
                        prev = max(prev, child.end_byte)
                        continue
                    emit(prev, child.start_byte, "dq")
                    if ct == "string_content":
                        emit(child.start_byte, child.end_byte, "dq")
                    elif ct in _DYNAMIC:
                        dynamic = True
                        if ct in _SUBSTITUTIONS:
                            subs.append((self.o(child.start_byte), self.oe(child.end_byte)))
                    else:
                        emit(child.start_byte, child.end_byte, "raw")
                    prev = child.end_byte
                emit(prev, max(prev, b - 1), "dq")
            elif t in ("word", "number"):
                emit(a, b, "word")
            else:
                emit(a, b, "raw")

        a, b = node.start_byte, node.end_byte
        start, end = self.o(a), self.oe(b)
        vsub = None if dynamic else "".join(parts)
        value = vsub
        site_idx: tuple[int, ...] = ()
        local = self.local_sites(a, b)
        if local:
            site_idx = tuple(idx for _, _, idx in local)
            if vsub is not None:
                value = self.restore(vsub, pieces, local)
        pure = False
        if len(subs) == 1:
            stripped = node
            if node.type == "string" and node.named_child_count == 1:
                stripped = node.named_children[0]
            pure = stripped.type in _SUBSTITUTIONS
        word = Word(start, end, self.an.script, value, site_idx)
        return _WordInfo(word, vsub, pieces, subs, pure, (a, b))

    def restore(self, vsub: str, pieces: list[_Piece], local: list[tuple[int, int, int]]) -> str:
        """Put each site's original text back in place of its placeholder (one pass)."""
        out: list[str] = []
        last = 0
        for ls, le, idx in local:
            vp = self.value_pos(pieces, ls)
            if vp is None or vp < last:
                continue
            s, e = self.an.sites[idx]
            out.append(vsub[last:vp])
            out.append(self.an.script[s:e])
            last = vp + (le - ls)
        out.append(vsub[last:])
        return "".join(out)

    @staticmethod
    def value_pos(pieces: list[_Piece], local: int) -> int | None:
        """Position in the word's value of a local offset (pieces are sorted both ways)."""
        lo, hi = 0, len(pieces)
        while lo < hi:
            mid = (lo + hi) // 2
            if pieces[mid][1] <= local:
                lo = mid + 1
            else:
                hi = mid
        if lo:
            vp, lp, ln, lln = pieces[lo - 1]
            if local < lp + lln and ln == lln:
                return vp + local - lp
        return None

    # -- commands ---------------------------------------------------------------------
    def command(self, node: tree_sitter.Node) -> _Cmd | None:
        word_nodes: list[tree_sitter.Node] = []
        assign_nodes: list[tree_sitter.Node] = []
        redirect_nodes: list[tree_sitter.Node] = []
        for child in node.children:
            t = child.type
            if t == "variable_assignment":
                assign_nodes.append(child)
            elif t == "command_name":
                word_nodes.append(child.children[0] if child.child_count else child)
            elif t in _REDIRECTS:
                redirect_nodes.append(child)
            elif t != "comment":
                word_nodes.append(child)
        if assign_nodes and word_nodes and "\n" in self.text[assign_nodes[-1].end_byte : word_nodes[0].start_byte]:
            # tree-sitter-bash glues `A=1\ncmd` into one command: the assignments stand alone
            for a in assign_nodes:
                self.set_env(self.assignment(a))
            assign_nodes = []
        if not word_nodes:
            for a in assign_nodes:
                self.set_env(self.assignment(a))
            return None
        first = assign_nodes[0] if assign_nodes else word_nodes[0]
        cmd = _Cmd(self.o(first.start_byte), self.oe(node.end_byte), [self.word(n) for n in word_nodes], depth=self.depth)
        cmd.assignments = [self.assignment(a) for a in assign_nodes]
        cmd.redirects = [r for n in redirect_nodes for r in self.redirect(n)]
        _resolve(cmd, self.tables)
        env = dict(self.env)
        for asg in cmd.assignments:
            env[asg.name.lower()] = asg.value.value if asg.value else ""
        cmd.env = env
        self.by_node[node.id] = cmd
        self.an.commands.append(cmd)
        if redirect_nodes:
            self.an.owners.append(_Owner(cmd.start, cmd.end, cmd, list(cmd.redirects), self.herestrings(redirect_nodes)))
        self.nested(cmd)
        return cmd

    def assignment(self, node: tree_sitter.Node) -> Assignment:
        name_node = node.children[0] if node.child_count else node
        value_node = node.child_by_field_name("value")
        value = self.word(value_node).word if value_node is not None else None
        return Assignment(self.o(node.start_byte), self.oe(node.end_byte),
                          self.text[name_node.start_byte : name_node.end_byte], value)

    def set_env(self, a: Assignment) -> None:
        self.env[a.name.lower()] = a.value.value if a.value else ""

    def declaration(self, node: tree_sitter.Node) -> None:
        keyword = node.children[0] if node.child_count else node
        words = [self.word(keyword)]
        assigns = []
        for child in node.children[1:]:
            if child.type == "variable_assignment":
                a = self.assignment(child)
                assigns.append(a)
                self.set_env(a)
            elif child.type != "comment":
                words.append(self.word(child))
        cmd = _Cmd(self.o(node.start_byte), self.oe(node.end_byte), words, depth=self.depth, assignments=assigns)
        cmd.name = cmd.canonical = self.text[keyword.start_byte : keyword.end_byte]
        cmd.argv = [w.word for w in words]
        cmd.env = dict(self.env)
        self.by_node[node.id] = cmd
        self.an.commands.append(cmd)

    def redirect(self, node: tree_sitter.Node) -> list[Redirect]:
        t = node.type
        op = next((c.type for c in node.children if not c.is_named), "")
        if t == "file_redirect":
            dest = node.child_by_field_name("destination")
            target = self.word(dest).word if dest is not None else None
            return [Redirect(self.o(node.start_byte), self.oe(node.end_byte), op, target)]
        if t == "herestring_redirect":
            body = node.named_children[-1] if node.named_child_count else None
            target = self.word(body).word if body is not None else None
            return [Redirect(self.o(node.start_byte), self.oe(node.end_byte), op, target)]
        out: list[Redirect] = []
        body = start = None
        for child in node.children:
            if child.type == "heredoc_body":
                body = child
            elif child.type == "heredoc_start":
                start = child
            elif child.type in _REDIRECTS:
                out.extend(self.redirect(child))
        quoted = start is not None and any(ch in self.text[start.start_byte : start.end_byte] for ch in "'\"\\")
        span = Span(self.o(body.start_byte), self.oe(body.end_byte)) if body is not None else None
        delimiter = self.word(start).word if start is not None else None
        return [Redirect(self.o(node.start_byte), self.oe(node.end_byte), op, delimiter, span, quoted), *out]

    def herestrings(self, nodes: Iterable[tree_sitter.Node]) -> list[Word]:
        out = []
        for n in nodes:
            if n.type == "herestring_redirect" and n.named_child_count:
                out.append(self.word(n.named_children[-1]).word)
        return out

    def redirected(self, node: tree_sitter.Node) -> None:
        body = node.child_by_field_name("body")
        # tree-sitter-bash hangs `a && b > f` / `a | b > f` on the whole list; bash binds the
        # redirect to the last command only
        while body is not None and body.type in ("list", "pipeline") and body.named_child_count:
            named = [c for c in body.named_children if c.type != "comment"]
            if not named:
                break
            body = named[-1]
        redirect_nodes = [c for c in node.children if c.type in _REDIRECTS]
        redirects = [r for n in redirect_nodes for r in self.redirect(n)]
        head = _Lazy(self, body) if body is not None else None
        start = node.start_byte if body is None else body.start_byte
        end = node.start_byte if body is None else body.end_byte
        owner = _Owner(self.o(start), self.oe(end), None, redirects, self.herestrings(redirect_nodes))
        self.an.owners.append(owner)
        self.pending.append((owner, head))
        # `cat <<EOF | cmd`: tree-sitter puts the pipeline inside the heredoc redirect
        for r in redirect_nodes:
            if r.type != "heredoc_redirect":
                continue
            for child in r.children:
                if child.type == "pipeline":
                    heredocs = [x.heredoc for x in redirects if x.heredoc is not None]
                    elements = [(_Lazy(self, body) if body is not None else None, self.o(start), self.oe(end), heredocs)]
                    elements += self.elements(child)
                    self.pending_pipes.append(elements)
                    self.skip_pipes.add(child.id)

    def pipeline(self, node: tree_sitter.Node) -> None:
        if node.id in self.skip_pipes:
            return
        self.pending_pipes.append(self.elements(node))

    def elements(self, node: tree_sitter.Node) -> list[tuple[_Lazy | None, int, int, list[Span]]]:
        return [(_Lazy(self, c), self.o(c.start_byte), self.oe(c.end_byte), []) for c in node.named_children
                if c.type != "comment"]

    def finish(self) -> None:
        for owner, head in self.pending:
            owner.head = head.get() if head is not None else None
            if owner.head is not None and head is not None and head.node.type == "command":
                owner.head.redirects.extend(owner.redirects)
        for elements in self.pending_pipes:
            self.an.pipelines.append([_Element(s, e, lazy.get() if lazy else None, h) for lazy, s, e, h in elements])

    # -- nested shells ----------------------------------------------------------------
    def nested(self, cmd: _Cmd) -> None:
        t = self.tables
        if self.depth >= MAX_NESTED_DEPTH or cmd.canonical is None:
            return
        infos = cmd.words[cmd.argv_at :]
        body: _WordInfo | None = None
        if cmd.canonical in t.nested_shells:
            args = _args(cmd, t)
            if t.nested_flag not in args.options or not args.positionals:
                return
            target = args.positionals[0]
            body = next((w for w in infos if w.word is target), None)
        elif cmd.canonical in t.eval_names and len(infos) == 2:
            body = infos[1]
        if body is None or body.vsub is None or not body.vsub.strip():
            return
        if self.an.budget < len(body.vsub):
            return
        self.an.budget -= len(body.vsub)
        pieces: list[_Piece] = []
        for vp, lp, ln, lln in body.pieces:
            if ln == lln:
                pieces.extend((vp + off, op, l2, o2) for off, op, l2, o2 in self.split(lp, ln))
            else:
                start = self.o(lp)
                pieces.append((vp, start, ln, self.oe(lp + lln) - start))
        mapping = _Map(pieces)
        local_sites = []
        for ls, le, idx in self.local_sites(*body.local):
            site = self.value_pos(body.pieces, ls)
            if site is not None:
                local_sites.append((site, site + le - ls, idx))
                self.an.site_depth[idx] = max(self.an.site_depth.get(idx, 0), self.depth + 1)
        inner = _Walker(self.an, body.vsub, mapping, local_sites, self.depth + 1, dict(cmd.env))
        inner.execute()

    def execute(self) -> None:
        self.run()
        self.finish()


class _Lazy:
    """The head command of a pipeline element / redirected statement, looked up after the walk."""

    __slots__ = ("walker", "node")

    def __init__(self, walker: _Walker, node: tree_sitter.Node) -> None:
        self.walker = walker
        self.node = node

    def get(self) -> _Cmd | None:
        node = self.node
        for _ in range(4):
            if node.type in ("command", "declaration_command"):
                return self.walker.by_node.get(node.id)
            if node.type in ("redirected_statement", "negated_command"):
                inner = node.child_by_field_name("body") if node.type == "redirected_statement" else None
                node = inner if inner is not None else (node.named_children[0] if node.named_child_count else node)
                continue
            return None
        return None


# ============================================================================ command semantics


def _basename(value: str) -> str:
    value = value.rstrip("/")
    return value.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]


def _canonical(name: str, t: _Tables) -> str:
    return _canonical_cached(name)


@functools.lru_cache(maxsize=8192)
def _canonical_cached(name: str) -> str:
    for pattern, canonical in _tables().aliases:
        if pattern.search(name):
            return canonical
    return name


def _package_name(value: str, t: _Tables) -> str:
    m = re.match(r"^(@?[^@]+)@.*$", value)
    pkg = m.group(1) if m else value
    return t.packages.get(pkg, _basename(pkg))


def _resolve(cmd: _Cmd, t: _Tables) -> None:
    """Strip wrappers and set name/canonical."""
    words = cmd.words
    i = 0
    wrappers: list[str] = []
    package = False
    for _ in range(16):
        if i >= len(words):
            break
        value = words[i].word.value
        if value is None or words[i].word.expressions:
            break
        base = _canonical(_basename(value), t)
        if base not in t.wrapper_names:
            break
        nxt = words[i + 1].word.value if i + 1 < len(words) else None
        spec = t.wrappers.get((base, nxt or "")) if nxt else None
        if spec is None:
            spec = t.wrappers.get((base, ""))
        if spec is None:
            break
        j = _skip_wrapper(words, i + (2 if spec.sub else 1), spec, cmd)
        if j is None or j >= len(words):
            break
        wrappers.append(spec.label)
        package = spec.package_runner
        if spec.executes and not cmd.executing_wrapper:
            cmd.executing_wrapper = spec.label
        i = j
    cmd.argv_at = i
    cmd.argv = [w.word for w in words[i:]]
    cmd.wrappers = tuple(wrappers)
    argv0 = words[cmd.argv_at].word if words else None
    if argv0 is None or argv0.value is None or argv0.expressions:
        return
    cmd.name = _package_name(argv0.value, t) if package else _basename(argv0.value)
    cmd.canonical = _canonical(cmd.name, t)


def _skip_wrapper(words: list[_WordInfo], j: int, spec: _Wrapper, cmd: _Cmd) -> int | None:
    n = len(words)
    module_seen = False
    while j < n:
        w = words[j].word
        v = w.value
        if v is None:
            break
        if v == "--":
            j += 1
            break
        if spec.assignments and _ASSIGN.match(v):
            name, _, val = v.partition("=")
            cmd.assignments.append(Assignment(w.start, w.end, name, Word(w.start, w.end, w.source, val, w.expressions)))
            j += 1
            continue
        if not v.startswith("-") or v == "-":
            break
        if v in spec.stop_options:
            return None
        if spec.module_flag and v == spec.module_flag:
            module_seen = True
            j += 1
            break
        if spec.module_flag and spec.clusters and v.startswith("-m") and len(v) > 2 and not v.startswith("--"):
            return None  # -mpkg: rare; not worth a special case
        if "=" not in v and v in spec.options_with_arg:
            j += 2
            continue
        if spec.clusters and not v.startswith("--") and len(v) > 2:
            letters = v[1:]
            if any("-" + c in spec.stop_options for c in letters):
                return None
            if spec.module_flag and "m" in letters:
                if letters.endswith("m"):
                    module_seen = True
                    j += 1
                    break
                return None
            j += 2 if "-" + letters[-1] in spec.options_with_arg else 1
            continue
        j += 1
    if spec.module_flag and not module_seen:
        return None
    skip = spec.skip_positionals
    while skip and j < n:
        j += 1
        skip -= 1
    return j


def _parse_args(words: Sequence[Word], with_arg: frozenset[str], clusters: bool) -> _Args:
    pos: list[Word] = []
    opts: dict[str, list[tuple[str | None, Word | None]]] = {}

    def add(name: str, value: str | None, word: Word | None) -> None:
        opts.setdefault(name, []).append((value, word))

    i, n, ended = 0, len(words), False
    while i < n:
        w = words[i]
        v = w.value
        if ended or v is None or not v.startswith("-") or v == "-":
            pos.append(w)
            i += 1
            continue
        if v == "--":
            ended = True
            i += 1
            continue
        nxt = words[i + 1] if i + 1 < n else None
        if v.startswith("--"):
            name, eq, val = v.partition("=")
            if eq:
                add(name, val, w)
            elif name in with_arg and nxt is not None:
                add(name, nxt.value, nxt)
                i += 1
            else:
                add(name, "", None)
        elif v in with_arg:
            if nxt is not None:
                add(v, nxt.value, nxt)
                i += 1
            else:
                add(v, "", None)
        elif clusters and len(v) > 2:
            add(v, "", None)
            letters = v[1:]
            for k, ch in enumerate(letters):
                opt = "-" + ch
                if opt in with_arg:
                    rest = letters[k + 1 :]
                    if rest:
                        add(opt, rest, w)
                    elif nxt is not None:
                        add(opt, nxt.value, nxt)
                        i += 1
                    else:
                        add(opt, "", None)
                    break
                add(opt, "", None)
        elif "=" in v and v.split("=", 1)[0] in with_arg:
            name, _, val = v.partition("=")
            add(name, val, w)
        elif len(v) > 2 and v[:2] in with_arg:
            add(v[:2], v[2:], w)
        else:
            add(v, "", None)
        i += 1
    return _Args(pos, opts)


def _args(cmd: _Cmd, t: _Tables) -> _Args:
    if cmd.args is None:
        canonical = cmd.canonical or ""
        cmd.args = _parse_args(cmd.argv[1:], t.options.get(canonical, frozenset()), canonical in t.clusters)
    return cmd.args


def _is_local(value: str | None, t: _Tables) -> bool:
    return (value is not None and bool(t.arg_path.search(value)) and not t.binary_artifact.search(value)
            and not t.ignore_path.search(value))


def _dynamic(w: Word) -> bool:
    return w.value is None or bool(w.expressions)


def _match_rule(rule: _Rule, cmd: _Cmd, args: _Args, t: _Tables) -> tuple[str, Word | None, list[Word]] | None:
    """(action, matched word, positionals after the prefix) or None."""
    pos = args.positionals
    if len(pos) < len(rule.args):
        return None
    prefix = []
    for alt, w in zip(rule.args, pos, strict=False):
        if w.value is None or (alt is not None and w.value not in alt):
            return None
        prefix.append(w.value)
    rest = pos[len(rule.args) :]
    if rule.max_positionals is not None and len(pos) > rule.max_positionals:
        return None
    if len(pos) < rule.min_positionals:
        return None
    if rule.not_args and rest and rest[0].value in rule.not_args:
        return None
    if rule.any_option and not any(s.matches(args.options) for s in rule.any_option):
        return None
    if any(s.matches(args.options) for s in rule.unless_options):
        return None
    matched: Word | None = None
    if rule.path_arg:
        if not rest or rest[0].value is None:
            return None
        if t.ignore_path.search(rest[0].value):
            return None
        matched = rest[0]
    if rule.any_arg is not None:
        matched = next((w for w in rest if rule.any_arg.search(w.value if w.value is not None else w.text)), None)
        if matched is None:
            return None
    if rule.dynamic_arg:
        matched = next((w for w in rest if _dynamic(w)), None)
        if matched is None:
            return None
    if rule.require_local and not _local_flags(rule, args, rest, t):
        return None
    return rule.action or " ".join(prefix), matched, rest


def _local_flags(rule: _Rule, args: _Args, rest: list[Word], t: _Tables) -> set[str]:
    flags = set()
    if any(_is_local(w.value, t) for w in rest):
        flags.add("local-path")
    for spec in rule.local_options:
        for name in spec.names:
            if any(_is_local(v, t) for v, _ in args.options.get(name, ())):
                flags.add("local-path")
    return flags


def _env_off(rule: _Rule, env: dict[str, str | None]) -> bool:
    for name, want_true in rule.scripts_off_env:
        if name in env:
            value = (env[name] or "").lower()
            if (want_true and value in _TRUTHY) or (not want_true and value in _FALSY):
                return True
    return False


def _rule_events(cmd: _Cmd, t: _Tables) -> list[tuple[EventKind, dict[str, Any]]]:
    out: list[tuple[EventKind, dict[str, Any]]] = []
    argv0 = cmd.argv[0] if cmd.argv else None
    if argv0 is not None and _runs_local_file(argv0, t):
        out.append((EventKind.EXECUTES_REPO_CODE, {"tool": "path", "action": "run", "target": argv0}))
    if cmd.executing_wrapper:
        tool, _, action = cmd.executing_wrapper.partition(" ")
        out.append((EventKind.EXECUTES_REPO_CODE, {"tool": tool, "action": action}))
    if cmd.canonical is None:
        return out
    args = _args(cmd, t)
    tool = cmd.canonical
    matched_any = False
    for rule in t.rules.get(cmd.canonical, ()):
        if rule.fallback and matched_any:
            continue
        m = _match_rule(rule, cmd, args, t)
        if m is None:
            continue
        matched_any = True
        action, matched, rest = m
        flags = {name for spec, name in rule.flags if spec.matches(args.options)}
        flags |= {name for pattern, name in rule.arg_flags for w in rest if w.value and pattern.search(w.value)}
        local = _local_flags(rule, args, rest, t) if (rule.local_options or rule.local_exec or rule.scripts_on) else set()
        flags |= local
        if rule.packages_flag and any(not _is_local(w.value, t) and not t.binary_artifact.search(w.value or "")
                                      for w in rest):
            flags.add(rule.packages_flag)
        scripts = rule.scripts
        if scripts is not None:
            off = any(s.matches(args.options) for s in rule.scripts_off) or _env_off(rule, cmd.env)
            scripts = not off or bool(rule.scripts_on & flags)
        target = matched
        if rule.target == "first":
            target = rest[0] if rest else None
        elif rule.target == "prompt":
            target = None
            for spec in rule.prompt_options:
                hit = spec.matches(args.options)
                if hit is not None and hit[1] is not None:
                    target = hit[1]
                    break
            if target is None and rest:
                target = rest[0]
        attrs = {"tool": rule.tool or tool, "action": action, "registry": rule.registry, "scripts": scripts,
                 "flags": frozenset(flags), "target": target}
        out.append((rule.kind, attrs))
        if rule.local_exec and "local-path" in flags:
            out.append((EventKind.EXECUTES_REPO_CODE, {"tool": rule.tool or tool, "action": action,
                                                       "flags": frozenset({"local-path"}), "target": target}))
    return out


def _runs_local_file(w: Word, t: _Tables) -> bool:
    if w.value is not None and not t.ignore_path.search(w.value) and any(p.search(w.value) for p in t.command_path):
        return True
    return any(p.search(w.text) for p in t.command_path_raw)


# ============================================================================ structural events


@dataclass(slots=True)
class _Download:
    cmd: _Cmd
    url: Word | None
    to_stdout: bool
    file: str | None


def _download(cmd: _Cmd, t: _Tables) -> _Download | None:
    spec = t.downloaders.get(cmd.canonical or "")
    if spec is None:
        return None
    args = _args(cmd, t)
    url = None
    for name in spec.url_options:
        for _, w in args.options.get(name, ()):
            url = url or w
    if url is None:
        url = next((w for w in args.positionals if w.value is not None and "://" in w.value), None)
    if url is None and args.positionals:
        url = args.positionals[0]
    file_value: str | None = None
    file_given = False
    for name in spec.file_options:
        for value, _ in args.options.get(name, ()):
            file_value, file_given = value, True
    remote_name = any(name in args.options for name in spec.remote_name_options)
    for r in cmd.redirects:
        if r.op in (">", ">|", "&>") and r.target is not None:
            file_value, file_given = r.target.value, True
    if file_given:
        if file_value == "-":
            return _Download(cmd, url, True, None)
        return _Download(cmd, url, False, file_value)
    if remote_name or not spec.default_stdout:
        return _Download(cmd, url, False, _url_basename(url))
    return _Download(cmd, url, True, None)


def _url_basename(url: Word | None) -> str | None:
    """The file name curl -O / wget pick: the URL's last path segment, when it is literal."""
    if url is None:
        return None
    text = url.value if url.value is not None else url.text.strip("'\"")
    base = _basename(text.split("?", 1)[0].split("#", 1)[0])
    return base if base and not any(c in base for c in "$`{}") else None


def _norm_path(value: str | None) -> str | None:
    if value is None:
        return None
    while value.startswith("./"):
        value = value[2:]
    return value or None


class _Events:
    def __init__(self, an: _Analysis) -> None:
        self.an = an
        self.t = an.tables
        self.out: list[tuple[EventKind, _Cmd | None, int, int, dict[str, Any]]] = []

    def add(self, kind: EventKind, cmd: _Cmd | None, start: int, end: int, **attrs: Any) -> None:
        self.out.append((kind, cmd, start, end, attrs))

    def build(self) -> None:
        downloads: list[_Download] = []
        for cmd in self.an.commands:
            for kind, attrs in _rule_events(cmd, self.t):
                self.add(kind, cmd, cmd.start, cmd.end, **attrs)
            d = _download(cmd, self.t)
            if d is not None:
                downloads.append(d)
        self.pipes(downloads)
        self.substitutions(downloads)
        self.download_then_run(downloads)
        self.env_writes()

    # curl … | sh
    def pipes(self, downloads: list[_Download]) -> None:
        stdout = sorted((d for d in downloads if d.to_stdout), key=lambda d: d.cmd.start)
        starts = [d.cmd.start for d in stdout]
        for elements in self.an.pipelines:
            source: _Download | None = None
            for el in elements:
                head = el.head
                if source is not None and head is not None and self._reads_stdin(head):
                    self.add(EventKind.REMOTE_EXEC, head, source.cmd.start, head.end,
                             tool=f"{source.cmd.canonical}|{head.canonical}", action="pipe", target=source.url)
                    source = None
                k = bisect.bisect_right(starts, el.end) - 1
                if k >= 0 and el.start <= stdout[k].cmd.start and stdout[k].cmd.end <= el.end:
                    source = stdout[k]
            self.tees(elements)

    def _reads_stdin(self, cmd: _Cmd) -> bool:
        if cmd.canonical not in self.t.interpreters:
            return False
        args = _args(cmd, self.t)
        if any(name in args.options for name in self.t.code_options):
            return False
        return not args.positionals or args.positionals[0].value in ("-", "/dev/stdin") or "-s" in args.options

    # bash <(curl …), sh -c "$(curl …)", eval "$(curl …)"
    def substitutions(self, downloads: list[_Download]) -> None:
        stdout = sorted((d for d in downloads if d.to_stdout), key=lambda d: d.cmd.start)
        if not stdout:
            return
        starts = [d.cmd.start for d in stdout]
        for cmd in self.an.commands:
            if cmd.canonical not in self.t.interpreters:
                continue
            for info in cmd.words[cmd.argv_at + 1 :]:
                if not info.pure_substitution:
                    continue
                s, e = info.substitutions[0]
                k = bisect.bisect_left(starts, s)
                if k < len(stdout) and stdout[k].cmd.end <= e:
                    d = stdout[k]
                    self.add(EventKind.REMOTE_EXEC, cmd, cmd.start, cmd.end, tool=f"{d.cmd.canonical}|{cmd.canonical}",
                             action="substitution", target=d.url)
                    break

    # curl -o x.sh URL; chmod +x x.sh; ./x.sh
    def download_then_run(self, downloads: list[_Download]) -> None:
        files: dict[str, _Download] = {}
        for d in downloads:
            name = _norm_path(d.file)
            if name is not None and name not in files:
                files[name] = d
        if not files:
            return
        for cmd in self.an.commands:
            if not cmd.argv:
                continue
            ran: str | None = None
            if cmd.canonical in self.t.interpreters:
                args = _args(cmd, self.t)
                ran = _norm_path(args.positionals[0].value) if args.positionals else None
            elif cmd.argv[0].is_literal and "/" in (cmd.argv[0].value or ""):
                ran = _norm_path(cmd.argv[0].value)
            fetched = files.get(ran) if ran is not None else None
            if fetched is not None and fetched.cmd.end <= cmd.start:
                flags = {"download-then-run"}
                if any(c.canonical in self.t.verifiers and fetched.cmd.end <= c.start and c.end <= cmd.start
                       for c in self.an.commands):
                    flags.add("verified")
                self.add(EventKind.REMOTE_EXEC, cmd, cmd.start, cmd.end, tool=fetched.cmd.canonical or "download",
                         action="download-then-run", target=fetched.url, flags=frozenset(flags))

    # >> "$GITHUB_ENV"
    def env_writes(self) -> None:
        for owner in self.an.owners:
            for r in owner.redirects:
                if r.op not in (">", ">>", ">|", "&>", "&>>") or r.target is None:
                    continue
                m = self.t.env_target.match(r.target.text)
                if m is None:
                    continue
                written, flags = self._written(owner)
                self.env_event(owner.head, owner.start, max(owner.end, r.end), m.group(2), r.target, written, flags,
                               "append" if ">>" in r.op else "truncate")

    def tees(self, elements: list[_Element]) -> None:
        for i, el in enumerate(elements):
            head = el.head
            if head is None or head.canonical not in self.t.tee:
                continue
            args = _args(head, self.t)
            for w in args.positionals:
                m = self.t.env_target.match(w.text)
                if m is None:
                    continue
                written: list[Span] = []
                for prev in elements[:i]:
                    written.extend(prev.heredocs or [Span(prev.start, prev.end)])
                mode = "append" if "-a" in args.options or "--append" in args.options else "truncate"
                self.env_event(head, elements[0].start, el.end, m.group(2), w, written, {"pipe"}, mode)

    def _written(self, owner: _Owner) -> tuple[list[Span], set[str]]:
        heredocs = [r.heredoc for r in owner.redirects if r.heredoc is not None]
        if heredocs:
            return heredocs, {"heredoc"}
        if owner.herestrings:
            return [Span(w.start, w.end) for w in owner.herestrings], {"herestring"}
        head = owner.head
        if head is not None and head.start == owner.start and head.end >= owner.end:
            if head.canonical in self.t.echo:
                words = head.argv[1:]
                while words and words[0].value is not None and self.t.echo_options.match(words[0].value):
                    words = words[1:]
                return [Span(w.start, w.end) for w in words], {"echo"}
            if head.canonical in self.t.tee:
                return [], {"tee"}
            return [Span(head.start, head.end)], {"command-output"}
        return [Span(owner.start, owner.end)], {"block-output"}

    def env_event(self, head: _Cmd | None, start: int, end: int, file: str, target: Word, written: list[Span],
                  flags: set[str], mode: str) -> None:
        sites: list[int] = []
        for span in written:
            sites.extend(self.an.sites_in(span.start, span.end))
        self.add(EventKind.ENV_FILE_WRITE, head, start, end, tool=head.canonical if head and head.canonical else "shell",
                 action=mode, file=file, target=target, written=tuple(written), flags=frozenset(flags | {mode}),
                 expressions=tuple(sorted(set(sites))))


# ============================================================================ fallback


_FB_TOKEN = re.compile(
    r"""(?P<sep>\r?\n|;|&&|\|\||\||&)"""
    r"""|(?P<redir>\d?>>?|<)"""
    r"""|(?P<word>(?:'[^'\n]*'|"(?:[^"\\\n]|\\.)*"|`.|[^\s;&|'"`<>])+)"""
    r"""|(?P<other>\S)""",
)
_FB_QUOTES = re.compile(r"""'([^']*)'|"((?:[^"\\]|\\.)*)"|`(.)""")
_CMD_COMMENT = re.compile(r"(?im)^[ \t]*(?:rem\b|::).*$")
_CODE_HASH_COMMENTS = frozenset({"python", "ruby", "perl"})


def _fallback(an: _Analysis, text: str, shell: str) -> None:
    """Light, token-level analysis for shells tree-sitter-bash does not parse.

    * pwsh / cmd / oversized bash: statements split on newlines, ``;``, ``&&``, ``||``, ``|``;
      words split on whitespace with simple quote handling; ``#`` after whitespace (cmd:
      ``REM``/``::`` lines) starts a comment. Each statement becomes a Command (words holding
      ``$``/``%VAR%`` are dynamic) and goes through the same wrapper and rules tables as parsed
      commands, so ``npm ci`` or ``twine upload`` are still recognised, as are ``curl … | bash``
      pipes. pwsh only: ``iex (iwr …)`` / ``irm … | iex`` lines (``[remote_exec.pwsh]``).
      Writes to ``$GITHUB_ENV`` / ``$env:GITHUB_ENV`` / ``%GITHUB_ENV%`` by ``>``/``>>`` or by a
      writer command (``tee``, ``Add-Content``, ``Out-File``, ``Set-Content``).
    * python / node / any other program: only expression sites (quoting UNKNOWN; for python,
      ruby and perl a site after an unquoted ``#`` on its line is marked as a comment).
    """
    t = an.tables
    if shell not in ("pwsh", "cmd") and shell not in _POSIX_SHELLS:
        if shell in _CODE_HASH_COMMENTS:
            an.comments = [(s, e) for s, e in an.sites if _after_hash(an.script, s)]
        return
    comments: list[tuple[int, int]] = [(m.start(), m.end()) for m in _CMD_COMMENT.finditer(text)] if shell == "cmd" else []
    statements: list[list[tuple[int, int]]] = []
    redirected: list[set[int]] = []  # per statement: word positions right after > / >>
    pipes: list[list[int]] = []
    current: list[tuple[int, int]] = []
    current_redirected: set[int] = set()
    pipe: list[int] = []
    after_redirect = False

    def end_statement() -> None:
        nonlocal current, current_redirected
        if current:
            statements.append(current)
            redirected.append(current_redirected)
            pipe.append(len(statements) - 1)
        current, current_redirected = [], set()

    pos, n = 0, len(text)
    while pos < n:
        m = _FB_TOKEN.search(text, pos)
        if m is None:
            break
        pos = m.end()
        kind = m.lastgroup
        start = m.start()
        if comments and any(a <= start < b for a, b in comments[-2:]):
            continue
        if kind == "word":
            if text[start] == "#" and (start == 0 or text[start - 1] in " \t\n;"):
                eol = text.find("\n", start)
                eol = n if eol < 0 else eol
                comments.append((start, eol))
                pos = eol
                continue
            if after_redirect:
                current_redirected.add(len(current))
            after_redirect = False
            current.append((start, m.end()))
        elif kind == "redir":
            after_redirect = m.group().endswith(">")
        elif kind == "sep":
            end_statement()
            if m.group() != "|":
                if len(pipe) > 1:
                    pipes.append(pipe)
                pipe = []
    end_statement()
    if len(pipe) > 1:
        pipes.append(pipe)
    an.comments = comments

    cmds: list[_Cmd] = []
    for spans in statements:
        cmd = _Cmd(spans[0][0], spans[-1][1], [_fallback_word(an, text, s, e) for s, e in spans])
        _resolve(cmd, t)
        if shell != "bash" and cmd.canonical is not None:
            cmd.canonical = cmd.canonical.lower()
        an.commands.append(cmd)
        cmds.append(cmd)
    for idx in pipes:
        an.pipelines.append([_Element(cmds[i].start, cmds[i].end, cmds[i], []) for i in idx])
    for i, cmd in enumerate(cmds):
        writer = (cmd.canonical or "") in t.writers
        for k, info in enumerate(cmd.words):
            m = t.env_target_fallback.search(info.word.text)
            if m is None or not (k in redirected[i] or (writer and k > 0)):
                continue
            if k in redirected[i]:
                body = cmd.words[1 if cmd.canonical in t.echo else 0 : k]
            else:
                body = [w for j, w in enumerate(cmd.words[1:], 1) if j != k and not (w.word.value or "-").startswith("-")]
            file = (m.group(1) or m.group(2)).upper()
            an.fallback_env.append((cmd, info.word, file, [Span(w.word.start, w.word.end) for w in body]))
            break
    if shell == "pwsh":
        starts = [c.start for c in cmds]
        for pattern in t.pwsh_remote:
            for m in pattern.finditer(text):
                k = bisect.bisect_right(starts, m.start()) - 1
                owner = cmds[k] if k >= 0 else None
                eol = text.find("\n", m.start())
                url = t.url.search(text, m.start(), n if eol < 0 else eol)
                target = None
                if url is not None:
                    s, e = url.start(), url.end()
                    target = Word(s, e, an.script, url.group(), an.sites_in(s, e))
                an.fallback_remote.append((owner, m.start(), m.end(), target))


_PLACEHOLDER = re.compile(r"__E(\d+)_*")


def _unplace(m: re.Match[str], an: _Analysis, text: str) -> str:
    idx = int(m.group(1))
    if idx < len(an.sites):
        a, b = an.sites[idx]
        if m.group().startswith(text[a:b]):
            return an.script[a:b] + m.group()[b - a :]
    return m.group()


def _fallback_word(an: _Analysis, text: str, s: int, e: int) -> _WordInfo:
    raw = text[s:e]
    sites = an.sites_in(s, e)
    value: str | None = None
    if "$" not in raw and not re.search(r"%\w+%", raw):
        value = _FB_QUOTES.sub(lambda m: m.group(1) or m.group(2) or m.group(3) or "", raw)
        if sites:
            value = _PLACEHOLDER.sub(lambda m: _unplace(m, an, text), value)
    return _WordInfo(Word(s, e, an.script, value, sites), None, [], [], False, (s, e))


# ============================================================================ entry point


def normalise_shell(shell: str | None) -> str:
    """GitHub's ``shell:`` value → ``bash``, ``sh``, ``pwsh``, ``cmd``, ``python`` …
    (custom templates such as ``bash -e {0}`` use their program's name)."""
    if not shell or not shell.strip():
        return "bash"
    first = shell.strip().split()[0].strip("'\"")
    name = _basename(first).lower().removesuffix(".exe")
    if name in ("powershell", "pwsh"):
        return "pwsh"
    if re.fullmatch(r"python[0-9.]*", name):
        return "python"
    return name


def _placeholder(index: int, length: int) -> str:
    tag = f"__E{index}"
    return tag.ljust(length, "_") if len(tag) <= length else "_" * length


def _line_starts(script: str) -> tuple[int, ...]:
    starts = [0]
    i = script.find("\n")
    while i >= 0:
        starts.append(i + 1)
        i = script.find("\n", i + 1)
    return tuple(starts)


@functools.lru_cache(maxsize=4096)
def _analyze(script: str, shell: str) -> ShellFacts:
    sites = [(s.start, s.end) for s in find_expressions(script) if s.terminated]
    an = _Analysis(script, sites)
    pieces = []
    last = 0
    for i, (s, e) in enumerate(sites):
        pieces.append(script[last:s])
        pieces.append(_placeholder(i, e - s))
        last = e
    pieces.append(script[last:])
    text = "".join(pieces)
    parsed = shell in _POSIX_SHELLS and len(script) <= MAX_PARSE_CHARS
    truncated = False
    if parsed:
        walker = _Walker(an, text, None, [(s, e, i) for i, (s, e) in enumerate(sites)], 0, {})
        walker.execute()
    else:
        truncated = len(script) > MAX_PARSE_CHARS
        _fallback(an, text[:MAX_PARSE_CHARS], shell)
    return _freeze(an, shell, parsed, truncated)


def _freeze(an: _Analysis, shell: str, parsed: bool, truncated: bool) -> ShellFacts:
    cmd: _Cmd | None
    events = _Events(an)
    events.build()
    for cmd, word, file, written in an.fallback_env:
        events.env_event(cmd, cmd.start, cmd.end, file, word, written, {"fallback"}, "write")
    for cmd, start, end, target in an.fallback_remote:
        events.add(EventKind.REMOTE_EXEC, cmd, start, end, tool="pwsh", action="iex", target=target)
    order = sorted(range(len(an.commands)), key=lambda i: (an.commands[i].start, -an.commands[i].end, i))
    index = {id(an.commands[i]): n for n, i in enumerate(order)}
    commands = []
    for i in order:
        c = an.commands[i]
        argv = c.argv
        commands.append(Command(
            start=c.start, end=c.end, name=c.name, canonical=c.canonical, argv=tuple(argv),
            words=tuple(w.word for w in c.words), wrappers=c.wrappers, assignments=tuple(c.assignments),
            redirects=tuple(c.redirects), nested_depth=c.depth, expressions=an.sites_in(c.start, c.end),
        ))
    starts = [c.start for c in commands]
    sites = []
    seen: set[tuple[EventKind, int, int, int, str]] = set()
    frozen_events = []
    for kind, cmd, start, end, attrs in sorted(events.out, key=lambda x: (x[2], x[3])):
        ci = index.get(id(cmd), -1) if cmd is not None else -1
        key = (kind, ci, start, end, attrs.get("file", ""))
        if key in seen:
            continue
        seen.add(key)
        if "expressions" not in attrs:
            attrs["expressions"] = an.sites_in(start, end)
        frozen_events.append(Event(kind=kind, start=start, end=end, command=ci, **attrs))
    an.comments.sort()
    comment_starts = [a for a, _ in an.comments]
    for i, (s, e) in enumerate(an.sites):
        inner = an.script[s + 3 : e - 2].strip()
        if parsed:
            quoting, position, cmd = an.site_ctx.get(i, (Quoting.UNQUOTED, Position.OTHER, None))
            ci = index.get(id(cmd), -1) if cmd is not None else -1
        else:
            k = bisect.bisect_right(comment_starts, s) - 1
            in_comment = k >= 0 and s < an.comments[k][1]
            quoting = Quoting.COMMENT if in_comment else Quoting.UNKNOWN
            position = Position.COMMENT if in_comment else Position.UNKNOWN
            k = bisect.bisect_right(starts, s) - 1
            ci = k if k >= 0 and commands[k].start <= s < commands[k].end else -1
        sites.append(ExpressionSite(i, s, e, inner, quoting, position, ci, an.site_depth.get(i, 0)))
    return ShellFacts(
        script=an.script, shell=shell, parsed=parsed, commands=tuple(commands), events=tuple(frozen_events),
        expression_sites=tuple(sites), parse_errors=tuple(an.errors), truncated=truncated,
        line_starts=_line_starts(an.script),
    )


def _after_hash(script: str, offset: int) -> bool:
    """A ``#`` outside quotes earlier on the same line (python/pwsh-style comment)."""
    line_start = script.rfind("\n", 0, offset) + 1
    quote = ""
    for ch in script[line_start:offset]:
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == "#":
            return True
    return False


def analyze(script: str, shell: str | None = None) -> ShellFacts:
    """Facts about one ``run:`` script. Cached per (script, shell); never raises on text."""
    if not isinstance(script, str):
        raise TypeError("script must be a str")
    return _analyze(script, normalise_shell(shell))
