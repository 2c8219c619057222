"""The token rule set, loaded from ``data/tokens.toml``."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, cached_property
from typing import Any

import regex

from shipwarden.core.findings import Confidence
from shipwarden.core.tables import load_table
from shipwarden.secrets.prefilter import Prefilter, needles_for


@dataclass(frozen=True, slots=True)
class TokenKind:
    """What a secret is: ``npm-token``, ``github-pat``, ``private-key`` …"""

    id: str
    description: str
    provider: str
    #: Can publish packages, push code or act in a cloud account.
    publish_capable: bool
    confidence: Confidence
    #: A private key (PEM, OpenSSH): test and documentation material carries them.
    private_key: bool = False
    #: A private key that is useless without its passphrase.
    passphrase_protected: bool = False


class LazyPattern:
    """A ``regex`` expression compiled on first use.

    Compiling all the token expressions took more of a short run than scanning
    with them; the scanner runs a pattern only where its keywords occur, so a
    run compiles only the patterns whose keywords its texts contain. Every
    packaged pattern is compiled (and its group checked) by the tests.
    """

    __slots__ = ("_compiled", "group", "source")

    def __init__(self, source: str, group: int = 0) -> None:
        self.source = source
        self.group = group
        self._compiled: regex.Pattern[str] | None = None

    @property
    def compiled(self) -> regex.Pattern[str]:
        compiled = self._compiled
        if compiled is None:
            compiled = regex.compile(self.source, regex.VERSION0)
            if self.group > compiled.groups:
                raise ValueError(f"pattern {self.source!r}: group {self.group} does not exist")
            self._compiled = compiled
        return compiled

    def finditer(self, text: str, pos: int = 0, endpos: int | None = None, *, timeout: float | None = None) -> Any:
        return self.compiled.finditer(text, pos, endpos, timeout=timeout)

    def search(self, text: str) -> regex.Match[str] | None:
        return self.compiled.search(text)

    def __repr__(self) -> str:
        return f"LazyPattern({self.source!r})"


@dataclass(frozen=True, slots=True)
class TokenPattern:
    """One way of finding a kind of secret in text."""

    kind: TokenKind
    pattern: LazyPattern
    group: int
    keywords: tuple[str, ...]
    min_entropy: float
    require_digit: bool
    confidence: Confidence
    multiline: bool
    placeholder_check: bool
    #: Structural check of the value: ``"pem"`` (a whole, decodable key body) or
    #: ``"jwt"`` (a payload that is not a documentation example); "" for none.
    validate: str = ""
    #: Characters before / after the end of a keyword hit that a match can reach.
    reach_before: int = 64
    reach_after: int = 512
    #: An expression (Hyperscan and ``re`` syntax) that replaces the keywords
    #: as the prefilter, for formats whose keyword is too common (``s.``).
    prefilter: str = ""
    #: Value shapes that are not secrets (``reference``: ``exports2.SourceMap``;
    #: ``wordy``: ``X-Auth-Token``, ``github_token_v2``).
    reject: tuple[str, ...] = ()
    #: Hosts (``url-credentials``) whose embedded credentials are public by design.
    public_hosts: LazyPattern | None = None


@dataclass(frozen=True, slots=True)
class Limits:
    max_text_chars: int
    max_line_chars: int
    max_matches: int
    regex_timeout_seconds: float
    #: A line at least this long marks minified code (bundles), where
    #: low-confidence generic guesses are hidden unless asked for.
    minified_line_chars: int = 1000


@dataclass(frozen=True, slots=True)
class Placeholders:
    substrings: tuple[str, ...]
    min_distinct_chars: int
    low_confidence_skip: tuple[str, ...]
    #: Fingerprints (``redaction.fingerprint``) of values that are published on
    #: purpose, such as a storage emulator's fixed development key.
    known_public: frozenset[str] = frozenset()

    def is_placeholder(self, value: str, *, check_substrings: bool = True) -> bool:
        if len(set(value)) < self.min_distinct_chars:
            return True
        if not check_substrings:
            return False
        low = value.lower()
        return any(marker in low for marker in self.substrings)


@dataclass(frozen=True)
class RuleSet:
    kinds: dict[str, TokenKind]
    patterns: tuple[TokenPattern, ...]
    limits: Limits
    placeholders: Placeholders

    @cached_property
    def prefilter(self) -> Prefilter:
        """The one-pass keyword engine for :attr:`patterns`."""
        needles = needles_for([p.keywords for p in self.patterns], [p.prefilter for p in self.patterns])
        return Prefilter(needles, len(self.patterns))


def _kind(kind_id: str, raw: dict[str, Any]) -> TokenKind:
    private_key = bool(raw.get("private_key", False))
    protected = bool(raw.get("passphrase_protected", False))
    if protected and not private_key:
        raise ValueError(f"kind {kind_id}: passphrase_protected needs private_key = true")
    return TokenKind(
        id=kind_id,
        description=str(raw["description"]),
        provider=str(raw["provider"]),
        publish_capable=bool(raw["publish_capable"]),
        confidence=Confidence(raw["confidence"]),
        private_key=private_key,
        passphrase_protected=protected,
    )


def _pattern(raw: dict[str, Any], kinds: dict[str, TokenKind]) -> TokenPattern:
    kind = kinds[raw["kind"]]
    group = int(raw.get("group", 0))
    return TokenPattern(
        kind=kind,
        pattern=LazyPattern(str(raw["regex"]), group),
        group=group,
        keywords=tuple(k.lower() for k in raw.get("keywords", ())),
        min_entropy=float(raw.get("min_entropy", 0.0)),
        require_digit=bool(raw.get("require_digit", False)),
        confidence=Confidence(raw["confidence"]) if "confidence" in raw else kind.confidence,
        multiline=bool(raw.get("multiline", False)),
        placeholder_check=bool(raw.get("placeholder_check", True)),
        validate=_validator(kind.id, raw.get("validate", "")),
        reach_before=int(raw.get("reach", (64, 512))[0]),
        reach_after=int(raw.get("reach", (64, 512))[1]),
        prefilter=str(raw.get("prefilter", "")),
        reject=_rejects(kind.id, raw.get("reject", ())),
        public_hosts=LazyPattern(str(raw["public_hosts"])) if raw.get("public_hosts") else None,
    )


_REJECTS = ("reference", "wordy")


def _rejects(kind_id: str, names: object) -> tuple[str, ...]:
    if not isinstance(names, list | tuple) or any(n not in _REJECTS for n in names):
        raise ValueError(f"pattern for {kind_id}: reject must list some of {_REJECTS}")
    return tuple(str(n) for n in names)


_VALIDATORS = ("", "pem", "jwt")


def _validator(kind_id: str, name: object) -> str:
    if name not in _VALIDATORS:
        raise ValueError(f"pattern for {kind_id}: unknown validate {name!r} (one of {_VALIDATORS[1:]})")
    return str(name)


def parse_rules(data: dict[str, Any]) -> RuleSet:
    kinds = {kind_id: _kind(kind_id, raw) for kind_id, raw in data["kinds"].items()}
    patterns = tuple(_pattern(raw, kinds) for raw in data["patterns"])
    lim = data["limits"]
    ph = data["placeholders"]
    return RuleSet(
        kinds=kinds,
        patterns=patterns,
        limits=Limits(
            max_text_chars=int(lim["max_text_chars"]),
            max_line_chars=int(lim["max_line_chars"]),
            max_matches=int(lim["max_matches"]),
            regex_timeout_seconds=float(lim["regex_timeout_seconds"]),
            minified_line_chars=int(lim.get("minified_line_chars", 1000)),
        ),
        placeholders=Placeholders(
            substrings=tuple(s.lower() for s in ph["substrings"]),
            min_distinct_chars=int(ph["min_distinct_chars"]),
            low_confidence_skip=tuple(ph.get("low_confidence_skip", ())),
            known_public=frozenset(str(f).lower() for f in ph.get("known_public", ())),
        ),
    )


@cache
def load_rules() -> RuleSet:
    """The packaged rule set (parsed and compiled once)."""
    return parse_rules(load_table("shipwarden.secrets", "tokens.toml"))


def token_kinds() -> dict[str, TokenKind]:
    """Every known kind of secret by id."""
    return load_rules().kinds
