"""Rule metadata shared by every command, and the registry of workflow rules."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from shipwarden.core.findings import Confidence, Finding, Hop, Location, Tier

if TYPE_CHECKING:  # pragma: no cover
    from shipwarden.ci.github.model import Repository, Workflow


@dataclass(frozen=True, slots=True)
class RuleMeta:
    """What every rule of every command declares: id, matrix row, default tier."""

    id: str
    row: int
    tier: Tier
    confidence: Confidence
    title: str
    #: the command that produces it: scan, paths, gate, deps or endpoint
    command: str = "scan"

    def doc_url(self, base: str | None) -> str | None:
        """``<base>/<id>.md``, or ``None`` when no documentation URL was given."""
        return f"{base.rstrip('/')}/{self.id}.md" if base else None

    def finding(
        self,
        message: str,
        locations: list[Location],
        *,
        tier: Tier | None = None,
        confidence: Confidence | None = None,
        key: str = "",
        hops: list[Hop] | None = None,
        properties: dict[str, Any] | None = None,
        flows: list[list[Hop]] | None = None,
    ) -> Finding:
        return Finding(
            rule_id=self.id,
            row=self.row,
            tier=tier or self.tier,
            confidence=confidence or self.confidence,
            message=message,
            locations=locations,
            key=key,
            hops=hops or [],
            flows=flows or [],
            properties=properties or {},
        )


#: Every rule of every command, by id (workflow rules, gate, deps, endpoint checks).
RULES: dict[str, RuleMeta] = {}


def declare(meta: RuleMeta) -> RuleMeta:
    """Record a rule's metadata; ids are unique across all commands."""
    if meta.id in RULES and RULES[meta.id] != meta:
        raise ValueError(f"rule id {meta.id!r} declared twice")
    RULES[meta.id] = meta
    return meta


CheckFn = Callable[["Workflow", "Repository"], Iterable[Finding]]


@dataclass(frozen=True, slots=True)
class WorkflowRule:
    meta: RuleMeta
    check: CheckFn = field(compare=False)


#: Workflow rules run by ``scan``, in registration order.
WORKFLOW_RULES: list[WorkflowRule] = []


def workflow_rule(meta: RuleMeta) -> Callable[[CheckFn], CheckFn]:
    """Decorator registering ``check(workflow, repo)`` as the rule ``meta``."""

    declare(meta)

    def wrap(fn: CheckFn) -> CheckFn:
        WORKFLOW_RULES.append(WorkflowRule(meta, fn))
        return fn

    return wrap
