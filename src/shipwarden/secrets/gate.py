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

from shipwarden.core.tables import load_table

#: Non-ASCII characters that ``regex`` (``IGNORECASE``, simple case folding) matches
#: with an ASCII letter (a test checks the list against every code point).
FOLD_TO_ASCII = {"\u0130": "i", "\u017f": "s", "\u212a": "k"}
_FOLD = str.maketrans(FOLD_TO_ASCII)


def folded(text: str) -> str:
    """``text`` in lower case, the characters of :data:`FOLD_TO_ASCII` as their ASCII letter."""
    return text.lower() if text.isascii() else text.translate(_FOLD).lower()


@dataclass(frozen=True, slots=True)
class Needles:
    """What one shape (or the whole detector) needs: a keyword or an expression hit."""

    keywords: tuple[str, ...]
    expressions: tuple[str, ...]

    @property
    def always(self) -> bool:
        """No needle at all: the shape runs on every text."""
        return not self.keywords and not self.expressions

    def found(self, text: str, lowered: str) -> bool:
        """Does ``text`` (with ``lowered`` = :func:`folded` ``text``) hold one of the needles?"""
        if self.always:
            return True
        return any(k in lowered for k in self.keywords) or any(
            _compiled(e).search(text) is not None for e in self.expressions
        )


@cache
def _compiled(expression: str) -> re.Pattern[str]:
    return re.compile(expression)


def _needles(raw: dict[str, object], what: str) -> Needles:
    keywords = raw.get("keywords", ())
    prefilter = raw.get("prefilter", "")
    if not isinstance(keywords, list | tuple) or not all(isinstance(k, str) and k for k in keywords):
        raise ValueError(f"{what}: keywords must be a list of non-empty strings")
    if not isinstance(prefilter, str):
        raise ValueError(f"{what}: prefilter must be a string")
    return Needles(tuple(k.lower() for k in keywords), (prefilter,) if prefilter else ())


@cache
def shape_needles() -> dict[str, Needles]:
    """The needles of each shape of ``data/redact.toml``, by shape id."""
    return {
        str(raw["id"]): _needles(raw, f"redact shape {raw['id']}")
        for raw in load_table("shipwarden.secrets", "redact.toml")["shapes"]
    }


@cache
def detector_needles() -> Needles:
    """Every needle of the detector (``data/tokens.toml``): a pattern with a prefilter
    is found through it alone, any other through its keywords (as the prefilter does)."""
    keywords: list[str] = []
    expressions: list[str] = []
    for raw in load_table("shipwarden.secrets", "tokens.toml")["patterns"]:
        needles = _needles(raw, f"token pattern {raw.get('kind')}")
        if needles.expressions:
            expressions += needles.expressions
        elif needles.keywords:
            keywords += needles.keywords
        else:
            raise ValueError(f"token pattern {raw.get('kind')}: neither keywords nor prefilter")
    return Needles(tuple(dict.fromkeys(keywords)), tuple(dict.fromkeys(expressions)))


@dataclass(frozen=True, slots=True)
class _Gate:
    always: bool
    keywords: re.Pattern[str]
    expressions: re.Pattern[str]


@cache
def _gate() -> _Gate:
    parts = [detector_needles(), *shape_needles().values()]
    keywords = sorted({k for n in parts for k in n.keywords}, key=lambda k: (-len(k), k))
    expressions = list(dict.fromkeys(e for n in parts for e in n.expressions))
    return _Gate(
        always=any(n.always for n in parts),
        keywords=re.compile("|".join(re.escape(k) for k in keywords) or "(?!)"),
        expressions=re.compile("|".join(f"(?:{e})" for e in expressions) or "(?!)"),
    )


def needs_redaction(text: str) -> bool:
    """False when ``text`` holds no needle of the detector or of any shape: then
    :func:`shipwarden.secrets.redactor.redact_text` returns it unchanged."""
    gate = _gate()
    if gate.always:
        return True
    return gate.keywords.search(folded(text)) is not None or gate.expressions.search(text) is not None
