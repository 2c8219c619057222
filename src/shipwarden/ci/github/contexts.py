"""Who controls a `${{ }}` context value: a lookup over `data/contexts.toml`.

The table maps dotted path patterns (`*` = one segment, `**` = any number) to a Control and,
for outsider text, the events under which an outsider sets it. The most specific pattern wins;
see the header of the TOML file for the format and the tie-break order.
"""

from __future__ import annotations

import functools
from enum import Enum
from typing import Any

from shipwarden.ci.github.expressions import ContextRef
from shipwarden.core.structs import struct
from shipwarden.core.tables import load_table

__all__ = [
    "Control",
    "ContextInfo",
    "GateSubject",
    "classify",
    "controlling_events",
    "gate_subject",
    "lookup",
    "normalise_path",
]


class Control(str, Enum):  # noqa: UP042 (str() of a member is relied on)
    OUTSIDER = "outsider"
    STRUCTURED = "structured"
    DERIVED = "derived"
    SECRET = "secret"
    FIXED = "fixed"
    UNKNOWN = "unknown"


@struct(frozen=True)
class ContextInfo:
    """The classification of one path and why."""

    control: Control
    pattern: str | None
    events: frozenset[str] | None
    note: str


@struct(frozen=True)
class GateSubject:
    """A path that an `if:` fact can restrict (see [gates] in the table)."""

    kind: str
    strength: str
    when: str | None
    note: str
    pattern: str


Path = tuple[str, ...]
_STRENGTHS = frozenset(("strong", "weak", "none"))


@struct(frozen=True)
class _Pattern:
    text: str
    head: Path  # segments before `**` (all segments when there is no `**`)
    tail: Path | None  # segments after `**`, None when the pattern has no `**`

    @classmethod
    def compile(cls, text: str) -> _Pattern:
        segments = tuple(text.split("."))
        if not text or any(not s or s != s.lower() for s in segments):
            raise ValueError(f"contexts.toml: bad pattern {text!r} (empty or upper-case segment)")
        if segments.count("**") > 1:
            raise ValueError(f"contexts.toml: pattern {text!r} has more than one '**'")
        if "**" in segments:
            cut = segments.index("**")
            return cls(text, segments[:cut], segments[cut + 1 :])
        return cls(text, segments, None)

    def specificity(self) -> tuple[int, int, int, int]:
        segments = self.head + (self.tail or ())
        literals = sum(1 for s in segments if s != "*")
        prefix = next((i for i, s in enumerate(segments) if s == "*"), len(segments))
        if self.tail is not None:
            prefix = min(prefix, len(self.head))
        return (self.tail is None, literals, prefix, -segments.count("*"))

    def matches(self, path: Path) -> bool:
        if self.tail is None:
            return len(path) == len(self.head) and _segments_match(self.head, path)
        if len(path) < len(self.head) + len(self.tail):
            return False
        head_ok = _segments_match(self.head, path[: len(self.head)])
        return head_ok and _segments_match(self.tail, path[len(path) - len(self.tail) :])

    def extends(self, path: Path) -> bool:
        """True when `path` is this (`**`-free) pattern or an ancestor object of it."""
        if self.tail is not None or len(path) > len(self.head):
            return False
        return all(p == "*" or s == "*" or s == p for s, p in zip(self.head, path, strict=False))


def _segments_match(pattern: Path, path: Path) -> bool:
    return all(s == "*" or s == p for s, p in zip(pattern, path, strict=False))


@struct(frozen=True)
class _Entry:
    pattern: _Pattern
    info: ContextInfo


@struct(frozen=True)
class _GateEntry:
    pattern: _Pattern
    subject: GateSubject


@struct(frozen=True)
class _Table:
    entries: tuple[_Entry, ...]  # most specific first
    outsider: tuple[_Entry, ...]  # `**`-free outsider entries, for container lookups
    defaults: dict[str, Control]
    gates: tuple[_GateEntry, ...]  # most specific first
    #: the literal first and first two segments the patterns and gates begin with (``github``,
    #: ``github.event``): the keys of :func:`_near`
    prefixes: frozenset[Path]


def _events(value: Any, groups: dict[str, frozenset[str]], where: str) -> frozenset[str] | None:
    if value is None:
        return None
    names = [value] if isinstance(value, str) else list(value)
    unknown = [n for n in names if n not in groups]
    if unknown:
        raise ValueError(f"contexts.toml: {where}: unknown event group(s) {unknown}")
    return frozenset().union(*(groups[n] for n in names))


def _by_specificity(pattern: _Pattern) -> tuple[int, int, int, int]:
    return pattern.specificity()


