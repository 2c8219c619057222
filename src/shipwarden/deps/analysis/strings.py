"""What a string in install-time code points at: shared by the JavaScript, Python and shell analysers.

Strings come from the parsers (literals, template fragments, shell words,
path expressions rendered with ``*`` for unknown parts); nothing here scans
raw file text.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from functools import lru_cache

from shipwarden.deps.analysis.indicators import Indicators, load_indicators
from shipwarden.deps.analysis.model import Capability
from shipwarden.deps.text import MAX_SNIPPET
from shipwarden.secrets.redactor import redact_clip

_B64 = re.compile(r"^[A-Za-z0-9+/_-]+={0,2}$")
_PRINTABLE = re.compile(r"[\x09\x0a\x0d\x20-\x7e]")
#: Tokens that make decoded text look like code rather than an image or font.
_CODE_HINT = re.compile(
    r"\b(?:require|import|exec|eval|function|subprocess|child_process|process\.env|os\.environ|curl|wget|fetch|https?://|def |lambda|spawn|socket)\b"
)
_ENV_REF = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")


@dataclass(frozen=True, slots=True)
class Hit:
    capability: Capability
    detail: str
    #: True when the string alone shows intent (a /proc/<pid>/mem path, a webhook
    #: URL); False when it only matters next to an operation (a credential path).
    strong: bool


def _anchor_regex(words: set[str]) -> re.Pattern[str]:
    ordered = sorted((w for w in words if w), key=len, reverse=True)
    return re.compile("|".join(re.escape(w) for w in ordered)) if ordered else re.compile(r"(?!)")


@lru_cache(maxsize=1)
def _anchors() -> tuple[re.Pattern[str], re.Pattern[str]]:
    ind = load_indicators()
    cred: set[str] = set(ind.credential_dirs)
    for entry in ind.credential_globs:
        for part in entry.glob.split("/"):
            literal = re.split(r"[*?\[]", part, maxsplit=1)[0]
            if len(literal) >= 3:
                cred.add(literal)
    persist: set[str] = set(ind.persistence_components)
    for glob in ind.persistence_paths:
        for part in glob.split("/"):
            literal = re.split(r"[*?\[]", part, maxsplit=1)[0]
            if len(literal) >= 3:
                persist.add(literal)
    return _anchor_regex(cred), _anchor_regex(persist)


def credential_path(text: str, ind: Indicators | None = None) -> str | None:
    if len(text) > 512 or not _anchors()[0].search(text):
        return None
    return (ind or load_indicators()).credential_path(text)


def persistence_path(text: str, ind: Indicators | None = None) -> str | None:
    if len(text) > 512 or not _anchors()[1].search(text):
        return None
    return (ind or load_indicators()).persistence_path(text)


@lru_cache(maxsize=65536)
def classify(text: str) -> tuple[Hit, ...]:
    """Capabilities a string shows by itself (cached: minified code repeats strings)."""
    if len(text) < 3:
        return ()
    ind = load_indicators()
    hits: list[Hit] = []
    for pattern in ind.string_hits(text):
        hits.append(Hit(pattern.capability, pattern.detail, True))
    if "." in text:
        host = ind.exfil_host(text)
        if host:
            hits.append(Hit(Capability.EXFIL_HOST, f"sends to {host}", True))
    staged = ind.staging_name(text)
    if staged:
        hits.append(Hit(Capability.STAGING, f"names {staged}, a file credential worms stage their harvest in", False))
    cred = credential_path(text, ind)
    if cred:
        hits.append(Hit(Capability.CREDENTIAL_READ, f"names the credential location {text.strip()[:80]!r} ({cred})", False))
    return tuple(hits)


def env_names(text: str) -> list[str]:
    """Variable names expanded in a shell word (``$NPM_TOKEN``, ``${GITHUB_TOKEN}``)."""
    return _ENV_REF.findall(text)


def is_blob(text: str, ind: Indicators | None = None) -> bool:
    ind = ind or load_indicators()
    return len(text) >= ind.limits.long_base64_chars and " " not in text[:200] and bool(_B64.match(text[:4096]))


def decode_blob(text: str, ind: Indicators | None = None) -> str | None:
    """The text inside a base64 (or hex) blob when it decodes to printable code, else None."""
    ind = ind or load_indicators()
    raw = text.strip()[: ind.limits.max_decoded_chars]
    data: bytes | None = None
    if re.fullmatch(r"(?:[0-9a-fA-F]{2})+", raw) and len(raw) >= 40:
        try:
            data = bytes.fromhex(raw)
        except ValueError:
            data = None
    if data is None:
        padded = raw + "=" * (-len(raw) % 4)
        try:
            data = base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=False)
        except (binascii.Error, ValueError):
            return None
    try:
        decoded = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    sample = decoded[:2000]
    if not sample or len(_PRINTABLE.findall(sample)) < 0.95 * len(sample):
        return None
    return decoded if _CODE_HINT.search(decoded[:20000]) else None


def safe_snippet(text: str) -> str:
    """A one-line snippet of ``text`` with secrets redacted by the one redactor (:mod:`shipwarden.secrets.redactor`).

    The text is cut near the snippet width first (a minified line can be megabytes), then
    redacted (a token cut at the edge is still recognised), then clipped.
    """
    return redact_clip(" ".join(text.lstrip()[: 4 * MAX_SNIPPET].split()), MAX_SNIPPET)
