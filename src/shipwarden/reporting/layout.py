"""Styled text laid out in terminal cells exactly as rich 15 lays it out, without rich.

The text report used rich's ``Console.print`` on :class:`rich.text.Text` and on
two-column ``Table.grid`` rows (a hanging indent). That engine measured, wrapped
and padded every cell of every line through general machinery and was most of
the time of a text report. This module ports the part of it the report uses,
step for step, so the output is byte-identical with colour and without:

* :class:`Text` — plain text plus ``(start, end, style)`` spans and a base
  style; BEL, BS, VT, FF and CR are dropped on the way in, as rich does.
* :meth:`Page.print` — ``Console.print(text)``: split on newlines, expand
  tabs, break into words (``rich._wrap.divide_line``: whitespace stays with the
  word before it; a word wider than the line is folded), crop trailing
  whitespace beyond the width, crop each line to the width.
* :meth:`Page.hanging` — ``Console.print(grid)`` of a one-row grid whose first
  column does not wrap: the column widths rich's table computes (content
  widths, then the wrapping column shrunk to fit), each cell wrapped and padded
  to its width, blank lines under the shorter cell.
* With colour, each run of text between span boundaries is written as
  ``ESC[<codes>m … ESC[0m`` with the codes of rich's ``standard`` colour system.

Widths are terminal cells (:mod:`shipwarden.reporting.cells`). Repository
text is never interpreted: there is no markup, no emoji codes, no highlighting.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Sequence
from itertools import pairwise

from shipwarden.reporting.cells import cell_len, chop_cells, set_cell_size, single_cells

Span = tuple[int, int, str]
#: A piece of a rendered line: its text and the styles over it (outermost first).
Segment = tuple[str, tuple[str, ...]]

#: Control characters rich's Text drops (bell, backspace, vertical tab, form feed, carriage return).
_STRIP = dict.fromkeys((7, 8, 11, 12, 13))
_WORD = re.compile(r"\s*\S+\s*")
_TRAILING_SPACE = re.compile(r"\s+$")
_TAB_SIZE = 8
_NO_STYLE: tuple[str, ...] = ()


class Text:
    """Plain text with styled spans (the subset of :class:`rich.text.Text` the report needs)."""

    __slots__ = ("plain", "spans", "style")

    def __init__(self, plain: str = "", style: str = "") -> None:
        self.plain = plain.translate(_STRIP)
        self.style = style
        self.spans: list[Span] = []

    @classmethod
    def _raw(cls, plain: str, style: str, spans: list[Span]) -> Text:
        text = cls.__new__(cls)
        text.plain, text.style, text.spans = plain, style, spans
        return text

    @classmethod
    def assemble(cls, *parts: str | Text | tuple[str, str]) -> Text:
        """``Text.assemble``: strings, ``(string, style)`` pairs and texts, one after another."""
        text = cls()
        for part in parts:
            if isinstance(part, tuple):
                text.append(*part)
            elif isinstance(part, Text):
                if part.plain:
                    text.append_text(part)
            else:
                text.append(part)
        return text

    def append(self, text: str, style: str = "") -> Text:
        if text:
            clean = text.translate(_STRIP)
            offset = len(self.plain)
            if style:
                self.spans.append((offset, offset + len(clean), style))
            self.plain += clean
        return self

    def append_text(self, text: Text) -> Text:
        offset = len(self.plain)
        if text.style:
            self.spans.append((offset, offset + len(text.plain), text.style))
        self.spans.extend((start + offset, end + offset, style) for start, end, style in text.spans)
        self.plain += text.plain
        return self

    def __add__(self, other: Text) -> Text:
        result = Text._raw(self.plain, self.style, list(self.spans))
        return result.append_text(other) if other.plain else result

    def join(self, texts: Iterable[Text]) -> Text:
        """``Text.join``: ``texts`` with this text between them (the result takes this text's style)."""
        out = Text._raw("", self.style, [])
        for index, text in enumerate(texts):
            if index and self.plain:
                out.append_text(self)
            out.append_text(text)
        return out

    def _set_plain(self, plain: str) -> None:
        """The ``Text.plain`` setter: spans beyond a shorter text are trimmed."""
        if plain == self.plain:
            return
        old = len(self.plain)
        self.plain = plain.translate(_STRIP)
        if old > len(self.plain):
            self._crop_spans(len(self.plain))

    def _crop_spans(self, end: int) -> None:
        self.spans = [
            span if span[1] < end else (span[0], min(end, span[1]), span[2]) for span in self.spans if span[0] < end
        ]


# ---------------------------------------------------------------- wrapping (rich.text.Text.wrap)


def _divide(text: Text, offsets: Sequence[int]) -> list[Text]:
    """``Text.divide``: pieces between ``offsets``, spans clipped to each."""
    if not offsets:
        return [Text._raw(text.plain, text.style, list(text.spans))]
    plain = text.plain
    bounds = [0, *offsets, len(plain)]
    ranges = list(pairwise(bounds))
    lines = [Text._raw(plain[start:end], text.style, []) for start, end in ranges]
    for span_start, span_end, style in text.spans:
        for (start, end), line in zip(ranges, lines, strict=True):
            new_start, new_end = max(0, span_start - start), min(span_end - start, end - start)
            if new_end > new_start:
                line.spans.append((new_start, new_end, style))
    return lines


def _split_lines(text: Text) -> list[Text]:
    """``Text.split("\\n", allow_blank=True)``."""
    plain = text.plain
    if "\n" not in plain:
        return [Text._raw(plain, text.style, list(text.spans))]
    offsets: list[int] = []
    for match in re.finditer("\n", plain):
        offsets.extend(match.span())
    return [line for line in _divide(text, offsets) if line.plain != "\n"]


def _expand_tabs(line: Text) -> None:
    """``Text.expand_tabs`` of one line: each tab becomes spaces up to the next multiple of 8 cells."""
    plain = line.plain
    parts = _divide(line, [match.end() for match in re.finditer("\t", plain)])
    if plain.endswith("\t"):
        parts.pop()
    position = 0
    for part in parts:
        if part.plain.endswith("\t"):
            part.plain = part.plain[:-1] + " "
            position += cell_len(part.plain)
            remainder = position % _TAB_SIZE
            if remainder:
                spaces = _TAB_SIZE - remainder
                end = len(part.plain)
                part.spans = [(s, e + spaces, st) if e >= end else (s, e, st) for s, e, st in part.spans]
                part.plain += " " * spaces
                position += spaces
        else:
            position += cell_len(part.plain)
    result = Text("").join(parts)
    line.plain, line.spans = result.plain, result.spans


def divide_line(text: str, width: int, fold: bool = True) -> list[int]:
    """``rich._wrap.divide_line``: the offsets at which ``text`` breaks to fit ``width`` cells."""
    breaks: list[int] = []
    # text rich measures one cell per character: every piece of it too (the common case, and fast)
    measure: Callable[[str], int] = len if single_cells(text) else cell_len
    if measure is len and len(text) <= width:
        return breaks
    offset = 0
    for match in _WORD.finditer(text):
        start, word = match.start(), match.group()
        length = measure(word.rstrip())
        if width - offset >= length:
            offset += measure(word)
        elif length > width:
            if fold:
                pieces = chop_cells(word, width)
                for index, piece in enumerate(pieces):
                    if start:
                        breaks.append(start)
                    if index == len(pieces) - 1:
                        offset = measure(piece)
                    else:
                        start += len(piece)
            else:
                if start:
                    breaks.append(start)
                offset = measure(word)
        elif offset and start:
            breaks.append(start)
            offset = measure(word)
    return breaks


def _truncate(line: Text, width: int, overflow: str, pad: bool = False) -> None:
    length = cell_len(line.plain)
    if length > width:
        if overflow == "ellipsis":
            line._set_plain(set_cell_size(line.plain, width - 1) + "…")
        else:
            line._set_plain(set_cell_size(line.plain, width))
    if pad and length < width:
        line.plain += " " * (width - length)


def wrap(text: Text, width: int, *, justify: str, overflow: str, no_wrap: bool) -> list[Text]:
    """``Text.wrap``: the lines ``text`` takes in ``width`` cells."""
    lines: list[Text] = []
    for line in _split_lines(text):
        if "\t" in line.plain:
            _expand_tabs(line)
        if no_wrap:
            pieces = [line]
        else:
            pieces = _divide(line, divide_line(line.plain, width, fold=overflow == "fold"))
            for piece in pieces:  # Text.rstrip_end: whitespace beyond the width (counted in characters)
                excess = len(piece.plain) - width
                trailing = _TRAILING_SPACE.search(piece.plain) if excess > 0 else None
                if trailing is not None:
                    amount = min(len(trailing.group()), excess)
                    piece._crop_spans(len(piece.plain) - amount)
                    piece.plain = piece.plain[:-amount]
        for piece in pieces:
            if justify == "left":
                _truncate(piece, width, overflow, pad=True)
            _truncate(piece, width, overflow)
        lines.extend(pieces)
    return lines


# ---------------------------------------------------------------- segments and lines


def segments(line: Text) -> list[Segment]:
    """``Text.render`` of one wrapped line: runs of text between span boundaries, with the styles over them."""
    plain = line.plain
    spans = [(0, len(plain), line.style), *line.spans] if line.style else line.spans
    if not spans:
        return [(plain, _NO_STYLE)]
    cuts = sorted({0, len(plain), *(s for s, _, _ in spans), *(e for _, e, _ in spans)})
    out: list[Segment] = []
    for start, end in pairwise(cuts):
        if end > start:
            styles = tuple(style for s, e, style in spans if s <= start < e)
            out.append((plain[start:end], styles))
    return out


def adjust(line: list[Segment], length: int, pad: bool) -> list[Segment]:
    """``Segment.adjust_line_length``: crop ``line`` to ``length`` cells, or pad it with spaces."""
    size = sum(cell_len(text) for text, _ in line)
    if size < length:
        return [*line, (" " * (length - size), _NO_STYLE)] if pad else line
    if size == length:
        return line
    out: list[Segment] = []
    size = 0
    for text, styles in line:
        cells = cell_len(text)
        if size + cells < length:
            out.append((text, styles))
            size += cells
        else:
            out.append((set_cell_size(text, length - size), styles))
            break
    return out


def _ratio_reduce(total: int, ratios: list[int], maximums: list[int], values: list[int]) -> list[int]:
    """``rich._ratio.ratio_reduce``."""
    ratios = [ratio if maximum else 0 for ratio, maximum in zip(ratios, maximums, strict=True)]
    total_ratio = sum(ratios)
    if not total_ratio:
        return values[:]
    remaining = total
    result: list[int] = []
    for ratio, maximum, value in zip(ratios, maximums, values, strict=True):
        if ratio and total_ratio > 0:
            distributed = min(maximum, round(ratio * remaining / total_ratio))
            result.append(value - distributed)
            remaining -= distributed
            total_ratio -= ratio
        else:
            result.append(value)
    return result


def _widest_line(plain: str, room: int) -> int:
    """The maximum of rich's measurement of a text cell with ``room`` cells available."""
    if room < 1:
        return 0
    lines = plain.splitlines()
    return min(max(map(cell_len, lines)) if lines else 0, room)


def grid_widths(prefix: str, body: str, width: int) -> tuple[int, int]:
    """``Table._calculate_column_widths`` of a grid row: a fixed first column, a wrapping second."""
    widths = [_widest_line(prefix, width) or 1, _widest_line(body, width) or 1]
    if sum(widths) > width:
        wrapable = [False, True]
        excess = sum(widths) - width
        while sum(widths) and excess > 0:  # Table._collapse_widths
            widest = max(w for w, ok in zip(widths, wrapable, strict=True) if ok)
            second = max(w if ok and w != widest else 0 for w, ok in zip(widths, wrapable, strict=True))
            ratios = [1 if (w == widest and ok) else 0 for w, ok in zip(widths, wrapable, strict=True)]
            if not any(ratios) or not widest - second:
                break
            widths = _ratio_reduce(excess, ratios, [min(excess, widest - second)] * 2, widths)
            excess = sum(widths) - width
        if sum(widths) > width:
            widths = _ratio_reduce(sum(widths) - width, [1, 1], widths, widths)
        widths = [_widest_line(prefix, widths[0]), _widest_line(body, widths[1])]
    return widths[0], widths[1]


@functools.cache
def sgr(styles: tuple[str, ...]) -> str:
    """The SGR parameters rich's ``standard`` colour system writes for ``styles`` combined (later wins)."""
    attributes: set[int] = set()
    colour: int | None = None
    background: int | None = None
    for style in styles:
        words = iter(style.split())
        for word in words:
            if word == "on":
                background = _COLOURS[next(words)]
            elif word in _ATTRIBUTES:
                attributes.add(_ATTRIBUTES[word])
            else:
                colour = _COLOURS[word]
    codes = [str(code) for code in sorted(attributes)]
    if colour is not None:
        codes.append(str(30 + colour))
    if background is not None:
        codes.append(str(40 + background))
    return ";".join(codes)


_ATTRIBUTES = {"bold": 1, "dim": 2, "italic": 3, "underline": 4}
_COLOURS = {"black": 0, "red": 1, "green": 2, "yellow": 3, "blue": 4, "magenta": 5, "cyan": 6, "white": 7}


class Page:
    """A ``rich.console.Console`` printing into memory: the lines so far, as text."""

    def __init__(self, width: int, color: bool) -> None:
        self.width = width
        self.color = color
        self._out: list[str] = []

    def _emit(self, line: list[Segment]) -> None:
        if self.color:
            self._out.extend(f"\x1b[{sgr(st)}m{t}\x1b[0m" if t and st and sgr(st) else t for t, st in line)
        else:
            self._out.extend(t for t, _ in line)
        self._out.append("\n")

    def _fit(self, line: Text, width: int, pad: bool) -> list[Segment]:
        """One wrapped line cropped (or padded) to ``width`` cells, as segments."""
        plain = line.plain
        if not self.color and single_cells(plain):
            # no styles to show and one cell per character: cropping and padding are slicing
            size = len(plain)
            if size < width:
                return [(plain + " " * (width - size) if pad else plain, _NO_STYLE)]
            return [(plain[:width], _NO_STYLE)]
        return adjust(segments(line), width, pad)

    def blank(self) -> None:
        """``console.print()``."""
        if self.width >= 1:
            self._out.append("\n")

    def print(self, text: Text) -> None:
        """``console.print(text)``: word-wrapped to the width."""
        if self.width < 1:
            return
        joined = Text("").join([text])
        for line in wrap(joined, self.width, justify="default", overflow="fold", no_wrap=False):
            self._emit(self._fit(line, self.width, pad=False))

    def _cell(self, text: Text, width: int, *, no_wrap: bool, overflow: str) -> list[list[Segment]]:
        if width < 1:
            return []
        lines = wrap(text, width, justify="left", overflow=overflow, no_wrap=no_wrap)
        return [self._fit(line, width, pad=True) for line in lines]

    def hanging(self, prefix: Text | str, body: Text | str) -> None:
        """``prefix`` then ``body``, continuation lines of ``body`` under its first line (a rich grid row)."""
        if self.width < 1:
            return
        head = prefix if isinstance(prefix, Text) else Text(prefix)
        rest = body if isinstance(body, Text) else Text(body)
        left, right = grid_widths(head.plain, rest.plain, self.width)
        first = self._cell(head, left, no_wrap=True, overflow="ellipsis")
        second = self._cell(rest, right, no_wrap=False, overflow="fold")
        for index in range(max(1, len(first), len(second))):
            line = first[index] if index < len(first) else [(" " * left, _NO_STYLE)]
            line = line + (second[index] if index < len(second) else [(" " * right, _NO_STYLE)])
            self._emit(adjust(line, self.width, pad=False))

    def getvalue(self) -> str:
        return "".join(self._out)
