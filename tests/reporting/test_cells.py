"""Cell widths without rich (``shipwarden.reporting.cells``) against rich's own, which stays a dependency."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import given, settings
from hypothesis import strategies as st
from rich import cells as rich_cells
from rich._unicode_data import load

from shipwarden.reporting import cells

#: Planes with assigned characters (BMP, SMP, SIP, TIP and tags/variation selectors).
_PLANES = [*range(0, 0x40000), *range(0xE0000, 0xE1000)]


def _rich_widths() -> list[int]:
    expected = [1] * 0x110000
    for first, last, width in load("latest").widths:
        expected[first : last + 1] = [width] * (last - first + 1)
    for codepoint in [*range(1, 32), *range(0x7F, 0xA0)]:
        expected[codepoint] = 0
    return expected


def test_every_codepoint_has_rich_width() -> None:
    """Fails when rich's table or this Python's Unicode database moved: run scripts/make_cell_widths.py."""
    expected = _rich_widths()
    wrong = [cp for cp in [*_PLANES, *range(0x40000, 0x110000, 97)] if cells.codepoint_width(cp) != expected[cp]]
    assert not wrong, f"{len(wrong)} code points differ from rich, first {[hex(cp) for cp in wrong[:5]]}"
    # the characters variation selector 16 widens: the same set as rich's
    assert cells._table()[2] == load("latest").narrow_to_wide


#: Text that exercises every path: ASCII, controls, wide, zero-width, ZWJ and VS16 sequences.
_CHARS = st.sampled_from(
    list("ab Z~\t\x1b\x85\u00ad\u0301\u0903\u200b\u200d\ufe0f\u2028中文字ｶ☺❤⌚\u2630")
    + ["\U0001f600", "\U0001f468", "\U0001f3fb", "\U0001fa75", "\U00030000", "\U000e0001", "\ud800"]
)
_TEXT = st.text(_CHARS, max_size=30) | st.text(max_size=30)


def _outcome(fn: Callable[..., object], *args: object) -> object:
    """What ``fn`` returns, or the type of what it raises (rich divides by zero on an all-zero-width text and indexes past the end of a cut beyond it)."""
    try:
        return fn(*args)
    except (ZeroDivisionError, IndexError) as exc:
        return type(exc)


@settings(max_examples=300, deadline=None)
@given(_TEXT, st.integers(min_value=-1, max_value=40))
def test_string_functions_match_rich(text: str, width: int) -> None:
    assert cells.cell_len(text) == rich_cells.cell_len(text)
    assert cells.split_graphemes(text) == rich_cells.split_graphemes(text)
    assert _outcome(cells.set_cell_size, text, width) == _outcome(rich_cells.set_cell_size, text, width)
    assert _outcome(cells.split_text, text, width) == _outcome(rich_cells.split_text, text, width)
    if width > 0:
        assert cells.chop_cells(text, width) == rich_cells.chop_cells(text, width)
