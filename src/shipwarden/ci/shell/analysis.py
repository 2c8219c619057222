"""``analyze(script, shell)``: placeholders for ``${{ }}`` sites, the walk or the fallback, frozen facts."""

from __future__ import annotations

import bisect
import functools
import re
from typing import Any

from shipwarden.ci.shell.commands import basename
from shipwarden.ci.shell.events import Events
from shipwarden.ci.shell.fallback import run_fallback
from shipwarden.ci.shell.model import (
    MAX_PARSE_CHARS,
    Command,
    Event,
    EventKind,
    ExpressionSite,
    Position,
    Quoting,
    ShellFacts,
)
from shipwarden.ci.shell.state import Analysis, Cmd
from shipwarden.ci.shell.tables import POSIX_SHELLS
from shipwarden.ci.shell.walker import Walker
from shipwarden.ci.templates import find_expressions


@functools.lru_cache(maxsize=256)
def normalise_shell(shell: str | None) -> str:
    """GitHub's ``shell:`` value → ``bash``, ``sh``, ``pwsh``, ``cmd``, ``python`` …
    (custom templates such as ``bash -e {0}`` use their program's name)."""
    if not shell or not shell.strip():
        return "bash"
    first = shell.strip().split()[0].strip("'\"")
    name = basename(first).lower().removesuffix(".exe")
    if name in ("powershell", "pwsh"):
        return "pwsh"
    if re.fullmatch(r"python[0-9.]*", name):
        return "python"
    return name


def _placeholder(index: int, length: int) -> str:
    tag = f"__E{index}"
    return tag.ljust(length, "_") if len(tag) <= length else "_" * length


@functools.lru_cache(maxsize=4096)
def _analyze(script: str, shell: str) -> ShellFacts:
    sites = [(s.start, s.end) for s in find_expressions(script) if s.terminated]
    an = Analysis(script, sites)
    text = script
    if sites:
        pieces = []
        last = 0
        for i, (s, e) in enumerate(sites):
            pieces.append(script[last:s])
            pieces.append(_placeholder(i, e - s))
            last = e
        pieces.append(script[last:])
        text = "".join(pieces)
    parsed = shell in POSIX_SHELLS and len(script) <= MAX_PARSE_CHARS
    truncated = False
    if parsed:
        walker = Walker(an, text, None, [(s, e, i) for i, (s, e) in enumerate(sites)], 0, {})
        walker.execute()
    else:
        truncated = len(script) > MAX_PARSE_CHARS
        run_fallback(an, text[:MAX_PARSE_CHARS], shell)
    return _freeze(an, shell, parsed, truncated)


def _span_order(c: Cmd) -> tuple[int, int]:
    """Commands by start, the longer first (a stable sort: found first, first)."""
    return c.start, -c.end


def _event_order(e: tuple[EventKind, Cmd | None, int, int, dict[str, Any]]) -> tuple[int, int]:
    return e[2], e[3]


def _freeze(an: Analysis, shell: str, parsed: bool, truncated: bool) -> ShellFacts:
    cmd: Cmd | None
    events = Events(an)
    events.build()
    for cmd, word, file, written in an.fallback_env:
        events.env_event(cmd, cmd.start, cmd.end, file, word, written, {"fallback"}, "write")
    for cmd, start, end, target in an.fallback_remote:
        events.add(EventKind.REMOTE_EXEC, cmd, start, end, tool="pwsh", action="iex", target=target)
    ordered = sorted(an.commands, key=_span_order) if len(an.commands) > 1 else an.commands  # stable
    index = {id(c): n for n, c in enumerate(ordered)} if events.out or an.sites else {}
    commands = []
    for c in ordered:
        argv = tuple(c.argv)  # the words from argv_at on
        # Command(start, end, name, canonical, argv, words, wrappers, assignments, redirects, nested_depth,
        # expressions), given by position: keywords cost a dict per call
        commands.append(Command(
            c.start, c.end, c.name, c.canonical, argv, argv if c.argv_at == 0 else tuple(c.words),
            c.wrappers, tuple(c.assignments), tuple(c.redirects), c.depth, an.sites_in(c.start, c.end) if an.sites else (),
        ))
    sites = []
    seen: set[tuple[EventKind, int, int, int, str]] = set()
    frozen_events = []
    for kind, cmd, start, end, attrs in sorted(events.out, key=_event_order) if events.out else ():
        ci = index.get(id(cmd), -1) if cmd is not None else -1
        key = (kind, ci, start, end, attrs.get("file", ""))
        if key in seen:
            continue
        seen.add(key)
        if "expressions" not in attrs:
            attrs["expressions"] = an.sites_in(start, end)
        frozen_events.append(Event(kind=kind, start=start, end=end, command=ci, **attrs))
    an.comments.sort()
    comment_starts = [a for a, _ in an.comments] if an.comments else []
    starts = [c.start for c in commands] if an.sites and not parsed else []
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
    # ShellFacts(script, shell, parsed, commands, events, expression_sites, parse_errors, truncated)
    return ShellFacts(
        an.script, shell, parsed, tuple(commands), tuple(frozen_events), tuple(sites), tuple(an.errors), truncated
    )


def analyze(script: str, shell: str | None = None) -> ShellFacts:
    """Facts about one ``run:`` script. Cached per (script, shell); never raises on text."""
    if not isinstance(script, str):
        raise TypeError("script must be a str")
    return _analyze(script, normalise_shell(shell))
