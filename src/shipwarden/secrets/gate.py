"""The cheap first test of the redactor: can this text hold anything it replaces?

The redactor has two sources of spans (:mod:`shipwarden.secrets.redactor`), and
each of them runs only where a needle occurs:

* a detector pattern (``data/tokens.toml``) runs only around a hit of its
  keywords or of its prefilter expression (:mod:`shipwarden.secrets.prefilter`),
  and every pattern has one or the other;
* a redaction shape (``data/redact.toml``) names keywords (every match contains
  one) or a prefilter expression (every match contains a match of it).

So a text in which no needle of either table occurs has nothing to redact.
:func:`redaction_hits` tells that with a few searches of the standard ``re``
module, without importing the ``regex`` module or compiling a single detector
pattern: most strings of a report (rule ids, paths, messages) stop here.

Keywords such as ``token`` and ``secret`` are in most finding messages, so an
entry may also say what every match holds around its keyword (``holds``: a
``re`` expression searched in the folded text, ``holds_cased``: in the text as
it is), such as the ``:`` or ``=`` and the value of an assignment. An entry
whose keyword occurs but whose ``holds`` does not cannot match: a message that
speaks of ``GITHUB_TOKEN`` is then passed over like one without a keyword.
``tests/secrets/test_gate.py`` checks that every match of an entry holds them.

Each search is made only where it can find something: the keywords of the entries
without ``holds`` from the first keyword hit on, a ``holds`` only where a ``requires``
literal of one of its entries occurs, and an expression only where the text holds
the run of characters that every match of its search holds (:func:`needed_run`). The test also
checks that the gate passes over exactly the texts that no entry finds on its exact
:class:`Hits` (random texts and every line of the real corpus).

Keywords are compared in :func:`folded` text: lower case, with the three
non-ASCII characters that a case-insensitive ``regex`` match takes for an ASCII
letter (dotted capital I, long s, Kelvin sign) written as that letter first,
so a fold never hides a keyword the full path would find. Prefilter
expressions are searched in the text as it is, as the detector searches them.
"""

from __future__ import annotations

import importlib
import re
from functools import cache
from typing import Any

from shipwarden.core.structs import struct
from shipwarden.core.tables import load_table

#: the standard ``re`` module's own parser (loaded with ``re``), read by :func:`needed_run`
_parser: Any = importlib.import_module("re._parser")

#: Non-ASCII characters that ``regex`` (``IGNORECASE``, simple case folding) matches
#: with an ASCII letter (a test checks the list against every code point).
FOLD_TO_ASCII = {"\u0130": "i", "\u017f": "s", "\u212a": "k"}
_FOLD = str.maketrans(FOLD_TO_ASCII)


def folded(text: str) -> str:
    """``text`` in lower case, the characters of :data:`FOLD_TO_ASCII` as their ASCII letter.

    ``str.translate`` with a dict goes character by character in Python's own loop; it runs
    only when one of those characters occurs (a report's text holds ``│`` and ``—``, never
    them: three ``in`` tests are then all the non-ASCII text costs beyond ``lower``)."""
    if text.isascii() or not any(ch in text for ch in FOLD_TO_ASCII):
        return text.lower()
    return text.translate(_FOLD).lower()


@struct(frozen=True)
class Hits:
    """The needles of both tables that one text holds (see :func:`hits_in`)."""

    text: str
    #: :func:`folded` ``text``
    lowered: str
    keywords: frozenset[str]
    expressions: frozenset[str]


@struct(frozen=True)
class Needles:
    """What one shape or detector pattern needs: a keyword or an expression hit and,
    when it names any, one of its ``requires`` literals anywhere in the text."""

    keywords: frozenset[str]
    expressions: frozenset[str]
    #: literals (case-sensitive) of which every match holds one, such as the
    #: ``:`` or ``=`` of an assignment
    requires: tuple[str, ...] = ()
    #: a ``re`` expression of which every match holds a match in :func:`folded`
    #: text (lower case), and one in the text as it is ("" for none)
    holds: str = ""
    holds_cased: str = ""

    def found(self, hits: Hits) -> bool:
        """Does the text of ``hits`` hold what a match needs?"""
        if self.requires and not any(r in hits.text for r in self.requires):
            return False
        if (self.keywords or self.expressions) and (
            hits.keywords.isdisjoint(self.keywords) and hits.expressions.isdisjoint(self.expressions)
        ):
            return False
        if self.holds and _compiled(self.holds).search(hits.lowered) is None:
            return False
        return not self.holds_cased or _compiled(self.holds_cased).search(hits.text) is not None


