"""Tell a private key file's format and whether a passphrase protects it.

OpenSSH keys are decoded (``openssh-key-v1``: cipher and kdf names, ``none``
or ``bcrypt``); PEM keys are judged by their armour and ``Proc-Type`` header;
PuTTY keys by their ``Encryption`` line. FIDO/U2F keys (``ed25519-sk``,
``ecdsa-sk``) are told apart by their public key type: the file holds only a
key handle that needs the hardware authenticator.
"""

from __future__ import annotations

import base64
import binascii
import re
import struct
from dataclasses import dataclass

_PK = "PRIVATE" + " KEY"
_ARMOUR = re.compile(r"-----BEGIN ([A-Z0-9 ]*?)" + _PK + r"-----\s*(.*?)-----END ", re.S)
_OPENSSH_MAGIC = b"openssh-key-v1\x00"


@dataclass(frozen=True, slots=True)
class KeyProtection:
    format: str  # "openssh", "pkcs8", "pem-rsa", "pem-ec", "putty", …
    encrypted: bool
    #: kdf or cipher that protects it ("bcrypt", "aes-128-cbc", "none"…)
    scheme: str
    #: the armoured block (or whole PuTTY file), for the fingerprint
    block: str
    #: A FIDO/U2F key (``sk-ssh-ed25519@openssh.com``, ``sk-ecdsa-sha2-nistp256@openssh.com``):
    #: the file is only a handle, useless without the hardware authenticator.
    hardware: bool = False


def _ssh_string(data: bytes, offset: int) -> tuple[bytes, int]:
    (length,) = struct.unpack_from(">I", data, offset)
    start = offset + 4
    if length > len(data) - start:
        raise ValueError("truncated")
    return data[start : start + length], start + length


def _openssh(body: str) -> tuple[bool, str, bool] | None:
    """(encrypted, scheme, hardware-backed) of an ``openssh-key-v1`` body."""
    try:
        raw = base64.b64decode("".join(body.split()), validate=False)
    except (binascii.Error, ValueError):
        return None
    if not raw.startswith(_OPENSSH_MAGIC):
        return None
    try:
        cipher, offset = _ssh_string(raw, len(_OPENSSH_MAGIC))
        kdf, offset = _ssh_string(raw, offset)
    except (struct.error, ValueError):
        return None
    encrypted = cipher != b"none" or kdf != b"none"
    return encrypted, kdf.decode("ascii", "replace") if encrypted else "none", _security_key(raw, offset)


def _security_key(raw: bytes, offset: int) -> bool:
    """Whether the first public key (stored in clear even in encrypted files) is a FIDO key."""
    try:
        _, offset = _ssh_string(raw, offset)  # kdf options
        (count,) = struct.unpack_from(">I", raw, offset)
        if count < 1:
            return False
        public, _ = _ssh_string(raw, offset + 4)
        key_type, _ = _ssh_string(public, 0)
    except (struct.error, ValueError):
        return False
    return key_type.startswith(b"sk-") and key_type.endswith(b"@openssh.com")


def analyse_private_key(text: str) -> KeyProtection | None:
    """The protection of the first private key in ``text``; None when there is none."""
    if text.startswith("PuTTY-User-Key-File-"):
        m = re.search(r"^Encryption:\s*(\S+)", text, re.M)
        scheme = m.group(1) if m else "unknown"
        return KeyProtection("putty", scheme != "none", scheme, text)
    m = _ARMOUR.search(text)
    if not m:
        return None
    label = m.group(1).strip()
    body = m.group(2)
    block = m.group(0)
    if label == "OPENSSH":
        parsed = _openssh(body)
        if parsed is None:
            return KeyProtection("openssh", False, "unparsed", block)
        encrypted, scheme, hardware = parsed
        return KeyProtection("openssh", encrypted, scheme, block, hardware)
    if label == "ENCRYPTED":
        return KeyProtection("pkcs8", True, "pkcs8-encrypted", block)
    if "Proc-Type: 4,ENCRYPTED" in body:
        dek = re.search(r"DEK-Info:\s*([A-Za-z0-9-]+)", body)
        return KeyProtection(f"pem-{label.lower() or 'key'}", True, dek.group(1).lower() if dek else "encrypted", block)
    return KeyProtection(f"pem-{label.lower()}" if label else "pkcs8", False, "none", block)
