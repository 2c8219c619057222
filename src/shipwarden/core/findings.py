"""The one finding model shared by every shipwarden command.

Every command (``scan``, ``paths``, ``gate``, ``deps``, ``endpoint``) produces a
:class:`Report` holding :class:`Finding` objects and per-file :class:`ScanError`
notes. Reporters, configuration, inline suppressions and baselines only ever
see these types, so they work the same for every command.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Iterable
from dataclasses import field
from operator import attrgetter
from typing import Any, TypeVar

from shipwarden.core.digest import sha256
from shipwarden.core.structs import struct

_T = TypeVar("_T")

#: Version of the JSON output schema (``docs/json-schema.md``). Bump the major
#: part on any incompatible change.
SCHEMA_VERSION = "2.0"


def _pickled_by_call(cls: type[_T]) -> type[_T]:
    """Pickle ``cls`` as a call of it with its field values, in order (its ``__init__``
    takes them all). Scan workers send the parent thousands of findings and locations:
    so they cost a third less to pickle and half to unpickle than as object state
    (a frozen class's ``__setstate__`` sets each field with a Python call)."""
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    if not all(f.init and not f.kw_only for f in fields):
        raise TypeError(f"{cls.__name__}: every field must be a positional parameter of __init__")
    values = attrgetter(*(f.name for f in fields))

    def __reduce__(self: _T) -> tuple[type[_T], tuple[Any, ...]]:
        return cls, values(self)

    setattr(cls, "__reduce__", __reduce__)  # noqa: B010 - mypy refuses assigning a method
    return cls


class Tier(enum.Enum):
    """Priority tier from ``MATRIX.md``. ``P0`` is the most urgent."""

    P0 = "P0"
    P1 = "P1"
    P2 = "P2"

    def __init__(self, value: str) -> None:
        #: 0 for P0 … 2 for P2 (an attribute, not a property: sorting findings reads it often)
        self.rank = int(value[1])

    def at_least(self, other: Tier) -> bool:
        """True when this tier is as urgent as ``other`` or more (P0 ≥ P1 ≥ P2)."""
        return self.rank <= other.rank

    @classmethod
    def parse(cls, text: str) -> Tier:
        try:
            return cls(text.strip().upper())
        except ValueError:
            raise ValueError(f"unknown tier {text!r}: expected P0, P1 or P2") from None


class Confidence(enum.Enum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


@_pickled_by_call
@struct(frozen=True)
class Location:
    """A span in a scanned file. ``path`` is POSIX and relative to the scanned root.

    Lines and columns are 1-based; ``end_column`` is exclusive. A location in a
    file that has no lines (a tarball member, an environment variable) uses
    line 0.
    """

    path: str
    line: int = 0
    column: int = 0
    end_line: int = 0
    end_column: int = 0
    label: str = ""
    snippet: str = ""

    def sort_key(self) -> tuple[str, int, int]:
        return (self.path, self.line, self.column)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
        }
        if self.label:
            data["label"] = self.label
        if self.snippet:
            data["snippet"] = self.snippet
        return data


@_pickled_by_call
@struct(frozen=True)
class Hop:
    """One step of an attack path: where it happens, what happens, which matrix row."""

    location: Location
    description: str
    row: int

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "description": self.description, "location": self.location.to_dict()}


def fingerprint_of(rule_id: str, path: str, key: str) -> str:
    """The fingerprint of a finding of ``rule_id`` in ``path`` with ``key`` (see :attr:`Finding.fingerprint`)."""
    args = (rule_id, path, key)
    done = _FINGERPRINTS.get(args)
    if done is None:
        basis = "\x1f".join(args)
        done = sha256(basis.encode("utf-8", "surrogatepass")).hexdigest()[:20]
        if len(_FINGERPRINTS) < _FINGERPRINTS_MAX:
            _FINGERPRINTS[args] = done
    return done


#: :func:`fingerprint_of` results by its arguments (a SHA-256 costs about as much as
#: rendering the finding): scan workers send theirs with their findings
#: (:func:`known_fingerprints`) and the parent adopts them (:func:`adopt_fingerprints`). Bounded.
_FINGERPRINTS: dict[tuple[str, str, str], str] = {}
_FINGERPRINTS_MAX = 200_000


