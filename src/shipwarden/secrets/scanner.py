"""Find secrets in text with the data-driven rule set. Bounded work per input."""

from __future__ import annotations

import base64
import binascii
import fnmatch
import posixpath
import re
from dataclasses import dataclass

from shipwarden.core import safeio
from shipwarden.core.findings import Confidence
from shipwarden.secrets.context import REACH, doc_context
from shipwarden.secrets.entropy import shannon_entropy
from shipwarden.secrets.redaction import fingerprint, redact
from shipwarden.secrets.rules import RuleSet, TokenKind, TokenPattern, load_rules


@dataclass(frozen=True, slots=True)
class SecretMatch:
    """One secret found in a text. Holds no part of the value beyond ``redacted``."""

    kind: str
    description: str
    line: int
    column: int
    #: Exclusive, on ``end_line``.
    end_column: int
    redacted: str
    fingerprint: str
    entropy: float
    confidence: Confidence
    publish_capable: bool
    #: Last line of the secret (a PEM block spans several lines).
    end_line: int = 0
    #: Documentation material around it ("a documentation comment", "a docstring",
    #: "a Markdown code example"), or "" in code (see :mod:`shipwarden.secrets.context`).
    context: str = ""


@dataclass(frozen=True, slots=True)
class _Hit:
    start: int
    end: int
    value: str
    pattern: TokenPattern


def _bounded(text: str, rules: RuleSet) -> str:
    text = text[: rules.limits.max_text_chars]
    cap = rules.limits.max_line_chars
    if len(text) > cap:
        lines = text.split("\n")
        if max(map(len, lines)) > cap:
            text = "\n".join(line[:cap] for line in lines)
    return text


def _skip_low_confidence(path: str, rules: RuleSet) -> bool:
    if not path:
        return False
    name = posixpath.basename(path.replace("\\", "/"))
    return any(fnmatch.fnmatchcase(name, glob) for glob in rules.placeholders.low_confidence_skip)


_PEM_ARMOUR = re.compile(r"-----(?:BEGIN|END)[ ]([A-Z0-9 ]+)-----")
_PEM_HEADER = re.compile(r"^[A-Za-z-]+:[^\n]*$", re.MULTILINE)
_B64_BODY = re.compile(r"([A-Za-z0-9+/]+={0,2})[.,;]?")
#: The shortest private key body in base64 (an Ed25519 PKCS#8 key is 64 characters).
_MIN_KEY_B64 = 60
_ELISION = ("...", "…", "<", ">", "xxxx", "XXXX")


def _der_truncated(der: bytes) -> bool:
    """True when ``der`` is not a whole DER SEQUENCE (the length it declares is not there)."""
    if len(der) < 2 or der[0] != 0x30:
        return True
    first = der[1]
    if first < 0x80:
        need, head = first, 2
    else:
        n = first & 0x7F
        if n == 0 or n > 4 or len(der) < 2 + n:
            return True
        need, head = int.from_bytes(der[2 : 2 + n], "big"), 2 + n
    return head + need > len(der)


def _plausible_pem_key(value: str) -> bool:
    """A private key block with a real body, not a documentation stand-in.

    Rejects elided bodies (``...``, ``<your key>``), bodies too short to hold
    any key, and base64 bodies whose DER structure is cut short (an example
    that shows the first line of a key). Bodies that are not plain base64
    (a key spliced into source code with quotes and ``+``) are accepted.
    """
    armour = _PEM_ARMOUR.search(value)
    label = armour.group(1) if armour else ""
    body = _PEM_ARMOUR.sub("", value)
    # literal line escapes, once or twice escaped (a key in a JSON string inside a doc comment)
    body = _PEM_HEADER.sub("", re.sub(r"\\+[nr]", "\n", body))
    clean = re.sub(r"\s+", "", body)
    if any(marker in clean for marker in _ELISION):
        return False
    if sum(c.isalnum() or c in "+/" for c in clean) < _MIN_KEY_B64:
        return False
    whole = _B64_BODY.fullmatch(clean)
    if whole is None or "OPENSSH" in label or "BLOCK" in label or "Proc-Type:" in value:
        return True  # not DER: an OpenSSH or PGP container, or a legacy-encrypted body
    b64 = whole.group(1)
    try:
        der = base64.b64decode(b64 + "=" * (-len(b64) % 4))
    except (binascii.Error, ValueError):
        return True
    return not _der_truncated(der)


