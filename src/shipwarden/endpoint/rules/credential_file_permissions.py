"""``endpoint-credential-file-permissions``: a credential file other users can read.

Reported once per file that holds a credential (or a protected key) and is
group- or world-readable, when the user owns it (only the owner can fix it);
its tier is the highest of the credentials inside. ``--fix-permissions``
makes such files owner-only during the sweep, and a fixed file is not reported.
"""

from __future__ import annotations

from collections.abc import Iterator

from shipwarden.core.catalogue import RuleMeta
from shipwarden.core.findings import Confidence, Finding, Location, Tier
from shipwarden.endpoint.evidence import StoreFile
from shipwarden.endpoint.rules.common import COMMAND, ROW, tier_for

META = RuleMeta(
    id="endpoint-credential-file-permissions",
    row=ROW,
    tier=Tier.P2,
    confidence=Confidence.HIGH,
    title="credential file readable by other users",
    command=COMMAND,
)


def exposed(file: StoreFile) -> bool:
    """Whether ``file`` is one this rule reports, or ``--fix-permissions`` should fix."""
    return file.holds_credentials and file.info.exposure.loose and file.info.owned_by_user


def check(file: StoreFile) -> Iterator[Finding]:
    if not exposed(file) or file.permissions_fixed:
        return
    store, info = file.store, file.info
    tiers = [tier_for(store.publish, s.publish_capable) for s in file.sightings]
    tier = min(tiers, key=lambda t: t.rank) if tiers else META.tier
    yield META.finding(
        f"{info.display} holds credentials and is {info.exposure.value} (mode {info.mode_text}); "
        f"run `chmod 600 {info.display}` or `shipwarden endpoint --fix-permissions`",
        [Location(info.display, 0, 0, label="file mode")],
        tier=tier,
        key=f"{store.id}:permissions",
        properties={
            "store": store.id, "mode": info.mode_text, "exposure": info.exposure.value, "fix": f"chmod 600 {info.display}"
        },
    )
