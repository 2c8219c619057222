"""Reading lockfiles and scripts as text: size limits, line lookup, locations."""

from __future__ import annotations

import bisect
import re
from pathlib import Path

from shipwarden.findings import Location

#: Largest lockfile or manifest read (a 100k-package pnpm lockfile is ~30 MB).
MAX_LOCKFILE_BYTES = 64 * 1024 * 1024
#: Longest snippet kept in a location.
MAX_SNIPPET = 160


class FileTooLarge(ValueError):
    pass


def read_text(path: Path, limit: int = MAX_LOCKFILE_BYTES) -> str:
    """UTF-8 text of a file (undecodable bytes replaced); raises FileTooLarge above ``limit``."""
    size = path.stat().st_size
    if size > limit:
        raise FileTooLarge(f"{size} bytes is over the {limit}-byte limit")
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return data.decode("utf-8", "replace")


class LineIndex:
    """Offsets → 1-based lines for one text, built once."""

    __slots__ = ("text", "_starts")

    def __init__(self, text: str) -> None:
        self.text = text
        starts = [0]
        find = text.find
        i = find("\n")
        while i != -1:
            starts.append(i + 1)
            i = find("\n", i + 1)
        self._starts = starts

    def line(self, offset: int) -> int:
        return bisect.bisect_right(self._starts, max(0, offset)) - 1 + 1

    def position(self, offset: int) -> tuple[int, int]:
        idx = bisect.bisect_right(self._starts, max(0, offset)) - 1
        return idx + 1, offset - self._starts[idx] + 1

    def line_text(self, line: int) -> str:
        if line < 1 or line > len(self._starts):
            return ""
        start = self._starts[line - 1]
        end = self._starts[line] - 1 if line < len(self._starts) else len(self.text)
        return self.text[start:end].rstrip("\r")


_JSON_KEY = re.compile(r'^[ \t]*"((?:[^"\\]|\\.)*)"[ \t]*:', re.M)


def json_key_lines(text: str) -> dict[str, int]:
    """First line of every ``"key":`` that starts a line of a pretty-printed JSON text."""
    index = LineIndex(text)
    lines: dict[str, int] = {}
    for m in _JSON_KEY.finditer(text):
        lines.setdefault(m.group(1), index.line(m.start(1)))
    return lines


def snippet(text: str) -> str:
    text = " ".join(text.strip().split())
    return text if len(text) <= MAX_SNIPPET else text[: MAX_SNIPPET - 1] + "…"


def location(path: str, line: int = 0, label: str = "", text: str = "", column: int = 0) -> Location:
    return Location(path=path, line=line, column=column, label=label, snippet=snippet(text) if text else "")
