"""``SourceText.positions`` answers as two ``position`` calls and ``line_text`` do."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from shipwarden.core.textindex import SourceText


@given(st.text(alphabet="ab \t\r\n", max_size=30), st.integers(-3, 35), st.integers(-3, 35))
def test_positions_as_position_and_line_text(text: str, start: int, end: int) -> None:
    source = SourceText(text)
    line, col = source.position(start)
    end_line, end_col = source.position(end)
    assert source.positions(start, end) == (line, col, end_line, end_col, source.line_text(line).rstrip())