def known_fingerprints(findings: Iterable[Finding]) -> dict[tuple[str, str, str], str]:
    """:func:`fingerprint_of` of each of ``findings`` (pinned ones left out), by its arguments."""
    return {
        (f.rule_id, f.locations[0].path, f.key or f.message): f.fingerprint for f in findings if not f.fingerprint_pin
    }


def adopt_fingerprints(known: dict[tuple[str, str, str], str]) -> None:
    """Remember :func:`known_fingerprints` of another process running this same code."""
    if len(_FINGERPRINTS) + len(known) <= _FINGERPRINTS_MAX:
        _FINGERPRINTS.update(known)


class Repeats:
    """Tells apart findings whose key would repeat: the first keeps its key, the
    later ones, in document order, get ``#2``, ``#3``, … appended.

    For a rule that finds the same thing more than once in one scope (the same
    ``action@ref`` used by two steps of one job): each is one finding with its own
    fingerprint, which an unrelated edit elsewhere does not change.
    """

    __slots__ = ("_seen",)

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str], int] = {}

    def __call__(self, key: str, scope: str = "") -> str:
        """``key``, numbered among the earlier calls with the same key and ``scope``
        (e.g. the file: findings in other files never share a fingerprint)."""
        n = self._seen.get((scope, key), 0) + 1
        self._seen[(scope, key)] = n
        return key if n == 1 else f"{key}#{n}"


@_pickled_by_call
@struct
class Finding:
    rule_id: str
    row: int
    tier: Tier
    confidence: Confidence
    message: str
    locations: list[Location]
    #: A stable text that identifies *what* was found independent of line
    #: numbers (a job id and step name, an expression, a file name, ...). It
    #: feeds the fingerprint that baselines use.
    key: str = ""
    #: Hops of the attack path, for path findings.
    hops: list[Hop] = field(default_factory=list)
    #: Further paths of the same root cause (one per other target reached), each a
    #: full list of hops; ``hops`` is the shortest.
    flows: list[list[Hop]] = field(default_factory=list)
    #: Ids of path findings this finding lies on (its tier is then the path's).
    paths: list[str] = field(default_factory=list)
    #: Tier the rule gives on its own before a path raised it.
    rule_tier: Tier | None = None
    #: Extra JSON-serialisable facts specific to the rule. Never a secret value.
    properties: dict[str, Any] = field(default_factory=dict)
    #: The key an earlier version of the rule gave this finding, when the rule has
    #: since made its key more precise: a baseline written then still matches it
    #: through :attr:`previous_fingerprint` (see ``docs/output.md``, baselines).
    previous_key: str = field(default="", repr=False)
    #: The path an earlier version gave :attr:`primary` when it has since been made
    #: stable (a file named as the user typed it): with :attr:`previous_key` (or the
    #: key) it gives :attr:`previous_fingerprint`.
    previous_path: str = field(default="", repr=False)
    #: Set by the output filter (``reporting.emit``) on its cleaned copy, so the
    #: copy keeps the fingerprint of the finding it was made from.
    fingerprint_pin: str = field(default="", repr=False, compare=False)

    def __post_init__(self) -> None:
        if not 1 <= self.row <= 7:
            raise ValueError(f"matrix row must be 1-7, got {self.row}")
        if not self.locations:
            raise ValueError("a finding needs at least one location")

    @property
    def primary(self) -> Location:
        return self.locations[0]

    @property
    def fingerprint(self) -> str:
        """Stable id used by baselines: survives line moves, not content changes."""
        if self.fingerprint_pin:
            return self.fingerprint_pin
        return fingerprint_of(self.rule_id, self.primary.path, self.key or self.message)

    @property
    def previous_fingerprint(self) -> str:
        """The fingerprint under :attr:`previous_key` and :attr:`previous_path` ("" when neither changed)."""
        if not (self.previous_key or self.previous_path):
            return ""
        return fingerprint_of(self.rule_id, self.previous_path or self.primary.path,
                              self.previous_key or self.key or self.message)

    def sort_key(self) -> tuple[Any, ...]:
        primary = self.locations[0]
        return (self.tier.rank, self.row, primary.path, primary.line, primary.column, self.rule_id, self.message)

    def to_dict(self) -> dict[str, Any]:
        # ``_value_``: an enum's ``value`` is a property, a Python call each (3.11)
        data: dict[str, Any] = {
            "rule": self.rule_id,
            "row": self.row,
            "tier": self.tier._value_,
            "confidence": self.confidence._value_,
            "message": self.message,
            "fingerprint": self.fingerprint,
            "locations": [loc.to_dict() for loc in self.locations],
        }
        if self.rule_tier is not None and self.rule_tier is not self.tier:
            data["rule_tier"] = self.rule_tier._value_
        if self.hops:
            data["hops"] = [hop.to_dict() for hop in self.hops]
        if self.flows:
            data["flows"] = [[hop.to_dict() for hop in flow] for flow in self.flows]
        if self.paths:
            data["paths"] = list(self.paths)
        if self.properties:
            data["properties"] = self.properties
        return data


