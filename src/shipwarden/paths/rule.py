"""The ``attack-path`` rule: the one rule every provider's path search reports under."""

from __future__ import annotations

from shipwarden.core.catalogue import RuleMeta
from shipwarden.core.findings import Confidence, Finding, Tier

META = RuleMeta(
    id="attack-path",
    row=2,
    tier=Tier.P0,
    confidence=Confidence.HIGH,
    title="Complete path from an outsider to a publish capability or a secret",
    command="scan",
)


def tells_a_path(finding: Finding) -> bool:
    """Whether ``finding`` reports an attack path: an ``attack-path`` finding, or the finding of
    a way in that took its same-job path (:func:`shipwarden.paths.report.link_findings`)."""
    return finding.rule_id == META.id or (bool(finding.hops) and "path_id" in finding.properties)
