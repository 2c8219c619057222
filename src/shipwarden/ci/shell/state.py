"""Mutable state of one analysis: commands as they are found, offset maps of nested scripts."""

from __future__ import annotations

import bisect
from dataclasses import field

from shipwarden.ci.shell.model import MAX_PARSE_CHARS, Assignment, Position, Quoting, Redirect, Span, Word
from shipwarden.ci.shell.tables import load_tables
from shipwarden.core.structs import struct

Piece = tuple[int, int, int, int]
"""(local start, source start, local length, source length). The lengths differ only for a
one-character escape (``\\"`` → ``"``), whose local length is 1."""


class OffsetMap:
    """Piecewise map from a nested script's offsets to the original script's."""

    __slots__ = ("local", "pieces")

    def __init__(self, pieces: list[Piece]) -> None:
        self.pieces = pieces or [(0, 0, 0, 0)]
        self.local = [p[0] for p in self.pieces]

    def _at(self, i: int) -> Piece:
        return self.pieces[max(bisect.bisect_right(self.local, i) - 1, 0)]

    def to_orig(self, i: int) -> int:
        local, orig, length, orig_length = self._at(i)
        off = min(max(i - local, 0), length)
        return orig + off if length == orig_length else orig + (orig_length if off >= length else 0)

    def to_orig_end(self, i: int) -> int:
        """Source offset just after local character ``i - 1``."""
        if i <= 0:
            return self.to_orig(0)
        local, orig, length, orig_length = self._at(i - 1)
        off = min(i - local, length)
        return orig + off if length == orig_length else orig + orig_length

    def split(self, a: int, n: int) -> list[Piece]:
        """Pieces covering local [a, a+n), with local starts relative to ``a``."""
        out = []
        k = max(bisect.bisect_right(self.local, a) - 1, 0)
        end = a + n
        while k < len(self.pieces) and self.pieces[k][0] < end:
            local, orig, length, orig_length = self.pieces[k]
            lo, hi = max(a, local), min(end, local + length)
            if hi > lo:
                if length == orig_length:
                    out.append((lo - a, orig + lo - local, hi - lo, hi - lo))
                else:
                    out.append((lo - a, orig, length, orig_length))
            k += 1
        return out


# ============================================================================ analysis state


@struct
class WordInfo:
    """How the walker read a word that is not plain text (quotes, escapes, expansions,
    ``${{ }}`` sites, or any word of a nested script). A plain word has none: see
    :func:`plain_info`."""

    word: Word
    vsub: str | None  # unquoted value with placeholders (local text), None if dynamic
    pieces: list[Piece]  # value offset → walker-local offset
    substitutions: list[tuple[int, int]]  # orig spans of $(…)/<(…) in the word
    pure_substitution: bool  # the word is exactly "$(…)" / $(…) / <(…)
    local: tuple[int, int] = (0, 0)  # the word's span in the walker's text


def plain_info(word: Word) -> WordInfo:
    """The WordInfo of a plain word of the top-level script (its value is its text, its
    offsets are the script's): made only when asked for (``bash -c word``)."""
    n = word.end - word.start
    return WordInfo(word, word.value, [(0, word.start, n, n)], [], False, (word.start, word.end))


@struct
class Args:
    positionals: list[Word]
    options: dict[str, list[tuple[str | None, Word | None]]]


@struct
class Cmd:
    start: int
    end: int
    words: list[Word]
    infos: dict[int, WordInfo] = field(default_factory=dict)  # position in words -> WordInfo (none for plain words)
    assignments: list[Assignment] = field(default_factory=list)
    redirects: list[Redirect] = field(default_factory=list)
    depth: int = 0
    argv_at: int = 0
    wrappers: tuple[str, ...] = ()
    executing_wrapper: str = ""
    name: str | None = None
    canonical: str | None = None
    env: dict[str, str | None] = field(default_factory=dict)
    args: Args | None = None

    argv: list[Word] = field(default_factory=list)


@struct
class Element:
    start: int
    end: int
    head: Cmd | None
    heredocs: list[Span]


@struct
class Owner:
    """A statement with redirects (redirected_statement, or a command with inline ones)."""

    start: int
    end: int
    head: Cmd | None
    redirects: list[Redirect]
    herestrings: list[Word]


class Analysis:
    def __init__(self, script: str, sites: list[tuple[int, int]]) -> None:
        self.script = script
        self.sites = sites
        self.site_starts = [s for s, _ in sites]
        self.site_ctx: dict[int, tuple[Quoting, Position, Cmd | None]] = {}
        self.site_depth: dict[int, int] = {}
        self.commands: list[Cmd] = []
        self.pipelines: list[list[Element]] = []
        self.owners: list[Owner] = []
        self.errors: list[Span] = []
        self.budget = MAX_PARSE_CHARS * 2
        self.tables = load_tables()
        # fallback only
        self.fallback_env: list[tuple[Cmd, Word, str, list[Span]]] = []
        self.fallback_remote: list[tuple[Cmd | None, int, int, Word | None]] = []
        self.comments: list[tuple[int, int]] = []

    def sites_in(self, start: int, end: int) -> tuple[int, ...]:
        if not self.sites:
            return ()
        k = bisect.bisect_left(self.site_starts, start)
        out = []
        while k < len(self.sites) and self.sites[k][0] < end:
            if self.sites[k][1] <= end:
                out.append(k)
            k += 1
        return tuple(out)