@struct(frozen=True)
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
    holds, holds_cased = raw.get("holds", ""), raw.get("holds_cased", "")
    if not isinstance(holds, str) or not isinstance(holds_cased, str):
        raise ValueError(f"{what}: holds and holds_cased must be strings")
    if prefilter:  # found through the prefilter alone, as the detector does
        return Needles(frozenset(), frozenset([prefilter]), requires, holds, holds_cased)
    keywords = frozenset(k.lower() for k in _strings(raw, "keywords", what))
    return Needles(keywords, frozenset(), requires, holds, holds_cased)


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


@struct(frozen=True)
class _Search:
    """One search of the gate, made only when ``text`` holds one of ``requires`` (none: always)
    and, with ``run``, a run of that many characters that ``table`` maps to 1."""

    pattern: re.Pattern[str]
    requires: tuple[str, ...] = ()
    table: bytes = b""
    run: int = 0

    def wanted(self, text: str) -> bool:
        if self.requires and not any(r in text for r in self.requires):
            return False
        if not self.run:
            return True
        return len(text) >= self.run and b"\x01" * self.run in text.encode("utf-8", "surrogatepass").translate(
            self.table
        )


@struct(frozen=True)
class _Gate:
    always: bool
    #: every needle of both tables, each as a test of its own
    needles: tuple[Needles, ...]
    keyword_list: tuple[str, ...]
    expression_list: tuple[str, ...]
    #: one search that any keyword hit / any expression hit passes (a quick first test)
    keywords: re.Pattern[str]
    expressions: re.Pattern[str]
    #: the keywords of the entries that say nothing of what their matches hold
    plain: re.Pattern[str]
    #: the ``holds`` / ``holds_cased`` of the others (a text that holds a keyword
    #: but none of these, nor a plain keyword, holds no match of an entry with keywords),
    #: each with the ``requires`` of its entries
    holds: tuple[_Search, ...]
    holds_cased: tuple[_Search, ...]
    #: per entry with an expression, its ``holds_cased`` or else its expression: one
    #: of them finds a text the expressions find (simple searches, quicker than theirs),
    #: with the run of characters every match of the expression holds
    expressions_first: tuple[_Search, ...]


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


def _class_chars(op: Any, arg: Any) -> frozenset[int]:
    """The code points one item of a parsed expression matches when it is a literal or a
    class of literals and ranges (not negated, no category such as ``\\d``), else none."""
    if op is _parser.LITERAL:
        return frozenset([arg])
    if op is not _parser.IN:
        return frozenset()
    chars: set[int] = set()
    for kind, value in arg:
        if kind is _parser.LITERAL:
            chars.add(value)
        elif kind is _parser.RANGE:
            chars.update(range(value[0], value[1] + 1))
        else:
            return frozenset()
    return frozenset(chars)


def _parsed(expression: str) -> Any:
    """``expression`` parsed by the ``re`` module's own parser (``None`` if it fails)."""
    try:
        return _parser.parse(expression)
    except Exception:  # noqa: BLE001 - an internal module: without it, no run test
        return None


def _run_in(parsed: Any) -> tuple[frozenset[str], int]:
    """:func:`needed_run` of a parsed expression."""
    if parsed is None or parsed.state.flags & (re.IGNORECASE | re.LOCALE):
        return frozenset(), 0
    best: tuple[frozenset[str], int] = (frozenset(), 0)
    for op, arg in parsed:
        least, item = 1, (op, arg)
        if op in (_parser.MAX_REPEAT, _parser.MIN_REPEAT, _parser.POSSESSIVE_REPEAT) and len(arg[2]) == 1:
            least, item = arg[0], arg[2][0]
        chars = _class_chars(*item)
        if chars and max(chars) < 128 and least > best[1]:
            best = (frozenset(map(chr, chars)), least)
    return best


def needed_run(expression: str) -> tuple[frozenset[str], int]:
    """ASCII characters and a length ``n`` such that every match of ``expression`` holds
    ``n`` of those characters in a row: the longest repeat of one such class among the
    items the expression is a sequence of (each matches its own part of a match; a
    look-around matches none). ``(frozenset(), 0)`` when there is none, or when the
    expression ignores case."""
    return _run_in(_parsed(expression))


