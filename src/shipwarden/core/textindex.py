"""Offsets into a decoded text → 1-based lines and columns, shared by every parser
that reports spans (workflow YAML, lockfiles, scripts)."""

from __future__ import annotations

import bisect
from itertools import accumulate
from operator import add


class SourceText:
    """The decoded text of a file with fast offset → (line, column) mapping."""

    __slots__ = ("text", "_starts")

    def __init__(self, text: str) -> None:
        self.text = text
        # where each line starts: the running sum of the lengths of the lines before it
        # plus their newlines (one per line before it), all of it summed in C
        lines = text.split("\n")
        lines.pop()  # the last line starts after the others; where it ends is not needed
        self._starts: list[int] = [0, *map(add, accumulate(map(len, lines)), range(1, len(lines) + 1))]

    def line(self, offset: int) -> int:
        """1-based line of a character offset."""
        return self.position(offset)[0]

    def position(self, offset: int) -> tuple[int, int]:
        """1-based line and column of a character offset."""
        offset = max(0, min(offset, len(self.text)))
        idx = bisect.bisect_right(self._starts, offset) - 1
        return idx + 1, offset - self._starts[idx] + 1

    def positions(self, start: int, end: int) -> tuple[int, int, int, int, str]:
        """:meth:`position` of ``start`` and of ``end``, and the text of ``start``'s line without
        trailing whitespace: what a location needs, with one search of the line starts when
        both offsets are on one line (as most are)."""
        starts, size = self._starts, len(self.text)
        start = 0 if start < 0 else size if start > size else start
        end = 0 if end < 0 else size if end > size else end
        idx = bisect.bisect_right(starts, start) - 1
        first = starts[idx]
        after = starts[idx + 1] if idx + 1 < len(starts) else size + 1
        end_idx = idx if first <= end < after else bisect.bisect_right(starts, end) - 1
        line_end = after - 1 if after <= size else size
        return (
            idx + 1,
            start - first + 1,
            end_idx + 1,
            end - starts[end_idx] + 1,
            self.text[first:line_end].rstrip(),
        )

    def line_text(self, line: int) -> str:
        if line < 1 or line > len(self._starts):
            return ""
        start = self._starts[line - 1]
        end = self._starts[line] - 1 if line < len(self._starts) else len(self.text)
        return self.text[start:end].rstrip("\r")

    def line_start(self, line: int) -> int:
        return self._starts[line - 1]

    @property
    def line_count(self) -> int:
        return len(self._starts)
