"""One pass over a text that says, per secret pattern, where it can match.

Every pattern in ``data/tokens.toml`` names keywords (lower-case literals such
as ``ghp_`` or ``token``) and may name a ``prefilter`` expression. A match of
the pattern always contains one of them. This module finds every keyword and
prefilter hit in a single scan, so the scanner runs each pattern's regular
expression only in a small window around its own hits, never over the whole
text (the way gitleaks uses keywords, with a compiled multi-pattern engine).

The engine is Hyperscan (``hyperscan`` on PyPI, x86-64) when it is installed;
elsewhere the same hits come from ``str.find`` and ``re``, slower but equal.
Hyperscan reports byte offsets, so the text is scanned as ASCII with every
other character replaced by ``?`` (one byte each): offsets are then character
offsets, and no keyword contains a non-ASCII character.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any


@cache
def _hyperscan() -> Any:
    """The ``hyperscan`` module, or ``None`` where it is not installed. Imported on first
    need: a short run that never builds the database does not load it."""
    try:  # pragma: no cover - depends on the platform
        import hyperscan  # type: ignore[import-untyped, unused-ignore]
    except ImportError:  # pragma: no cover
        return None
    return hyperscan


@dataclass(frozen=True, slots=True)
class Needle:
    """One thing to look for: a literal keyword (case-insensitive) or an expression."""

    text: str
    literal: bool
    #: Indexes of the patterns this needle stands for.
    patterns: tuple[int, ...]


#: ``hits[i]`` = end offsets of needles of pattern ``i`` (sorted, may repeat).
Hits = list[list[int]]


def engine_name() -> str:
    """``"hyperscan"`` or ``"python"``: which engine :func:`build` uses here."""
    return "hyperscan" if _hyperscan() is not None else "python"


#: Characters the Python engine scans before the Hyperscan database is built.
#: Compiling the database takes a few hundred milliseconds and ``str.find`` over
#: the keywords about 0.2 ms per KiB, so a short run (the report of one
#: workflow) never pays for the compilation and a long one soon does.
PYTHON_FIRST_CHARS = 1 << 20


class Prefilter:
    """Built once per rule set; :meth:`scan` is safe to call from one thread at a time.

    Both engines report the same hits; the Hyperscan database is compiled only
    once ``python_first`` characters have been scanned (or a longer text comes).
    """

    def __init__(
        self,
        needles: Sequence[Needle],
        pattern_count: int,
        *,
        use_hyperscan: bool = True,
        python_first: int = PYTHON_FIRST_CHARS,
    ) -> None:
        self.needles = tuple(needles)
        self.pattern_count = pattern_count
        self._hyperscan = use_hyperscan and bool(self.needles)
        self._python_left = python_first
        self._db: Any = None
        self._literals: list[tuple[str, tuple[int, ...]]] | None = None
        self._regexes: list[tuple[re.Pattern[str], tuple[int, ...]]] = []
        self._any_literal: re.Pattern[str] = re.compile("(?!)")

    def scan(self, text: str) -> Hits:
        """End offsets of every needle hit in ``text``, grouped by pattern index."""
        if self._db is not None:
            return self._scan_hyperscan(text)
        if self._hyperscan:
            self._python_left -= len(text)
            if self._python_left < 0:
                self._hyperscan = _hyperscan() is not None
                if self._hyperscan:
                    self._db = _compile_hyperscan(self.needles)
                    return self._scan_hyperscan(text)
        return self._scan_python(text)

    # -- engines -----------------------------------------------------------------

    def _scan_hyperscan(self, text: str) -> Hits:
        hits: Hits = [[] for _ in range(self.pattern_count)]
        data = text.encode("ascii") if text.isascii() else text.encode("ascii", "replace")
        needles = self.needles

        def on_match(ident: int, _start: int, end: int, _flags: int, _ctx: Any) -> None:
            for index in needles[ident].patterns:
                hits[index].append(end)

        self._db.scan(data, match_event_handler=on_match)
        for positions in hits:
            positions.sort()
        return hits

    def _scan_python(self, text: str) -> Hits:
        if self._literals is None:
            self._regexes = [(re.compile(n.text), n.patterns) for n in self.needles if not n.literal]
            self._literals = [(n.text.lower(), n.patterns) for n in self.needles if n.literal]
            # one pass that says whether any keyword occurs at all: most short texts
            # (report fields) hold none, and then the per-keyword search is skipped
            self._any_literal = re.compile("|".join(re.escape(w) for w, _ in self._literals) or "(?!)")
        hits: Hits = [[] for _ in range(self.pattern_count)]
        lowered = text.lower() if text.isascii() else text.encode("ascii", "replace").decode("ascii").lower()
        literals = self._literals if self._any_literal.search(lowered) else ()
        for word, patterns in literals:
            found: list[int] = []
            at = lowered.find(word)
            while at >= 0:
                found.append(at + len(word))
                at = lowered.find(word, at + 1)
            for index in patterns:
                hits[index].extend(found)
        for expr, patterns in self._regexes:
            ends = [m.end() for m in expr.finditer(text)]
            for index in patterns:
                hits[index].extend(ends)
        for positions in hits:
            positions.sort()
        return hits


def _compile_hyperscan(needles: Sequence[Needle]) -> Any:  # pragma: no cover - needs hyperscan
    _hs = _hyperscan()
    assert _hs is not None
    expressions: list[bytes] = []
    flags: list[int] = []
    for needle in needles:
        if needle.literal:
            expressions.append(re.escape(needle.text).encode("ascii"))
            flags.append(_hs.HS_FLAG_CASELESS)
        else:
            expressions.append(needle.text.encode("ascii"))
            flags.append(0)
    db = _hs.Database()
    db.compile(expressions=expressions, ids=list(range(len(needles))), elements=len(needles), flags=flags)
    return db


def needles_for(keywords: Sequence[Sequence[str]], prefilters: Sequence[str]) -> list[Needle]:
    """Needles for patterns with these keywords (lists) and prefilter expressions ("" for none).

    A pattern with a prefilter is found through it alone; a pattern with
    neither keywords nor prefilter gets the empty needle list (the scanner then
    runs it over the whole text).
    """
    by_word: dict[str, list[int]] = {}
    exprs: dict[str, list[int]] = {}
    for index, (words, prefilter) in enumerate(zip(keywords, prefilters, strict=True)):
        if prefilter:
            exprs.setdefault(prefilter, []).append(index)
            continue
        for word in words:
            by_word.setdefault(word.lower(), []).append(index)
    # overlapping keywords (``pass`` in ``--password``) are separate needles: Hyperscan
    # and str.find both report every hit of each
    needles = [Needle(word, True, tuple(dict.fromkeys(idx))) for word, idx in sorted(by_word.items())]
    needles += [Needle(expr, False, tuple(dict.fromkeys(idx))) for expr, idx in sorted(exprs.items())]
    return needles
