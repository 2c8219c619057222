"""``endpoint-credential-file-permissions``: a credential file other users can read.

A file whose credentials another ``endpoint-*`` rule reports carries its mode in
that finding (one file, one finding: the mode and ``chmod 600`` are aggravating
facts of the credential). This rule reports the rest: a group- or
world-readable file the user owns that holds only passphrase-protected keys
(no finding of its own, but others can copy the key and guess offline).
``--fix-permissions`` makes every such file owner-only during the sweep, and a
fixed file is not reported.
"""

from __future__ import annotations

from collections.abc import Iterator

from shipwarden.core.catalogue import RuleMeta
from shipwarden.core.findings import Confidence, Finding, Location, Tier
from shipwarden.endpoint.evidence import StoreFile
from shipwarden.endpoint.rules.common import COMMAND, ROW

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
    if file.sightings:
        return  # the credential's own finding names the mode and the chmod
    store, info = file.store, file.info
    yield META.finding(
        f"{info.display} holds passphrase-protected keys and is {info.exposure.value} (mode {info.mode_text}):"
        f" another account can copy them and guess the passphrase offline; run `chmod 600 {info.display}` or"
        " `shipwarden endpoint --fix-permissions`",
        [Location(info.display, 0, 0, label="file mode")],
        tier=META.tier,
        key=f"{store.id}:permissions",
        properties={
            "store": store.id, "mode": info.mode_text, "exposure": info.exposure.value, "fix": f"chmod 600 {info.display}"
        },
    )
