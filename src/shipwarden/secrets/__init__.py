"""Secret detection shared by every command: token formats as data, entropy, redaction.

Public API (stable)::

    scan_text(text, *, path="") -> list[SecretMatch]
    classify_token(value) -> TokenKind | None
    redact(value) -> str           # "npm_Ab…[fp:1a2b3c4d5e6f]"
    fingerprint(value) -> str      # 12 hex characters
    shannon_entropy(s) -> float
    token_kinds() -> dict[str, TokenKind]

No function here logs, prints or stores a secret value; a :class:`SecretMatch`
carries only the redacted form and the fingerprint.
"""

from __future__ import annotations

from shipwarden.secrets.entropy import shannon_entropy
from shipwarden.secrets.redaction import fingerprint, redact
from shipwarden.secrets.rules import TokenKind, load_rules, token_kinds
from shipwarden.secrets.scanner import SecretMatch, classify_token, scan_text

__all__ = [
    "SecretMatch",
    "TokenKind",
    "classify_token",
    "fingerprint",
    "load_rules",
    "redact",
    "scan_text",
    "shannon_entropy",
    "token_kinds",
]