def _first(expression: str, holds_cased: str) -> _Search:
    """The search for ``expression``, or for its ``holds_cased`` (an entry with one is found
    only where that matches), made only where the text holds the run of characters every
    match of that search holds. Not for a search that starts with a literal character:
    ``re`` finds its candidate places with a quick scan for that character."""
    first = holds_cased or expression
    parsed = _parsed(first)
    literal = parsed is not None and len(parsed) > 0 and parsed[0][0] is _parser.LITERAL
    chars, run = (frozenset(), 0) if literal else _run_in(parsed)
    table = bytes(int(chr(b) in chars) for b in range(256))
    return _Search(_compiled(first), table=table, run=run)


def _searches(entries: list[Needles], holds: str) -> tuple[_Search, ...]:
    """A search for each ``holds`` / ``holds_cased`` (the attribute ``holds`` names) of
    ``entries``, wanted when the ``requires`` of one of the entries that name it is met."""
    requires: dict[str, set[str] | None] = {}
    for n in entries:
        expression = getattr(n, holds)
        if expression:
            before = requires.get(expression, set())
            requires[expression] = None if before is None or not n.requires else before | set(n.requires)
    return tuple(_Search(_compiled(h), tuple(sorted(r or ()))) for h, r in requires.items())


@cache
def _gate() -> _Gate:
    parts = [*detector_needles().parts, *shape_needles().values()]
    keywords = sorted({k for n in parts for k in n.keywords}, key=lambda k: (-len(k), k))
    expressions = sorted({e for n in parts for e in n.expressions})
    plain = sorted({k for n in parts if not n.holds and not n.holds_cased for k in n.keywords})
    sharp = [n for n in parts if n.keywords and (n.holds or n.holds_cased)]
    return _Gate(
        always=any(not n.keywords and not n.expressions for n in parts),
        needles=tuple(parts),
        keyword_list=tuple(keywords),
        expression_list=tuple(expressions),
        keywords=re.compile(_any_of(keywords)),
        expressions=re.compile("|".join(f"(?:{e})" for e in expressions) or "(?!)"),
        plain=re.compile(_any_of(plain)),
        holds=_searches(sharp, "holds"),
        holds_cased=_searches(sharp, "holds_cased"),
        expressions_first=tuple(dict.fromkeys(_first(e, n.holds_cased) for n in parts for e in n.expressions)),
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
        lowered,
        frozenset(k for k in gate.keyword_list if k in lowered) if keyword_hit else _NONE,
        frozenset(e for e in gate.expression_list if _compiled(e).search(text)) if expression_hit else _NONE,
    )


def warm() -> None:
    """Compile the gate's searches now (before a process forks workers that redact)."""
    _gate()


def _may_hold(gate: _Gate, text: str, lowered: str) -> bool:
    """False when no entry can be :meth:`~Needles.found` in ``text``: a few searches,
    without building the :class:`Hits` (most texts with a keyword stop here). The first
    keyword hit is where the trie first matches: no plain keyword starts before it."""
    hit = gate.keywords.search(lowered)
    if hit is not None:
        if gate.plain.search(lowered, hit.start()) is not None:
            return True
        for holds in gate.holds:
            if holds.wanted(text) and holds.pattern.search(lowered) is not None:
                return True
        for holds in gate.holds_cased:
            if holds.wanted(text) and holds.pattern.search(text) is not None:
                return True
    for first in gate.expressions_first:
        if first.wanted(text) and first.pattern.search(text) is not None:
            return gate.expressions.search(text) is not None
    return False


def redaction_hits(text: str) -> Hits | None:
    """The needles ``text`` holds, or ``None`` when it holds what no detector pattern and
    no shape needs: then :func:`shipwarden.secrets.redactor.redact_text` returns it unchanged."""
    gate = _gate()
    if not gate.always and not _may_hold(gate, text, folded(text)):
        return None
    hits = hits_in(text)
    return hits if gate.always or any(n.found(hits) for n in gate.needles) else None


def needs_redaction(text: str) -> bool:
    """Can ``text`` hold anything :func:`shipwarden.secrets.redactor.redact_text` replaces?"""
    return redaction_hits(text) is not None
