"""Format-valid *fake* secrets for tests and benchmarks.

Every value is built at run time from a seeded random generator, so no
real-looking token is ever written into the source tree (and other secret
scanners stay quiet on it). The values have the right shape and entropy for
:func:`shipwarden.secrets.scan_text`, and are useless anywhere else.
"""

from __future__ import annotations

import base64
import json
import random
import string
import struct
from collections.abc import Callable

_B62 = string.ascii_letters + string.digits
_B64URL = _B62 + "-_"
_B64 = _B62 + "+/"
_B32 = string.ascii_uppercase + "234567"
_AZ_SECRET = _B62 + "_~.-"

#: Armour pieces, joined at run time.
_DASHES = "-" * 5
_PK = "PRIVATE" + " KEY"


def _pick(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _armour(label: str, body: bytes, *, width: int = 64, headers: str = "") -> str:
    b64 = base64.b64encode(body).decode("ascii")
    lines = [b64[i : i + width] for i in range(0, len(b64), width)]
    begin = f"{_DASHES}BEGIN {label}{_DASHES}"
    end = f"{_DASHES}END {label}{_DASHES}"
    return "\n".join([begin, *([headers] if headers else []), *lines, end]) + "\n"


def _ssh_string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def openssh_private_key(rng: random.Random, *, encrypted: bool) -> str:
    """An OpenSSH ``openssh-key-v1`` container; ``bcrypt`` kdf when encrypted."""
    cipher, kdf = (b"aes256-ctr", b"bcrypt") if encrypted else (b"none", b"none")
    kdf_options = _ssh_string(rng.randbytes(16)) + struct.pack(">I", 16) if encrypted else b""
    public = _ssh_string(b"ssh-ed25519") + _ssh_string(rng.randbytes(32))
    body = (
        b"openssh-key-v1\x00"
        + _ssh_string(cipher)
        + _ssh_string(kdf)
        + _ssh_string(kdf_options)
        + struct.pack(">I", 1)
        + _ssh_string(public)
        + _ssh_string(rng.randbytes(160))
    )
    return _armour("OPENSSH " + _PK, body, width=70)


def _der_sequence(rng: random.Random, n: int) -> bytes:
    """A DER SEQUENCE header with ``n`` random content bytes: the outer shape of a key, nothing inside."""
    return b"\x30\x82" + n.to_bytes(2, "big") + rng.randbytes(n)


def pem_private_key(rng: random.Random, *, label: str = "RSA", encrypted: bool = False) -> str:
    headers = "Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC," + rng.randbytes(16).hex().upper() + "\n"
    return _armour(f"{label} {_PK}".strip(), _der_sequence(rng, 600), headers=headers if encrypted else "")


def pkcs8_encrypted_key(rng: random.Random) -> str:
    return _armour("ENCRYPTED " + _PK, _der_sequence(rng, 600))


def _jwt(rng: random.Random) -> str:
    def enc(obj: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    header = enc({"alg": "HS256", "typ": "JWT"})
    payload = enc({"sub": _pick(rng, _B62, 12), "iat": rng.randrange(1_600_000_000, 1_800_000_000)})
    return f"{header}.{payload}.{_pick(rng, _B64URL, 43)}"


_FACTORIES: dict[str, Callable[[random.Random], str]] = {
    "npm-token": lambda r: "npm" + "_" + _pick(r, _B62, 36),
    "github-pat": lambda r: "ghp" + "_" + _pick(r, _B62, 36),
    "crates-io-token": lambda r: "cio" + _pick(r, _B62, 32),
    "rubygems-api-key": lambda r: "rubygems" + "_" + _pick(r, "0123456789abcdef", 48),
    "github-fine-grained-pat": lambda r: "github" + "_pat_" + _pick(r, _B62, 22) + "_" + _pick(r, _B62, 59),
    "github-oauth-token": lambda r: "gho" + "_" + _pick(r, _B62, 36),
    "github-app-token": lambda r: "ghs" + "_" + _pick(r, _B62, 36),
    "github-refresh-token": lambda r: "ghr" + "_" + _pick(r, _B62, 76),
    "gitlab-token": lambda r: "glpat" + "-" + _pick(r, _B62, 20),
    "pypi-token": lambda r: "pypi" + "-AgEI" + _pick(r, _B64URL, 150),
    "aws-access-key-id": lambda r: "AKIA" + _pick(r, _B32, 16),
    "aws-session-key-id": lambda r: "ASIA" + _pick(r, _B32, 16),
    "aws-secret-access-key": lambda r: _pick(r, _B64, 40),
    "gcp-api-key": lambda r: "AIza" + _pick(r, _B64URL, 35),
    "gcp-refresh-token": lambda r: "1//0" + _pick(r, _B64URL, 100),
    "gcp-access-token": lambda r: "ya29" + "." + _pick(r, _B64URL, 120),
    "azure-storage-account-key": lambda r: _pick(r, _B64, 86) + "==",
    "azure-client-secret": lambda r: _pick(r, _B62, 3) + str(r.randrange(10)) + "Q~" + _pick(r, _AZ_SECRET, 34),
    "anthropic-api-key": lambda r: "sk-ant" + "-api03-" + _pick(r, _B64URL, 93) + "AA",
    "anthropic-oauth-token": lambda r: "sk-ant" + "-oat01-" + _pick(r, _B64URL, 95) + "AA",
    "openai-api-key": lambda r: "sk-proj" + "-" + _pick(r, _B64URL, 156),
    "slack-token": lambda r: "xoxb" + "-" + _pick(r, string.digits, 12) + "-" + _pick(r, string.digits, 13) + "-" + _pick(r, _B62, 24),
    "slack-webhook": lambda r: "https://hooks.slack.com/services/T"
    + _pick(r, _B32, 10)
    + "/B"
    + _pick(r, _B32, 10)
    + "/"
    + _pick(r, _B62, 24),
    "stripe-secret-key": lambda r: "sk" + "_live_" + _pick(r, _B62, 99),
    "huggingface-token": lambda r: "hf" + "_" + _pick(r, string.ascii_letters, 34),
    "docker-hub-token": lambda r: "dckr" + "_pat_" + _pick(r, _B64URL, 27),
    "vault-token": lambda r: "hvs" + "." + _pick(r, _B64URL, 90),
    "jwt": _jwt,
    "ssh-private-key": lambda r: openssh_private_key(r, encrypted=False),
    "encrypted-private-key": lambda r: openssh_private_key(r, encrypted=True),
    "private-key": lambda r: pem_private_key(r),
    "generic-secret": lambda r: _pick(r, string.ascii_letters, 8) + _pick(r, string.digits, 4) + _pick(r, _B62, 12),
}

#: Every kind :func:`fake_token` can make (contextual kinds such as
#: ``url-credentials`` are built by callers around a generic value).
FAKE_KINDS: tuple[str, ...] = tuple(_FACTORIES)


def fake_token(kind: str, seed: int = 0) -> str:
    """A format-valid fake secret of ``kind``; the same (kind, seed) gives the same value."""
    rng = random.Random(f"{kind}:{seed}")
    value = _FACTORIES[kind](rng)
    return value
