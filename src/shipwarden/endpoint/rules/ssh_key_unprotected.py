"""``endpoint-ssh-key-unprotected``: an SSH (or PEM) private key without a passphrase.

The key file is judged by :func:`judge_key`: a passphrase-protected key is
counted, not reported; a FIDO/U2F key (``ed25519-sk``, ``ecdsa-sk``) is only a
handle, useless without the hardware authenticator (the very fix this rule
recommends), so not a finding either; any other key is a credential that
pushes code wherever its public half is trusted.
"""

from __future__ import annotations

from dataclasses import dataclass

from shipwarden.core.catalogue import RuleMeta
from shipwarden.core.findings import Confidence, Tier
from shipwarden.endpoint.rules.common import COMMAND, ROW, stored_credentials
from shipwarden.endpoint.sightings import Sighting
from shipwarden.endpoint.sshkeys import analyse_private_key
from shipwarden.secrets import fingerprint, shannon_entropy

META = RuleMeta(
    id="endpoint-ssh-key-unprotected",
    row=ROW,
    tier=Tier.P1,
    confidence=Confidence.HIGH,
    title="SSH private key without a passphrase",
    command=COMMAND,
)

check = stored_credentials(META)


@dataclass(frozen=True, slots=True)
class KeyVerdict:
    """What a private key file holds: an unprotected key, a protected one, or a hardware key handle."""

    sighting: Sighting | None = None
    #: Fingerprint of a passphrase-protected key ("" otherwise).
    protected: str = ""
    hardware: bool = False


def judge_key(text: str) -> KeyVerdict | None:
    """The verdict on the first private key in ``text``; None when it holds no key."""
    key = analyse_private_key(text)
    if key is None:
        return None
    fp = fingerprint(key.block.strip())
    if key.encrypted:
        return KeyVerdict(protected=fp)
    if key.hardware:
        return KeyVerdict(hardware=True)
    start = text.find(key.block[:20])
    line = text.count("\n", 0, max(start, 0)) + 1
    return KeyVerdict(
        Sighting(
            kind="ssh-private-key" if key.format in ("openssh", "putty") else "private-key",
            description=f"{key.format} private key without a passphrase",
            key_path="",
            line=line,
            column=1,
            end_line=line + key.block.strip().count("\n"),
            end_column=0,
            redacted=f"{key.format} key…[fp:{fp}]",
            fingerprint=fp,
            entropy=round(shannon_entropy(key.block), 3),
            live="format-valid",
            confidence=Confidence.HIGH,
            publish_capable=True,
        )
    )
