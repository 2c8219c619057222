"""The ``attack-path`` rule: the one rule every provider's path search reports under."""

from __future__ import annotations

from shipwarden.core.catalogue import RuleMeta
from shipwarden.core.findings import Confidence, Tier

META = RuleMeta(
    id="attack-path",
    row=2,
    tier=Tier.P0,
    confidence=Confidence.HIGH,
    title="Complete path from an outsider to a publish capability or a secret",
    command="scan",
)
