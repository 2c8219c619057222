"""The cheap first test of the redactor: can this text hold anything it replaces?

The redactor has two sources of spans (:mod:`shipwarden.secrets.redactor`), and
each of them runs only where a needle occurs:

* a detector pattern (``data/tokens.toml``) runs only around a hit of its
  keywords or of its prefilter expression (:mod:`shipwarden.secrets.prefilter`),
  and every pattern has one or the other;
* a redaction shape (``data/redact.toml``) names keywords (every match contains
  one) or a prefilter expression (every match contains a match of it).

So a text in which no needle of either table occurs has nothing to redact.
:func:`needs_redaction` tells that with two searches of the standard ``re``
module, without importing the ``regex`` module or compiling a single detector
pattern: most strings of a report (rule ids, paths, messages) stop here.

Keywords are compared in :func:`folded` text: lower case, with the three
non-ASCII characters that a case-insensitive ``regex`` match takes for an ASCII
letter (dotted capital I, long s, Kelvin sign) written as that letter first,
so a fold never hides a keyword the full path would find. Prefilter
expressions are searched in the text as it is, as the detector searches them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from shipwarden.core.tables import load_table

#: Non-ASCII characters that ``regex`` (``IGNORECASE``, simple case folding) matches
#: with an ASCII letter (a test checks the list against every code point).
FOLD_TO_ASCII = {"\u0130": "i", "\u017f": "s", "\u212a": "k"}
_FOLD = str.maketrans(FOLD_TO_ASCII)


def folded(text: str) -> str:
    """``text`` in lower case, the characters of :data:`FOLD_TO_ASCII` as their ASCII letter."""
    return text.lower() if text.isascii() else text.translate(_FOLD).lower()


@dataclass(frozen=True, slots=True)
class Hits:
    """The needles of both tables that one text holds (see :func:`hits_in`)."""

    text: str
    keywords: frozenset[str]
    expressions: frozenset[str]


@dataclass(frozen=True, slots=True)
class Needles:
    """What one shape or detector pattern needs: a keyword or an expression hit and,
    when it names any, one of its ``requires`` literals anywhere in the text."""

    keywords: frozenset[str]
    expressions: frozenset[str]
    #: literals (case-sensitive) of which every match holds one, such as the
    #: ``:`` or ``=`` of an assignment
    requires: tuple[str, ...] = ()

    def found(self, hits: Hits) -> bool:
        """Does the text of ``hits`` hold what a match needs?"""
        if self.requires and not any(r in hits.text for r in self.requires):
            return False
        if not self.keywords and not self.expressions:
            return True
        return not hits.keywords.isdisjoint(self.keywords) or not hits.expressions.isdisjoint(self.expressions)


@dataclass(frozen=True, slots=True)
class AnyOf:
    """Several :class:`Needles` (the detector's patterns): found when one of them is."""

    parts: tuple[Needles, ...]

    def found(self, hits: Hits) -> bool:
        return any(n.found(hits) for n in self.parts)


@cache
def _compiled(expression: str) -> re.Pattern[str]:
    return re.compile(expression)


def _strings(raw: dict[str, object], key: str, what: str) -> tuple[str, ...]:
    value = raw.get(key, ())
    if not isinstance(value, list | tuple) or not all(isinstance(k, str) and k for k in value):
        raise ValueError(f"{what}: {key} must be a list of non-empty strings")
    return tuple(value)


def _needles(raw: dict[str, object], what: str) -> Needles:
    prefilter = raw.get("prefilter", "")
    if not isinstance(prefilter, str):
        raise ValueError(f"{what}: prefilter must be a string")
    requires = _strings(raw, "requires", what)
    if prefilter:  # found through the prefilter alone, as the detector does
        return Needles(frozenset(), frozenset([prefilter]), requires)
    return Needles(frozenset(k.lower() for k in _strings(raw, "keywords", what)), frozenset(), requires)


@cache
def shape_needles() -> dict[str, Needles]:
    """The needles of each shape of ``data/redact.toml``, by shape id."""
    return {
        str(raw["id"]): _needles(raw, f"redact shape {raw['id']}")
        for raw in load_table("shipwarden.secrets", "redact.toml")["shapes"]
    }


@cache
def detector_needles() -> AnyOf:
    """The needles of every pattern of the detector (``data/tokens.toml``): a pattern
    runs only around a hit of its prefilter or, without one, of its keywords."""
    parts: list[Needles] = []
    for raw in load_table("shipwarden.secrets", "tokens.toml")["patterns"]:
        needles = _needles(raw, f"token pattern {raw.get('kind')}")
        if not needles.keywords and not needles.expressions:
            raise ValueError(f"token pattern {raw.get('kind')}: neither keywords nor prefilter")
        parts.append(needles)
    return AnyOf(tuple(parts))


@dataclass(frozen=True, slots=True)
class _Gate:
    always: bool
    #: every needle of both tables, each as a test of its own
    needles: tuple[Needles, ...]
    keyword_list: tuple[str, ...]
    expression_list: tuple[str, ...]
    #: one search that any keyword hit / any expression hit passes (a quick first test)
    keywords: re.Pattern[str]
    expressions: re.Pattern[str]


def _any_of(words: list[str]) -> str:
    """An expression that finds a text holding any of ``words``, written as a trie
    (``a(?:ccess_key|pi_key)|…``): the standard ``re`` module then tries a few
    branches at each position instead of every word (a third of the time of the
    plain alternation on a report's strings). It matches where the plain
    alternation does, perhaps ending sooner (a word another word starts with
    ends the branch): only whether it matches is used."""
    trie: dict[str, dict[str, Any]] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def branch(node: dict[str, Any]) -> str:
        if "" in node:
            return ""
        alts = [re.escape(ch) + branch(child) for ch, child in sorted(node.items())]
        return alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"

    return branch(trie) if trie else "(?!)"


@cache
def _gate() -> _Gate:
    parts = [*detector_needles().parts, *shape_needles().values()]
    keywords = sorted({k for n in parts for k in n.keywords}, key=lambda k: (-len(k), k))
    expressions = sorted({e for n in parts for e in n.expressions})
    return _Gate(
        always=any(not n.keywords and not n.expressions for n in parts),
        needles=tuple(parts),
        keyword_list=tuple(keywords),
        expression_list=tuple(expressions),
        keywords=re.compile(_any_of(keywords)),
        expressions=re.compile("|".join(f"(?:{e})" for e in expressions) or "(?!)"),
    )


_NONE: frozenset[str] = frozenset()


def hits_in(text: str) -> Hits:
    """Every keyword (in :func:`folded` text) and expression of both tables that ``text`` holds."""
    gate = _gate()
    lowered = folded(text)
    keyword_hit = gate.keywords.search(lowered) is not None
    expression_hit = gate.expressions.search(text) is not None
    return Hits(
        text,
        frozenset(k for k in gate.keyword_list if k in lowered) if keyword_hit else _NONE,
        frozenset(e for e in gate.expression_list if _compiled(e).search(text)) if expression_hit else _NONE,
    )


def needs_redaction(text: str, hits: Hits | None = None) -> bool:
    """False when ``text`` holds what no detector pattern and no shape needs: then
    :func:`shipwarden.secrets.redactor.redact_text` returns it unchanged."""
    gate = _gate()
    if gate.always:
        return True
    hits = hits if hits is not None else hits_in(text)
    if not hits.keywords and not hits.expressions:
        return False
    return any(n.found(hits) for n in gate.needles)
