"""What the sweep sees in a store: credentials (:class:`Sighting`), never their values.

The :class:`Evaluator` turns parsed values and raw text into sightings with
the catalogue's name rules and the token formats of :mod:`shipwarden.secrets`;
the rule modules in :mod:`shipwarden.endpoint.rules` judge them.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from shipwarden.core.findings import Confidence
from shipwarden.endpoint.parsers import Leaf, locate
from shipwarden.knowledge.credential_stores import Catalogue, KeySpec, StoreEntry
from shipwarden.secrets import SecretMatch, fingerprint, load_rules, redact, scan_text, shannon_entropy, token_kinds
from shipwarden.secrets.redactor import redact_clip

#: A value that only refers to a secret kept elsewhere: ``${NPM_TOKEN}``, ``$X``, ``%X%``, ``env:X``.
_REFERENCE = re.compile(r"^(?:\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*|%[A-Za-z_][A-Za-z0-9_]*%|\$\{\{.*\}\}|\{\{.*\}\}|env:\S+|op://\S+)$")
AUTH_SCHEME = re.compile(r"^(?:bearer|token|basic)\s+", re.I)
#: Unrecognised values under a secret-looking name must be at least this strong.
_NAMED_MIN_LEN = 8
_NAMED_MIN_ENTROPY = 3.0
#: Declared credential slots accept shorter, weaker values (a password is a password).
_DECLARED_MIN_LEN = 4
_HIGH_ENTROPY = 3.5
_HIGH_ENTROPY_LEN = 16
_MAX_LABEL = 160
#: A command-line flag whose next list item is its value: ``"args": ["--api-key", "…"]``.
_FLAG = re.compile(r"^--?([A-Za-z][A-Za-z0-9_.-]*)$")
_LIST_ITEM = re.compile(r"^((?:.*\.)?)(\d+)$")
#: Token providers that describe a shape of text, not a format: their matches are
#: graded by entropy ("high-entropy"/"low-entropy"), not called "format-valid".
_CONTEXT_FREE = frozenset({"generic", "url", "http"})


@dataclass(frozen=True, slots=True)
class Sighting:
    """One credential seen in one place. Never holds the value."""

    kind: str
    description: str
    key_path: str
    line: int
    column: int
    end_line: int
    end_column: int
    redacted: str
    fingerprint: str
    entropy: float
    live: str  # "format-valid" | "high-entropy" | "low-entropy"
    confidence: Confidence
    publish_capable: bool


@dataclass(slots=True)
class Stats:
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n


# -- helpers ----------------------------------------------------------------------------


def safe_label(text: str) -> str:
    """A key path or name fit for output: one line, secrets redacted, length capped."""
    return redact_clip(text.replace("\n", " "), _MAX_LABEL)


def passphrase_protected(m: SecretMatch) -> bool:
    """A key useless without its passphrase (``passphrase_protected`` in the token table):
    no credential by itself, but its fingerprint marks the file as holding one."""
    return token_kinds()[m.kind].passphrase_protected


def _live(m: SecretMatch) -> str:
    if token_kinds()[m.kind].provider not in _CONTEXT_FREE:
        return "format-valid"
    return "high-entropy" if m.entropy >= _HIGH_ENTROPY else "low-entropy"


def from_match(m: SecretMatch, leaf: Leaf | None, key_path: str, *, verbatim: bool) -> Sighting:
    line, column, end_line, end_column = m.line, m.column, m.end_line, m.end_column
    if leaf is not None:
        if leaf.line and verbatim:
            if m.line == 1:
                column, end_column = leaf.column + m.column - 1, leaf.column + m.end_column - 1
            line, end_line = leaf.line + m.line - 1, leaf.line + m.end_line - 1
        else:
            line, end_line, column, end_column = leaf.line, leaf.line, leaf.column, 0
    return Sighting(
        kind=m.kind,
        description=m.description,
        key_path=key_path,
        line=line,
        column=column,
        end_line=end_line,
        end_column=end_column,
        redacted=m.redacted,
        fingerprint=m.fingerprint,
        entropy=m.entropy,
        live=_live(m),
        confidence=m.confidence,
        publish_capable=m.publish_capable,
    )


def strong_named_value(secret: str) -> bool:
    """Whether a value of no known format, under a secret-looking name, is worth reporting.

    Paths and URLs are where a secret lives (``GOOGLE_APPLICATION_CREDENTIALS=/…/key.json``),
    not the secret; text with spaces is prose or a command line.
    """
    return (
        len(secret) >= _NAMED_MIN_LEN
        and shannon_entropy(secret) >= _NAMED_MIN_ENTROPY
        and not any(c.isspace() for c in secret)
        and not secret.startswith(("/", "~/", "./", "../", "http://", "https://", "file://"))
    )


def unrecognised(secret: str, leaf: Leaf, description: str) -> Sighting:
    entropy = round(shannon_entropy(secret), 3)
    strong = entropy >= _HIGH_ENTROPY and len(secret) >= _HIGH_ENTROPY_LEN
    single = "\n" not in secret and leaf.column
    return Sighting(
        kind="unrecognised",
        description=description,
        key_path=leaf.key_path,
        line=leaf.line,
        column=leaf.column,
        end_line=leaf.line,
        end_column=leaf.column + len(secret) if single else 0,
        redacted=redact(secret),
        fingerprint=fingerprint(secret),
        entropy=entropy,
        live="high-entropy" if strong else "low-entropy",
        confidence=Confidence.MEDIUM if strong else Confidence.LOW,
        publish_capable=False,
    )


def _decode(value: str, spec: KeySpec | None) -> tuple[str, bool]:
    """The value to inspect and whether it is verbatim in the file."""
    if spec is None or spec.decode != "base64":
        return value, True
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return value, True
    return raw.decode("utf-8", errors="replace"), False


class Evaluator:
    """Turns parsed leaves and texts into sightings, with the catalogue's name rules."""

    def __init__(self, catalogue: Catalogue, stats: Stats) -> None:
        self.catalogue = catalogue
        self.stats = stats
        self.placeholders = load_rules().placeholders

    def skip_value(self, secret: str) -> bool:
        if _REFERENCE.match(secret) or self.placeholders.is_placeholder(secret):
            self.stats.add("placeholders_skipped")
            return True
        return False

    def leaf(
        self,
        store: StoreEntry,
        leaf: Leaf,
        *,
        protected: list[str],
        text: str | None = None,
        name: str | None = None,
    ) -> list[Sighting]:
        """Sightings in one parsed value. ``text`` (the file) locates values parsed without positions;
        ``name`` replaces the key name (a command-line flag before the value in an ``args`` list)."""
        value = leaf.value.strip()
        if not value or store.ignored(leaf.key_path):
            return []
        spec = store.key_spec(leaf.key_path)
        if name is None:
            name = leaf.key_path.rsplit(".", 1)[-1]
        named = self.catalogue.secret_keys.is_secret(name)
        declared = spec is not None and not spec.only_secret_names
        inspected, verbatim = _decode(value, spec)
        matches = self._matches(name if (named or spec) else "", inspected)
        if text is not None and leaf.line == 0 and (matches or declared or named):
            line, column = locate(text, leaf.value, name)
            leaf = dataclasses.replace(leaf, line=line, column=column)
        found: list[Sighting] = []
        for m in matches:
            if passphrase_protected(m):
                protected.append(m.fingerprint)
                continue
            found.append(from_match(m, leaf, leaf.key_path, verbatim=verbatim))
        if found or protected or not (declared or named):
            return found
        secret = AUTH_SCHEME.sub("", inspected)
        if spec is not None and spec.decode == "base64" and ":" in secret:
            secret = secret.split(":", 1)[1]  # user:password
        secret = secret.strip()
        if self.skip_value(secret):
            return []
        if declared:
            if len(secret) < _DECLARED_MIN_LEN:
                return []
        elif not strong_named_value(secret):
            return []
        return [unrecognised(secret, leaf, f"{store.credential} (format not recognised)")]

    @staticmethod
    def _matches(name: str, value: str) -> list[SecretMatch]:
        """Token formats in the value; contextual ones (``aws_secret_access_key = …``)
        are tried with the key name in front when the bare value matches nothing."""
        matches = scan_text(value)
        if matches or not name or "\n" in value:
            return matches
        shift = len(name) + 1
        return [
            dataclasses.replace(m, column=m.column - shift, end_column=m.end_column - shift)
            for m in scan_text(f"{name}={value}")
            if m.column > shift and token_kinds()[m.kind].provider not in _CONTEXT_FREE
        ]

    def outside_values(
        self, store: StoreEntry, text: str, path: str, leaves: list[Leaf], found: list[Sighting]
    ) -> list[Sighting]:
        """Well-formed tokens in a parsed file that no parsed value holds.

        A worm reads the whole file, not just its values: a token in a comment
        (``; //host/:_authToken=npm_…``), a section name (git's
        ``[url "https://user:ghp_…@host/"]``) or a key is as exposed as one in
        a value. Only formats that identify a token by themselves count here
        (not generic ``name = value`` guesses, URLs or headers), and private
        keys are left to the parsed values (JSON escapes their line breaks).
        """
        known = {s.fingerprint for s in found}
        for leaf in leaves:
            if store.ignored(leaf.key_path):
                known.add(fingerprint(leaf.value.strip()))
                known.update(m.fingerprint for m in scan_text(leaf.value))
        extra: list[Sighting] = []
        kinds = token_kinds()
        for m in scan_text(text, path=path):
            kind = kinds[m.kind]
            if m.fingerprint in known or kind.private_key or kind.provider in _CONTEXT_FREE:
                continue
            known.add(m.fingerprint)
            extra.append(from_match(m, None, "", verbatim=True))
        return extra

    def text(self, text: str, path: str, *, line_offset: int = 0, protected: list[str]) -> list[Sighting]:
        found = []
        for m in scan_text(text, path=path):
            if passphrase_protected(m):
                protected.append(m.fingerprint)
                continue
            s = from_match(m, None, "", verbatim=True)
            if line_offset:
                s = dataclasses.replace(s, line=s.line + line_offset, end_line=s.end_line + line_offset)
            found.append(s)
        return found



def with_flag_names(leaves: list[Leaf]) -> Iterator[tuple[Leaf, str | None]]:
    """Each leaf with the flag that names it, when it follows ``--flag`` in the same list.

    MCP servers and CLI wrappers take secrets as arguments
    (``"args": ["-y", "@upstash/context7-mcp", "--api-key", "…"]``): the value
    is then judged under the flag's name, as if it were ``api-key = …``.
    """
    prev: Leaf | None = None
    for leaf in leaves:
        name = None
        if prev is not None:
            flag = _FLAG.match(prev.value.strip())
            here, there = _LIST_ITEM.match(leaf.key_path), _LIST_ITEM.match(prev.key_path)
            if flag and here and there and here.group(1) == there.group(1) and int(here.group(2)) == int(there.group(2)) + 1:
                name = flag.group(1)
        yield leaf, name
        prev = leaf
