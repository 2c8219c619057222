"""``endpoint-secret-manager-session``: a secret-manager or password-manager CLI session left on disk (``~/.vault-token`` …).

Every credential the sweep sees in a store the catalogue assigns to this rule
(by its category) is one finding; the tier follows the store: P1 when it can
publish or push (:func:`shipwarden.endpoint.rules.common.tier_for`).
"""

from __future__ import annotations

from shipwarden.core.catalogue import RuleMeta
from shipwarden.core.findings import Confidence, Tier
from shipwarden.endpoint.rules.common import COMMAND, ROW, stored_credentials

META = RuleMeta(
    id="endpoint-secret-manager-session",
    row=ROW,
    tier=Tier.P2,
    confidence=Confidence.HIGH,
    title="secret-manager or password-manager CLI session left on disk",
    command=COMMAND,
)

check = stored_credentials(META)
