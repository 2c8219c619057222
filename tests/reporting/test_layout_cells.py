"""The layout's quick measures equal the character-by-character ones they stand for.

``cell_len``, ``_crop`` and ``breaks`` take short cuts (a text whose characters
are one cell each is measured by its length, a long word is cut arithmetically);
here each is compared with the plain definition, one character at a time.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from shipwarden.reporting.layout import _TOKEN, _crop, breaks, cell_len, char_width

#: one-cell ASCII and non-ASCII characters (the report's own among them), wide and zero-width ones, controls
_CHARS = st.sampled_from(list("ab-/:. ") + ["│", "—", "…", "·", "é", "中", "\U0001f600", "\u0301", "\x01", "\u200b"])
_LINES = st.text(_CHARS, max_size=200)


def _cell_len(text: str) -> int:
    return sum(char_width(c) for c in text)


def _crop_reference(plain: str, width: int) -> int:
    if plain.isascii():
        return min(len(plain), width)
    column = 0
    for index, char in enumerate(plain):
        column += char_width(char)
        if column > width:
            return index
    return len(plain)


def _breaks_reference(plain: str, width: int) -> list[int]:
    """The word wrap of ``breaks``, measuring every part character by character."""
    if _cell_len(plain) <= width:
        return []
    out: list[int] = []
    column = 0
    words = False
    for match in _TOKEN.finditer(plain):
        token, start = match.group(), match.start()
        word = token.rstrip()
        size = _cell_len(word)
        if column + size <= width:
            column += _cell_len(token)
            words = words or bool(word)
            continue
        if words:
            out.append(start)
            column = 0
        if size > width - column:
            for index, char in enumerate(word):
                cells = char_width(char)
                if column + cells > width and column:
                    out.append(start + index)
                    column = 0
                column += cells
            column += _cell_len(token[len(word) :])
        else:
            column = _cell_len(token)
        words = True
    return out


@settings(max_examples=400, deadline=None)
@given(_LINES)
def test_cell_len_counts_each_character(text: str) -> None:
    assert cell_len(text) == _cell_len(text)


@settings(max_examples=400, deadline=None)
@given(_LINES, st.integers(-2, 120))
def test_crop_counts_each_character(text: str, width: int) -> None:
    assert _crop(text, width) == _crop_reference(text, width)


@settings(max_examples=600, deadline=None)
@given(_LINES | st.text(st.sampled_from("abc -"), max_size=300), st.integers(1, 60))
def test_breaks_measure_each_character(text: str, width: int) -> None:
    assert breaks(text, width) == _breaks_reference(text, width)


def test_breaks_of_long_words_at_any_column() -> None:
    """A word longer than the line, after indentation or other words, cut where the line is full."""
    for indent in range(0, 12):
        for length in range(1, 40):
            for width in range(1, 14):
                for text in (" " * indent + "w" * length, "ab " * indent + "—" * length + " x"):
                    assert breaks(text, width) == _breaks_reference(text, width), (text, width)


def test_hanging_lines_remembered_per_text_and_styles() -> None:
    """A page writes the lines of a prefix and body it laid out before again; with colour, the
    same characters in other styles are laid out anew."""
    from shipwarden.reporting.layout import Page, Text

    page = Page(30, color=True)
    for style in ("cyan", "cyan", "bold", ""):
        page.hanging("  also: ", Text("a body long enough to wrap under the prefix", style))
    coloured = page.getvalue().split("\n")
    assert coloured[0:2] == coloured[2:4] and coloured[0] != coloured[4] and "\x1b" not in coloured[6]
    plain = Page(30, color=False)
    for style in ("cyan", "bold"):
        plain.hanging("  also: ", Text("a body long enough to wrap under the prefix", style))
    lines = plain.getvalue().split("\n")
    assert lines[0:2] == lines[2:4] == ["  also: a body long enough to", "        wrap under the prefix"]
