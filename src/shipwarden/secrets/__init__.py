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

from typing import TYPE_CHECKING, Any

from shipwarden.core.exports import lazy_attribute

if TYPE_CHECKING:  # pragma: no cover
    from shipwarden.secrets.entropy import shannon_entropy
    from shipwarden.secrets.redaction import fingerprint, redact
    from shipwarden.secrets.rules import TokenKind, load_rules, token_kinds
    from shipwarden.secrets.scanner import SecretMatch, classify_token, scan_text

#: Where each public name lives. Imported on first use: the redactor
#: (``shipwarden.secrets.redactor``, on every output) must not pay for the
#: token rules and the ``regex`` module until a text can hold a secret.
_HOME = {
    "SecretMatch": "scanner",
    "TokenKind": "rules",
    "classify_token": "scanner",
    "fingerprint": "redaction",
    "load_rules": "rules",
    "redact": "redaction",
    "scan_text": "scanner",
    "shannon_entropy": "entropy",
    "token_kinds": "rules",
}


def __getattr__(name: str) -> Any:
    return lazy_attribute(__name__, _HOME, globals(), name)


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
