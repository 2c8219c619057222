"""How many terminal cells a string takes, as rich 15 measures it (Unicode 17 widths).

The text report lays lines out by cells, not characters: a CJK character or
an emoji takes two, a combining mark none. This module gives the same answers
as ``rich.cells`` without importing rich:

* :func:`char_width` is the width of one code point: Unicode's general
  category and East Asian Width from :mod:`unicodedata`, corrected by
  ``data/cell_widths.toml`` where rich's Unicode 17 table (generated from
  wcwidth) says otherwise — code points newer than the Python's Unicode
  database, soft hyphen and prepended concatenation marks (one cell), Hangul
  medial vowels and skin-tone modifiers (none). The table is read only when
  a character outside plain Latin text is first measured.
* :func:`cell_len` handles the zero width joiner and variation selector 16
  the way ``rich.cells.cell_len`` does; :func:`split_graphemes`,
  :func:`chop_cells`, :func:`set_cell_size` and :func:`split_text` port their
  rich namesakes, quirks included (a cut through a wide character leaves a
  space on each side).

``scripts/make_cell_widths.py`` regenerates the table from an installed rich.
rich also lets a ``UNICODE_VERSION`` environment variable pick an older table;
this module always measures with the table's version (``unicode`` in the file).
"""

from __future__ import annotations

import bisect
import functools
import unicodedata

#: Zero width joiner and variation selector 16 (emoji presentation), as rich treats them.
_ZWJ = "\u200d"
_VS16 = "\ufe0f"


@functools.cache
def _table() -> tuple[list[int], list[tuple[int, int, int]], frozenset[str]]:
    """The corrections (starts for bisect, ranges) and the characters VS16 makes wide."""
    from shipwarden.core.tables import load_table

    data = load_table("shipwarden.reporting", "cell_widths.toml")
    ranges = [(int(a), int(b), int(w)) for a, b, w in data["widths"]]
    wide = frozenset(chr(cp) for a, b in data["vs16_wide"] for cp in range(int(a), int(b) + 1))
    return [r[0] for r in ranges], ranges, wide


def base_width(codepoint: int) -> int:
    """The width :mod:`unicodedata` alone suggests (before the table's corrections)."""
    if codepoint < 32 or 0x7F <= codepoint < 0xA0:
        return 0
    char = chr(codepoint)
    category = unicodedata.category(char)
    if category == "Cn":  # unassigned (in this Python's database): one cell, as in rich
        return 1
    if category in ("Mn", "Me", "Mc", "Cf", "Zl", "Zp"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def codepoint_width(codepoint: int) -> int:
    """Cells taken by one code point: 0, 1 or 2 (``rich.cells.get_character_cell_size``)."""
    if 0x20 <= codepoint < 0x7F:
        return 1
    starts, ranges, _ = _table()
    index = bisect.bisect_right(starts, codepoint) - 1
    if index >= 0 and ranges[index][0] <= codepoint <= ranges[index][1]:
        return ranges[index][2]
    return base_width(codepoint)


@functools.lru_cache(maxsize=4096)
def char_width(char: str) -> int:
    """:func:`codepoint_width` of one character, remembered (bounded, as rich's: input may hold any character)."""
    return codepoint_width(ord(char))


def cell_len(text: str) -> int:
    """Cells taken by ``text`` (``rich.cells.cell_len``)."""
    if text.isascii() and text.isprintable():
        return len(text)
    if _ZWJ not in text and _VS16 not in text:
        return sum(map(char_width, text))
    wide = _table()[2]
    total = 0
    last: str | None = None
    index = 0
    count = len(text)
    while index < count:
        char = text[index]
        if char == _ZWJ:
            index += 1  # the joined character takes no cell of its own
        elif char == _VS16:
            if last:
                total += last in wide
                last = None
        else:
            width = char_width(char)
            if width:
                last = char
                total += width
        index += 1
    return total


def split_graphemes(text: str) -> tuple[list[tuple[int, int, int]], int]:
    """``(start, end, cells)`` spans covering ``text`` and its total cells (``rich.cells.split_graphemes``)."""
    wide = _table()[2]
    count = len(text)
    index = 0
    last: str | None = None
    total = 0
    spans: list[tuple[int, int, int]] = []
    while index < count:
        char = text[index]
        if char in (_ZWJ, _VS16):
            if not spans:
                spans.append((index, index + 1, 0))
                index += 1
                continue
            start, _, cells = spans[-1]
            if char == _ZWJ:
                index += 2 if index < count - 1 else 1
            else:
                index += 1
                if last and last in wide:
                    last = None
                    cells += 1
                    total += 1
            spans[-1] = (start, index, cells)
            continue
        width = char_width(char)
        if width:
            last = char
            spans.append((index, index + 1, width))
            total += width
        elif spans:
            start, _, cells = spans[-1]
            spans[-1] = (start, index + 1, cells)
        else:
            spans.append((index, index + 1, 0))
        index += 1
    return spans, total


#: rich's fast path: characters it takes to be one cell without looking them up.
_SINGLE_CELL_RANGES = ((0x20, 0x7E), (0xA0, 0xAC), (0xAE, 0x2FF), (0x370, 0x482), (0x2500, 0x25FC), (0x2800, 0x28FF))


@functools.cache
def _single_cell_chars() -> frozenset[str]:
    return frozenset(chr(cp) for first, last in _SINGLE_CELL_RANGES for cp in range(first, last + 1))


def single_cells(text: str) -> bool:
    """``rich.cells._is_single_cell_widths``: whether rich takes its fast path for ``text``."""
    if text.isascii():
        return text.isprintable()
    return _single_cell_chars().issuperset(text)


def chop_cells(text: str, width: int) -> list[str]:
    """``text`` cut into pieces of at most ``width`` cells (``rich.cells.chop_cells``)."""
    if single_cells(text):
        return [text[index : index + width] for index in range(0, len(text), width)]
    spans, _ = split_graphemes(text)
    size = 0
    lines: list[str] = []
    offset = 0
    for start, _end, cells in spans:
        if size + cells > width:
            lines.append(text[offset:start])
            offset = start
            size = 0
        size += cells
    if size:
        lines.append(text[offset:])
    return lines


def _split_text(text: str, position: int) -> tuple[str, str]:
    if position <= 0:
        return "", text
    spans, length = split_graphemes(text)
    offset = int((position / length) * len(spans))
    left = sum(span[2] for span in spans[:offset])
    while True:
        if left == position:
            if offset >= len(spans):
                return text, ""
            index = spans[offset][0]
            return text[:index], text[index:]
        if left < position:
            start, end, cells = spans[offset]
            if left + cells > position:
                return text[:start] + " ", " " + text[end:]
            offset += 1
            left += cells
        else:
            start, end, cells = spans[offset - 1]
            if left - cells < position:
                return text[:start] + " ", " " + text[end:]
            offset -= 1
            left -= cells


def split_text(text: str, position: int) -> tuple[str, str]:
    """``text`` split at cell ``position`` (``rich.cells.split_text``)."""
    if single_cells(text):
        return text[:position], text[position:]
    return _split_text(text, position)


def set_cell_size(text: str, total: int) -> str:
    """``text`` cropped or padded with spaces to ``total`` cells (``rich.cells.set_cell_size``)."""
    if single_cells(text):
        size = len(text)
        return text + " " * (total - size) if size < total else text[:total]
    if total <= 0:
        return ""
    size = cell_len(text)
    if size == total:
        return text
    if size < total:
        return text + " " * (total - size)
    return _split_text(text, total)[0]