@_pickled_by_call
@struct(frozen=True)
class ScanError:
    """A file (or other input) that could not be fully analysed. The scan goes on."""

    path: str
    message: str
    kind: str = "error"  # e.g. "yaml", "too-large", "encoding", "alias-bomb", "symlink"
    #: 1-based line of the problem in ``path`` when known (0: the whole file)
    line: int = 0

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.path, "kind": self.kind, "message": self.message}
        if self.line:
            out["line"] = self.line
        return out


@_pickled_by_call
@struct(frozen=True)
class Coverage:
    """What one input let a command see, and what it could not.

    ``deps``: per lockfile, how many packages run install-time code as far as
    the lockfile (and what was read beside it) tells, and how many are unknown.
    ``gate``: per run, the bytes the secret scan did not read. ``unknown`` > 0
    means a clean result is not a clean bill: ``resolve`` says what to run or set.
    """

    path: str
    #: What was looked for: ``install-time code``, ``secrets`` …
    subject: str
    #: The unit of the counts: ``packages``, ``bytes`` …
    unit: str
    total: int
    #: Items that have what was looked for (packages that run install-time code).
    found: int
    #: Items nothing read could settle.
    unknown: int
    #: Why the unknowns are unknown ("" when none are).
    reason: str = ""
    #: The exact command or setting that resolves them ("" when none are).
    resolve: str = ""
    #: The input's format (``pnpm-lock 9.0``, ``yarn-berry 8`` …).
    format: str = ""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "path": self.path, "subject": self.subject, "unit": self.unit, "total": self.total,
            "found": self.found, "unknown": self.unknown,
        }
        if self.format:
            out["format"] = self.format
        if self.reason:
            out["reason"] = self.reason
        if self.resolve:
            out["resolve"] = self.resolve
        return out


@struct
class Report:
    """What one command run produced."""

    command: str
    roots: list[str]
    findings: list[Finding] = field(default_factory=list)
    errors: list[ScanError] = field(default_factory=list)
    #: Counters such as files scanned; shown in summaries, stable keys.
    stats: dict[str, int] = field(default_factory=dict)
    #: What each input let the command see and what it could not (``deps``, ``gate``).
    coverage: list[Coverage] = field(default_factory=list)
    #: Findings dropped by inline suppressions or the baseline (kept for counts).
    suppressed: int = 0
    baselined: int = 0
    #: Paths of files the command read whole and found without any ``shipwarden``
    #: comment: the suppression pass (:func:`shipwarden.core.suppress.file_reader`)
    #: need not read them again. A hint, not part of the result.
    plain_sources: frozenset[str] = field(default_factory=frozenset, compare=False, repr=False)

    @property
    def incomplete(self) -> bool:
        return bool(self.errors)

    def sorted_findings(self) -> list[Finding]:
        return sorted(self.findings, key=lambda f: f.sort_key())

    def worst_tier(self) -> Tier | None:
        tiers = [f.tier for f in self.findings]
        return min(tiers, key=lambda t: t.rank) if tiers else None