def _plausible_jwt(value: str) -> bool:
    """A JWT whose payload is not an example (``"sub": "1234567890"``, ``EXAMPLE…``)."""
    parts = value.split(".")
    if len(parts) != 3:
        return True
    try:
        payload = base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)).decode("utf-8")
        claims = safeio.load_json(payload, "JWT payload")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return True
    if not isinstance(claims, dict):
        return True
    text = " ".join(str(v) for v in claims.values()).lower()
    examples = ("example", "1234567890", "john doe", "jane doe", "placeholder", "dummy")
    return not any(e in text for e in examples)


_REFERENCE = re.compile(r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+(?:\(\)?)?")
_WORD_SEGMENT = re.compile(r"[A-Za-z]{1,16}[0-9]{0,2}|[0-9]{1,4}")


def _reference(value: str) -> bool:
    """``exports2.SourceMap``, ``os.environ.API_TOKEN``: a name, not a value."""
    return _REFERENCE.fullmatch(value) is not None


def _wordy(value: str) -> bool:
    """``X-Auth-Token``, ``github_token_v2``: words joined by ``-``, ``_`` or ``.``."""
    parts = re.split(r"[-_.]", value)
    return len(parts) >= 2 and all(_WORD_SEGMENT.fullmatch(p) for p in parts if p)


def _acceptable(value: str, pat: TokenPattern, rules: RuleSet, whole: str = "") -> bool:
    if rules.placeholders.is_placeholder(value, check_substrings=pat.placeholder_check):
        return False
    if pat.require_digit and not (
        any(c.isdigit() for c in value) and any(c.isalpha() for c in value)
    ):
        return False
    if shannon_entropy(value) < pat.min_entropy:
        return False
    if "reference" in pat.reject and _reference(value):
        return False
    if "wordy" in pat.reject and _wordy(value):
        return False
    if pat.public_hosts is not None and whole and pat.public_hosts.search(whole):
        return False
    if pat.validate == "pem" and not _plausible_pem_key(value):
        return False
    if pat.validate == "jwt" and not _plausible_jwt(value):
        return False
    return not (rules.placeholders.known_public and fingerprint(value) in rules.placeholders.known_public)


def _overlaps(start: int, end: int, taken: list[tuple[int, int]]) -> bool:
    return any(start < t_end and t_start < end for t_start, t_end in taken)


def _windows(ends: list[int], before: int, after: int, size: int) -> list[tuple[int, int]]:
    """Merged ``[end - before, end + after)`` ranges around sorted hit ends."""
    out: list[tuple[int, int]] = []
    for end in ends:
        lo, hi = max(0, end - before), min(size, end + after)
        if out and lo <= out[-1][1]:
            if hi > out[-1][1]:
                out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return out


def _scan(text: str, path: str, rules: RuleSet, *, low_confidence: bool = True) -> list[_Hit]:
    """One prefilter pass, then each pattern only around its own keyword hits."""
    skip_low = not low_confidence or _skip_low_confidence(path, rules)
    limit = rules.limits.max_matches
    hits: list[_Hit] = []
    taken: list[tuple[int, int]] = []
    size = len(text)
    needles = rules.prefilter.scan(text)
    for index, pat in enumerate(rules.patterns):
        if len(hits) >= limit:
            break
        if skip_low and pat.confidence is Confidence.LOW:
            continue
        if pat.keywords or pat.prefilter:
            if not needles[index]:
                continue
            ranges = _windows(needles[index], pat.reach_before, pat.reach_after, size)
        else:
            ranges = [(0, size)]
        try:
            for lo, hi in ranges:
                for m in pat.pattern.finditer(text, lo, hi, timeout=rules.limits.regex_timeout_seconds):
                    value = m.group(pat.group)
                    if not value:
                        continue
                    if not pat.multiline and "\n" in m.group(0):
                        continue
                    if m.end() == hi < size:
                        # cut by the window: the text may go on (a longer token)
                        continue
                    start, end = m.span(pat.group)
                    if _overlaps(start, end, taken) or not _acceptable(value, pat, rules, m.group(0)):
                        continue
                    hits.append(_Hit(start, end, value, pat))
                    taken.append((start, end))
                    if len(hits) >= limit:
                        break
                if len(hits) >= limit:
                    break
        except TimeoutError:
            continue
    hits.sort(key=lambda h: h.start)
    return hits


def scan_text(
    text: str, *, path: str = "", low_confidence: bool = True, before: str = "", short_lines: bool = False
) -> list[SecretMatch]:
    """Every secret in ``text``, in order of position.

    ``path`` (optional, any form) lets the scanner skip low-confidence patterns
    in lockfiles and checksum lists. Only the first ``max_text_chars`` of the
    text and the first ``max_line_chars`` of each line are examined, and at
    most ``max_matches`` secrets are returned. ``low_confidence=False`` leaves
    out the contextual guesses (generic ``token = …`` assignments). ``before``
    is the text that precedes ``text`` in its file (a streaming reader's
    previous window): only read to tell documentation from code. ``short_lines``: the
    caller knows no line is longer than ``max_line_chars`` (nothing to cut per line).
    """
    rules = load_rules()
    bounded = text[: rules.limits.max_text_chars] if short_lines else _bounded(text, rules)
    hits = _scan(bounded, path, rules, low_confidence=low_confidence)
    surround = before[-REACH:] + bounded if hits and before else bounded
    shift = len(surround) - len(bounded)
    out: list[SecretMatch] = []
    line, line_start, pos = 1, 0, 0
    for hit in hits:
        # advance the line counter incrementally (hits are sorted)
        line += bounded.count("\n", pos, hit.start)
        if line > 1:
            line_start = bounded.rfind("\n", 0, hit.start) + 1
        pos = hit.start
        inner = hit.value.count("\n")
        end_line = line + inner
        end_line_start = bounded.rfind("\n", 0, hit.end) + 1 if inner else line_start
        kind = hit.pattern.kind
        out.append(
            SecretMatch(
                kind=kind.id,
                description=kind.description,
                line=line,
                column=hit.start - line_start + 1,
                end_column=hit.end - end_line_start + 1,
                redacted=redact(hit.value),
                fingerprint=fingerprint(hit.value),
                entropy=round(shannon_entropy(hit.value), 3),
                confidence=hit.pattern.confidence,
                publish_capable=kind.publish_capable,
                end_line=end_line,
                context=doc_context(surround, hit.start + shift, path),
            )
        )
    return out


def find_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of every secret the detector finds in ``text`` (any length,
    low-confidence patterns included, no per-line cut): what the output
    redactor replaces."""
    rules = load_rules()
    spans: list[tuple[int, int]] = []
    step = rules.limits.max_text_chars
    for base in range(0, len(text), step):
        piece = text[base : base + step + 20_000]
        spans += [(base + h.start, base + h.end) for h in _scan(piece, "", rules) if h.start < step]
    return spans


def classify_token(value: str) -> TokenKind | None:
    """The kind of a bare token value, or None when it matches no known format.

    The whole (stripped) value must be the secret: contextual patterns such as
    ``aws_secret_access_key = …`` and generic assignments never classify a
    bare value. Placeholders classify as None.
    """
    rules = load_rules()
    candidate = value.strip()
    if not candidate or len(candidate) > rules.limits.max_line_chars:
        return None
    for hit in _scan(candidate, "", rules):
        if hit.start == 0 and hit.end == len(candidate):
            return hit.pattern.kind
    return None
