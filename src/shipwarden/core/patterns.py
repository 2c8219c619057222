"""Regular expressions compiled on first use (start-up).

Compiling a pattern costs 0.1–1 ms; the workflow analysis declares a few hundred
(module constants, the command table), and a scan of one workflow uses a fraction of
them. A :class:`LazyPattern` is declared like ``re.compile(...)`` and answers the
same calls, compiling the pattern the first time one of them is made.

    PUBLISH_WORDS = LazyPattern(r"...publish...", re.I)
    PUBLISH_WORDS.search(line)
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from typing import Any


class LazyPattern:
    """``re.compile(pattern, flags)``, made when first used. Equal (and hashed) as the
    compiled pattern is: by pattern and flags."""

    __slots__ = ("_compiled", "flags", "pattern")

    def __init__(self, pattern: str, flags: int | re.RegexFlag = 0) -> None:
        self.pattern = pattern
        self.flags = int(flags)
        self._compiled: re.Pattern[str] | None = None

    @property
    def compiled(self) -> re.Pattern[str]:
        compiled = self._compiled
        if compiled is None:
            compiled = self._compiled = re.compile(self.pattern, self.flags)
        return compiled

    def search(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        return self.compiled.search(string, pos, endpos)

    def match(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        return self.compiled.match(string, pos, endpos)

    def fullmatch(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        return self.compiled.fullmatch(string, pos, endpos)

    def finditer(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> Iterator[re.Match[str]]:
        return self.compiled.finditer(string, pos, endpos)

    def findall(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> list[Any]:
        return self.compiled.findall(string, pos, endpos)

    def sub(self, repl: str | Callable[[re.Match[str]], str], string: str, count: int = 0) -> str:
        return self.compiled.sub(repl, string, count)

    def split(self, string: str, maxsplit: int = 0) -> list[str | Any]:
        return self.compiled.split(string, maxsplit)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LazyPattern):
            return (self.pattern, self.flags) == (other.pattern, other.flags)
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.pattern, self.flags))

    def __repr__(self) -> str:
        return f"LazyPattern({self.pattern!r}, {self.flags})"


class CaselessPattern:
    """A case-insensitive pattern, written in lower case, that answers one question: is it
    found in a text? An ASCII text is lower-cased and searched with the pattern as written
    (case-sensitive: ``re`` then compares characters as they are, a third of the work or
    less). Another text is searched with the pattern compiled with ``re.IGNORECASE`` — or,
    for a pattern with ``re.ASCII`` (only ASCII letters fold), as lower-cased UTF-8 bytes:
    ``bytes.lower`` folds the ASCII letters only and UTF-8 keeps every other character out
    of ASCII. The answer is always that of the case-insensitive pattern.

    The pattern must hold no upper-case letter outside an escape (``\\S``, ``\\W``: classes
    that lower-casing does not change); ``flags`` apply to every form. With ``re.ASCII`` it
    must also not count characters that may be non-ASCII (``.`` or a negated class matched an
    exact number of times, as in ``a.b``): in the UTF-8 bytes such a character is several."""

    __slots__ = ("_folded", "_caseless", "_folded_bytes")

    def __init__(self, pattern: str, flags: int | re.RegexFlag = 0) -> None:
        self._folded = LazyPattern(pattern, flags)
        self._caseless = LazyPattern(pattern, int(flags) | re.IGNORECASE)
        self._folded_bytes: re.Pattern[bytes] | None = None

    def found(self, text: str) -> bool:
        if text.isascii():
            return self._folded.search(text.lower()) is not None
        if self._folded.flags & re.ASCII:
            if self._folded_bytes is None:
                self._folded_bytes = re.compile(self._folded.pattern.encode("ascii"), self._folded.flags)
            return self._folded_bytes.search(text.encode("utf-8", "surrogatepass").lower()) is not None
        return self._caseless.search(text) is not None

    @property
    def pattern(self) -> str:
        return self._folded.pattern

    def __repr__(self) -> str:
        return f"CaselessPattern({self._folded.pattern!r}, {self._folded.flags})"
