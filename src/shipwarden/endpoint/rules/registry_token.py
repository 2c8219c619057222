"""``endpoint-registry-token``: a package-registry token, password or auth string in a plain file (``~/.npmrc``, ``~/.pypirc``,
``~/.cargo/credentials.toml``, ``~/.docker/config.json`` …).

Every credential the sweep sees in a store the catalogue assigns to this rule
(by its category) is one finding; the tier follows the store: P1 when it can
publish or push (:func:`shipwarden.endpoint.rules.common.tier_for`).
"""

from __future__ import annotations

from shipwarden.core.catalogue import RuleMeta
from shipwarden.core.findings import Confidence, Tier
from shipwarden.endpoint.rules.common import COMMAND, ROW, stored_credentials

META = RuleMeta(
    id="endpoint-registry-token",
    row=ROW,
    tier=Tier.P1,
    confidence=Confidence.HIGH,
    title="package-registry publish credential in a plain file",
    command=COMMAND,
)

check = stored_credentials(META)
