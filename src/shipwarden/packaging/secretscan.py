"""Feed file content to :func:`shipwarden.secrets.scan_text` in bounded windows.

Bundled JavaScript often sits on one multi-megabyte line, longer than the
secret scanner looks at per line. This adapter cuts long lines into
overlapping pieces, scans them as separate virtual lines and maps every match
back to its real line and column, so a key in the middle of a minified bundle
is still found. Work is bounded by a per-file limit and a shared budget.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field

from shipwarden.secrets import SecretMatch, load_rules, scan_text
from shipwarden.secrets.context import REACH

#: Longest piece of a line handed to the scanner (its own cut is 16,384).
PIECE = 12_000
#: Overlap between pieces so a secret on a cut is still seen whole.
OVERLAP = 512
#: Characters scanned per call.
WINDOW = 2_000_000
#: A line this long marks minified code.
_MINIFIED = load_rules().limits.minified_line_chars
#: The scanner's own per-line cut has nothing to cut in text handed over here.
_SHORT_LINES = load_rules().limits.max_line_chars >= PIECE


@dataclass(slots=True)
class Budget:
    """Bytes of text the secret scanner may still look at in this run."""

    remaining: int
    skipped: int = 0

    def take(self, n: int) -> int:
        granted = max(0, min(n, self.remaining))
        self.remaining -= granted
        self.skipped += n - granted
        return granted


@dataclass(frozen=True, slots=True)
class LocatedSecret:
    match: SecretMatch
    line: int
    column: int
    end_column: int


@dataclass(slots=True)
class TextSecretScanner:
    """Incremental: ``feed`` bytes, then ``close`` for the secrets found."""

    path: str
    budget: Budget
    file_limit: int = 8 * 1024 * 1024
    #: Report low-confidence generic guesses in minified code (a segment with a
    #: line of ``minified_line_chars`` or more); off by default: bundles are
    #: full of ``token = e2.token`` shapes that are no secret.
    minified_low_confidence: bool = False
    found: list[LocatedSecret] = field(default_factory=list)
    _decoder: codecs.IncrementalDecoder = field(
        default_factory=lambda: codecs.getincrementaldecoder("utf-8")(errors="replace")
    )
    _pending: str = ""
    _line: int = 1  # real line number of the start of ``_pending``
    _col: int = 0  # column offset of ``_pending`` within that line (long-line carry)
    _taken: int = 0
    _seen: set[tuple[int, int, str]] = field(default_factory=set)
    #: The end of the text scanned so far: where a comment or docstring may have opened.
    _before: str = ""

    def feed(self, data: bytes) -> None:
        room = self.file_limit - self._taken
        if room <= 0:
            self.budget.skipped += len(data)
            return
        piece = data[:room]
        granted = self.budget.take(len(piece))
        self.budget.skipped += len(data) - len(piece)
        if granted <= 0:
            return
        self._taken += granted
        self._pending += self._decoder.decode(piece[:granted])
        if len(self._pending) >= WINDOW:
            cut = self._pending.rfind("\n")
            if cut < 0:
                self._scan_segment(self._pending, final_line=False)
                self._pending = ""
            else:
                self._scan_segment(self._pending[: cut + 1], final_line=True)
                self._pending = self._pending[cut + 1 :]

    def close(self) -> list[LocatedSecret]:
        self._pending += self._decoder.decode(b"", final=True)
        if self._pending:
            self._scan_segment(self._pending, final_line=True)
            self._pending = ""
        return self.found

    def _scan_segment(self, text: str, final_line: bool) -> None:
        """Scan ``text`` (starting at ``_line``/``_col``); advance the position."""
        lines = text.split("\n")
        longest = max(map(len, lines))
        if longest <= PIECE:
            self._scan_short(text, lines, final_line, minified=longest >= _MINIFIED)
            return
        virtual: list[str] = []
        origin: list[tuple[int, int]] = []  # per virtual line: real line, column offset
        line, col = self._line, self._col
        minified = longest >= _MINIFIED
        for i, real in enumerate(lines):
            last = i == len(lines) - 1
            if len(real) <= PIECE:
                virtual.append(real)
                origin.append((line, col))
            else:
                start = 0
                while start < len(real):
                    virtual.append(real[start : start + PIECE])
                    origin.append((line, col + start))
                    if start + PIECE >= len(real):
                        break
                    start += PIECE - OVERLAP
            if not last:
                line += 1
                col = 0
            else:
                col += len(real)
        joined = "\n".join(virtual)
        low = self.minified_low_confidence or not minified
        found = self._scan(text, joined, low)
        for m in found:
            real_line, offset = origin[m.line - 1] if 0 < m.line <= len(origin) else (line, 0)
            self._add(m, real_line, offset)
        if final_line and text.endswith("\n"):
            self._line, self._col = line, 0
        else:
            self._line, self._col = line, col

    def _scan_short(self, text: str, lines: list[str], final_line: bool, *, minified: bool) -> None:
        """No line needs cutting: the text is scanned as it is and lines map by arithmetic."""
        found = self._scan(text, text, self.minified_low_confidence or not minified)
        first, col = self._line, self._col
        for m in found:
            self._add(m, first + m.line - 1, col if m.line == 1 else 0)
        last = len(lines) - 1
        self._line = first + last
        self._col = 0 if final_line and text.endswith("\n") else (col if last == 0 else 0) + len(lines[-1])

    def _scan(self, text: str, joined: str, low: bool) -> list[SecretMatch]:
        # every line of ``joined`` is at most PIECE long (``_scan_short``, or cut into pieces)
        found = scan_text(joined, path=self.path, low_confidence=low, before=self._before, short_lines=_SHORT_LINES)
        self._before = text[-REACH:] if len(text) >= REACH else self._before[-(REACH - len(text)):] + text
        return found

    def _add(self, m: SecretMatch, real_line: int, offset: int) -> None:
        column = m.column + offset
        key = (real_line, column, m.fingerprint)
        if key in self._seen:
            return
        self._seen.add(key)
        end_column = m.end_column + offset if m.end_line in (0, m.line) else m.end_column
        self.found.append(LocatedSecret(m, real_line, column, end_column))
