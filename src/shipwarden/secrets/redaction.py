"""Redaction and fingerprints: the only forms in which a secret ever leaves the scanner."""

from __future__ import annotations

from shipwarden.core.digest import sha256

#: Domain separation so fingerprints are shipwarden's own, not a bare sha256.
_FINGERPRINT_SALT = b"shipwarden-secret-fingerprint-v1\x00"
FINGERPRINT_CHARS = 12

#: Values shorter than this show no prefix at all.
_MIN_LEN_FOR_PREFIX = 16
#: Values at least this long show 6 characters, shorter ones 4.
_MIN_LEN_FOR_LONG_PREFIX = 32


def fingerprint(value: str) -> str:
    """12 hex characters of a salted sha256: matches two sightings of one secret."""
    digest = sha256(_FINGERPRINT_SALT + value.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:FINGERPRINT_CHARS]


def redact(value: str) -> str:
    """A printable stand-in for ``value``: a short prefix, an ellipsis and the fingerprint.

    ``npm_Ab…[fp:1a2b3c4d5e6f]``. Never more than 6 characters of the value
    are shown, and none for values under 16 characters.
    """
    if len(value) >= _MIN_LEN_FOR_LONG_PREFIX:
        prefix = value[:6]
    elif len(value) >= _MIN_LEN_FOR_PREFIX:
        prefix = value[:4]
    else:
        prefix = ""
    # A prefix keeps only plain name characters (never a quote, backslash or
    # control character), so a redacted value is safe inside JSON, TOML and a
    # terminal.
    for i, ch in enumerate(prefix):
        if not (ch.isascii() and (ch.isalnum() or ch in "_-.")):
            prefix = prefix[:i]
            break
    return f"{prefix}…[fp:{fingerprint(value)}]"