def _build(raw: dict[str, Any]) -> _Table:
    groups = {name: frozenset(events) for name, events in raw.get("events", {}).items()}
    defaults = {root: Control(value) for root, value in raw.get("defaults", {}).items()}
    entries: list[_Entry] = []
    for text, spec in raw.get("patterns", {}).items():
        extra = set(spec) - {"control", "events", "note"}
        if extra:
            raise ValueError(f"contexts.toml: {text}: unknown keys {sorted(extra)}")
        info = ContextInfo(
            control=Control(spec["control"]),
            pattern=text,
            events=_events(spec.get("events"), groups, text),
            note=str(spec.get("note", "")),
        )
        entries.append(_Entry(_Pattern.compile(text), info))
    entries.sort(key=lambda e: _by_specificity(e.pattern), reverse=True)
    gates: list[_GateEntry] = []
    for text, spec in raw.get("gates", {}).items():
        if spec.get("strength") not in _STRENGTHS:
            raise ValueError(f"contexts.toml: gate {text}: strength must be one of {sorted(_STRENGTHS)}")
        subject = GateSubject(
            kind=str(spec["kind"]),
            strength=str(spec["strength"]),
            when=None if spec.get("when") is None else str(spec["when"]),
            note=str(spec.get("note", "")),
            pattern=text,
        )
        gates.append(_GateEntry(_Pattern.compile(text), subject))
    gates.sort(key=lambda g: _by_specificity(g.pattern), reverse=True)
    outsider = tuple(
        e for e in entries if e.info.control is Control.OUTSIDER and e.pattern.tail is None
    )
    heads = [e.pattern.head for e in entries] + [g.pattern.head for g in gates]
    prefixes = frozenset(h[:n] for h in heads for n in (1, 2) if len(h) >= n and "*" not in h[:n])
    return _Table(tuple(entries), outsider, defaults, tuple(gates), prefixes)


def _may_match(pattern: _Pattern, prefix: Path) -> bool:
    """False when ``pattern`` matches no path that starts with ``prefix``."""
    for i, segment in enumerate(prefix):
        if i >= len(pattern.head):
            return pattern.tail is not None  # a `**`-free pattern matches paths of its own length only
        if pattern.head[i] not in ("*", segment):
            return False
    return True


@functools.cache
def _table() -> _Table:
    return _build(load_table("shipwarden.ci.github", "contexts.toml"))


def normalise_path(ref: ContextRef | Path | str) -> Path:
    """A lower-case path tuple from a ContextRef, a tuple, or dotted text."""
    if isinstance(ref, ContextRef):
        return ref.path
    if isinstance(ref, str):
        return tuple(ref.lower().split("."))
    return tuple(s.lower() for s in ref)


def _near(path: Path) -> tuple[tuple[_Entry, ...], tuple[_GateEntry, ...]]:
    """The table's patterns and gates that may match ``path``, most specific first: those its
    first two segments allow when the table names them (``github.event``), else its first, else
    the ones that begin with a wildcard (``("",)``: no pattern has an empty segment)."""
    table = _table()
    if not path:
        return table.entries, table.gates
    key = path[:2] if path[:2] in table.prefixes else path[:1] if path[:1] in table.prefixes else ("",)
    return _candidates(key)


@functools.cache  # keyed by the table's own prefixes (bounded)
def _candidates(prefix: Path) -> tuple[tuple[_Entry, ...], tuple[_GateEntry, ...]]:
    table = _table()
    return (
        tuple(e for e in table.entries if _may_match(e.pattern, prefix)),
        tuple(g for g in table.gates if _may_match(g.pattern, prefix)),
    )


@functools.lru_cache(maxsize=4096)
def _lookup(path: Path) -> ContextInfo:
    table = _table()
    for entry in _near(path)[0]:
        if entry.pattern.matches(path):
            return entry.info
    containing = [e for e in table.outsider if e.pattern.extends(path)]
    if containing:
        events: frozenset[str] | None = frozenset()
        for e in containing:
            events = None if events is None or e.info.events is None else events | e.info.events
        note = "object containing outsider text, e.g. " + containing[0].pattern.text
        return ContextInfo(Control.OUTSIDER, None, events, note)
    control = table.defaults.get(path[0], Control.UNKNOWN) if path else Control.UNKNOWN
    return ContextInfo(control, None, None, "no table entry; default for the context")


@functools.lru_cache(maxsize=4096)
def _lookup_dotted(text: str) -> ContextInfo:
    return _lookup(normalise_path(text))


def _info(ref: ContextRef | Path | str) -> ContextInfo:
    # dotted text (what the tracer asks about, again and again) is kept as it is given
    return _lookup_dotted(ref) if isinstance(ref, str) else _lookup(normalise_path(ref))


def lookup(ref: ContextRef | Path | str) -> ContextInfo:
    """Classification of a context path with the matching pattern and its note."""
    return _info(ref)


def classify(ref: ContextRef | Path | str) -> Control:
    """Who controls the value at this context path."""
    return _info(ref).control


def controlling_events(path: ContextRef | Path | str) -> frozenset[str] | None:
    """Events under which an outsider sets this value; None when not restricted/applicable."""
    return _info(path).events


@functools.lru_cache(maxsize=1024)
def _gate_subject(path: Path) -> GateSubject | None:
    for entry in _near(path)[1]:
        if entry.pattern.matches(path):
            return entry.subject
    return None


def gate_subject(ref: ContextRef | Path | str) -> GateSubject | None:
    """The `if:` gate kind a comparison on this path establishes, if any."""
    return _gate_subject(normalise_path(ref))
