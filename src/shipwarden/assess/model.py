"""What an assessment is: its scope (as data), its findings, and how they changed.

An :class:`Assessment` answers the vendor-questionnaire question "when did you
last red-team your release pipeline, and what was in scope?": the UTC date, the
repository (remote, commit, branch, uncommitted changes), the tool's version
and the hashes of its rule catalogue and of the effective configuration, every
input read, and for each matrix row a :class:`RowStatus` with its reason.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from shipwarden.core.findings import Finding, ScanError, Tier

#: Version of the assessment JSON (``docs/assess-schema.md``); the major part
#: changes on any incompatible change.
ASSESS_SCHEMA_VERSION = "1.0"


class RowStatus(enum.Enum):
    ASSESSED = "assessed"
    PARTLY = "partly assessed"
    NOT_APPLICABLE = "not applicable"
    NOT_ASSESSED = "not assessed"

    @property
    def slug(self) -> str:
        return self.name.lower().replace("_", "-")


@dataclass(slots=True)
class RowScope:
    """One matrix row: how far it was assessed, why, and by which analyses."""

    row: int
    status: RowStatus
    reasons: list[str] = field(default_factory=list)
    analyses: list[str] = field(default_factory=list)

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)

    def to_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "status": self.status.value,
            "reason": self.reason,
            "reasons": list(self.reasons),
            "analyses": list(self.analyses),
        }


@dataclass(slots=True)
class Repository:
    """The assessed checkout. ``identity`` keys its history (remote URL, else the absolute path)."""

    root: str
    name: str
    identity: str
    remote: str | None = None
    commit: str | None = None
    branch: str | None = None
    #: uncommitted changes in the work tree (None: not a git checkout)
    dirty: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "root": self.root,
            "name": self.name,
            "identity": self.identity,
            "remote": self.remote,
            "commit": self.commit,
            "branch": self.branch,
            "dirty": self.dirty,
        }


@dataclass(slots=True)
class Input:
    """One thing an analysis read: a workflow folder, a lockfile, a package, a home directory."""

    analysis: str
    kind: str
    path: str
    count: int = 1

    def to_dict(self) -> dict[str, Any]:
        return {"analysis": self.analysis, "kind": self.kind, "path": self.path, "count": self.count}


@dataclass(slots=True)
class Scope:
    started_at: str  # ISO 8601, UTC, seconds
    finished_at: str
    repository: Repository
    version: str
    rules_hash: str
    config_hash: str
    options: dict[str, Any] = field(default_factory=dict)
    #: the analyses that ran (``scan``, ``deps``, ``gate:npm:packages/a``, ``endpoint``)
    analyses: list[str] = field(default_factory=list)
    inputs: list[Input] = field(default_factory=list)
    rows: list[RowScope] = field(default_factory=list)
    errors: list[tuple[str, ScanError]] = field(default_factory=list)  # (analysis, error)

    def row(self, number: int) -> RowScope:
        return next(r for r in self.rows if r.row == number)

    def to_dict(self) -> dict[str, Any]:
        return {
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "repository": self.repository.to_dict(),
            "shipwarden": {"version": self.version, "rules_hash": self.rules_hash, "config_hash": self.config_hash},
            "options": dict(self.options),
            "analyses": list(self.analyses),
            "inputs": [i.to_dict() for i in self.inputs],
            "rows": [r.to_dict() for r in self.rows],
            "errors": [{"analysis": a, **e.to_dict()} for a, e in self.errors],
        }


@dataclass(slots=True)
class OpenFinding:
    """A finding of this assessment with its history: first seen, new or carried over."""

    finding: Finding
    analysis: str
    first_seen: str  # started_at of the first assessment that had its fingerprint
    new: bool


@dataclass(slots=True)
class Fixed:
    """A finding of the previous assessment that this one no longer has."""

    fingerprint: str
    rule_id: str
    row: int
    tier: str
    path: str
    message: str
    first_seen: str


@dataclass(slots=True)
class TrendPoint:
    """One past (or this) assessment in the trend chart."""

    id: int
    started_at: str
    counts: dict[str, int]  # P0/P1/P2 open
    commit: str | None = None


@dataclass(slots=True)
class Assessment:
    scope: Scope
    findings: list[OpenFinding]
    fixed: list[Fixed] = field(default_factory=list)
    previous_at: str | None = None
    trend: list[TrendPoint] = field(default_factory=list)
    #: database id once stored
    id: int | None = None

    def counts(self) -> dict[str, int]:
        out = {"P0": 0, "P1": 0, "P2": 0}
        for item in self.findings:
            out[item.finding.tier.value] += 1
        return out

    def row_counts(self, row: int) -> dict[str, int]:
        out = {"P0": 0, "P1": 0, "P2": 0}
        for item in self.findings:
            if item.finding.row == row:
                out[item.finding.tier.value] += 1
        return out

    def worst_tier(self) -> Tier | None:
        tiers = [item.finding.tier for item in self.findings]
        return min(tiers, key=lambda t: t.rank) if tiers else None

    @property
    def new_count(self) -> int:
        return sum(1 for item in self.findings if item.new)

    @property
    def unchanged_count(self) -> int:
        return sum(1 for item in self.findings if not item.new)

    def verdict(self) -> str:
        """One line: the answer at the top of every report."""
        counts = self.counts()
        gaps = [r.row for r in self.scope.rows if r.status in (RowStatus.NOT_ASSESSED, RowStatus.PARTLY)]
        if counts["P0"]:
            head = f"{counts['P0']} outsider-exploitable path(s) to a publish or a credential (P0)"
        elif counts["P1"]:
            head = f"no P0; {counts['P1']} finding(s) one precondition away (P1)"
        else:
            head = "no P0 or P1 findings"
        label = "row" if len(gaps) == 1 else "rows"
        tail = f"; {label} {', '.join(map(str, gaps))} not fully assessed" if gaps else ""
        return head + tail

    def exit_code(self, fail_on: str) -> int:
        code = 0
        if fail_on != "none":
            limit = Tier.parse(fail_on)
            if any(item.finding.tier.at_least(limit) for item in self.findings):
                code |= 1
        if self.scope.errors:
            code |= 4
        return code
