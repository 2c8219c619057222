"""One analysed install hook with its policy decision and findings, and which project owns a path."""

from __future__ import annotations

from dataclasses import dataclass, field

from shipwarden.core.findings import Finding, Tier
from shipwarden.deps.analysis import HookAnalysis
from shipwarden.deps.model import InstallHook
from shipwarden.deps.policy import Decision, Policy


@dataclass(slots=True)
class HookRecord:
    hook: InstallHook
    analysis: HookAnalysis
    decision: Decision
    findings: list[Finding] = field(default_factory=list)
    #: Other install paths of the same package version (deduplicated).
    duplicates: int = 0

    @property
    def tier(self) -> Tier:
        return min((f.tier for f in self.findings), key=lambda t: t.rank, default=Tier.P2)

    @property
    def runs(self) -> bool:
        return self.decision in (Decision.RUNS, Decision.ALLOWED)


def policy_text(record: HookRecord) -> str:
    """``runs (why)`` / ``allowed (why)`` / ``blocked (why)``."""
    return f"{record.decision.value} ({record.hook.policy_reason})"


def owning_project(path: str, policies: dict[str, Policy]) -> str | None:
    """The deepest project folder that contains ``path`` (or holds its node_modules)."""
    best: str | None = None
    for folder in policies:
        if (folder == "" or path == folder or path.startswith(folder + "/")) and (best is None or len(folder) > len(best)):
            best = folder
    return best


def project_of(hook: InstallHook, folder: str, policies: dict[str, Policy]) -> bool:
    return owning_project(hook.location.path if not hook.package_dir else hook.package_dir, policies) == folder


