"""Styled text laid out in terminal cells: the text report's page.

The layout is shipwarden's own and small:

* :class:`Text` — plain text plus ``(start, end, style)`` spans and a base
  style. BEL, BS, VT, FF and CR are dropped on the way in (repository text has
  been neutralised by ``reporting.emit`` before it gets here; these would only
  move the cursor).
* :meth:`Page.print` — each line of a text word-wrapped to the page width: a
  line breaks before the word that would cross the width and the whitespace at
  the break is dropped; a word wider than the page is cut into pieces that fill
  whole lines; a tab moves to the next multiple of 8 cells.
* :meth:`Page.hanging` — a prefix, then a text wrapped in the room beside it,
  its continuation lines indented by the prefix's width (``"  also: "`` …).
  When less than :data:`MIN_ROOM` cells are left beside the prefix, the text
  goes on the lines under it instead.
* :meth:`Page.crop` — one line cut at the width, never wrapped (source lines,
  so the carets under them stay aligned).
* With colour, each run of text between span boundaries is written as
  ``ESC[<codes>m … ESC[0m`` (ANSI SGR: bold, dim, underline, the eight standard
  colours and their backgrounds).

Widths are terminal cells, character by character: a narrow letter, digit,
punctuation mark, symbol or space is one cell by :mod:`unicodedata`; anything
else (a CJK character or an emoji takes two, a combining mark none, a character
the terminal cannot place none) is :func:`wcwidth.wcwidth`'s answer. Text that
is ASCII is measured by its length.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

Span = tuple[int, int, str]

#: Control characters dropped from text (bell, backspace, vertical tab, form feed, carriage return).
_STRIP = dict.fromkeys((7, 8, 11, 12, 13))
#: A word with the whitespace after it, or a run of whitespace at the start of a line.
_TOKEN = re.compile(r"\S+\s*|\s+")
_TAB_SIZE = 8
#: Fewest cells a hanging text gets beside its prefix before it moves under it.
MIN_ROOM = 16


#: East Asian widths of characters one cell wide when :mod:`unicodedata` alone settles them.
_NARROW = frozenset(("Na", "N", "A", "H"))


@functools.lru_cache(maxsize=8192)
def _width(char: str) -> int:
    category = unicodedata.category(char)
    # a narrow letter, digit, punctuation mark, symbol or space (the report's own "·│—…→"
    # among them) is one cell; Hangul medial and final jamo are the narrow letters that are not
    if (
        unicodedata.east_asian_width(char) in _NARROW
        and (category[0] in "LNPS" or category == "Zs")
        and not ("\u1160" <= char <= "\u11ff" or "\ud7b0" <= char <= "\ud7ff")
    ):
        return 1
    # start-up: importing wcwidth loads its whole package (~60 ms); only wide, zero-width,
    # control and unassigned characters need it
    from wcwidth import wcwidth

    return max(wcwidth(char), 0)


def char_width(char: str) -> int:
    """Cells one character takes (0 for what the terminal does not advance over)."""
    if " " <= char <= "~":
        return 1
    return _width(char)


def cell_len(text: str) -> int:
    """Cells ``text`` takes on a terminal."""
    if text.isascii():
        return len(text) if text.isprintable() else sum(1 for c in text if " " <= c <= "~")
    # character by character, as lines are cut: an emoji sequence joined by U+200D counts
    # each of its emoji (a terminal that draws it as one leaves room, never an overflow);
    # counted per distinct character (the report's "│", "—", "…" are one cell each)
    cells = len(text)
    for char in set(text).difference(_PRINTABLE_ASCII):
        width = _width(char)
        if width != 1:
            cells += (width - 1) * text.count(char)
    return cells


#: The characters ``char_width`` counts as one cell without asking (space to tilde).
_PRINTABLE_ASCII = frozenset(map(chr, range(0x20, 0x7F)))


def _one_cell_each(text: str) -> bool:
    """Does every character of ``text`` take one cell (so its cells are its length)?"""
    if text.isascii():
        return text.isprintable()
    return all(_width(char) == 1 for char in set(text).difference(_PRINTABLE_ASCII))


def _stripped(text: str) -> str:
    """``text`` without the controls of :data:`_STRIP` (a printable text holds none)."""
    return text if text.isprintable() else text.translate(_STRIP)


class Text:
    """Plain text with styled spans."""

    __slots__ = ("plain", "spans", "style")

    def __init__(self, plain: str = "", style: str = "") -> None:
        self.plain = _stripped(plain)
        self.style = style
        self.spans: list[Span] = []

    @classmethod
    def assemble(cls, *parts: str | Text | tuple[str, str]) -> Text:
        """Strings, ``(string, style)`` pairs and texts, one after another."""
        text = cls()
        for part in parts:
            if isinstance(part, tuple):
                text.append(*part)
            elif isinstance(part, Text):
                text.append_text(part)
            else:
                text.append(part)
        return text

    def append(self, text: str, style: str = "") -> Text:
        clean = _stripped(text)
        if clean and style:
            self.spans.append((len(self.plain), len(self.plain) + len(clean), style))
        self.plain += clean
        return self

    def append_text(self, text: Text) -> Text:
        offset = len(self.plain)
        if text.style and text.plain:
            self.spans.append((offset, offset + len(text.plain), text.style))
        self.spans.extend((start + offset, end + offset, style) for start, end, style in text.spans)
        self.plain += text.plain
        return self

    def __add__(self, other: Text) -> Text:
        result = Text(style=self.style)
        result.plain, result.spans = self.plain, list(self.spans)
        return result.append_text(other)

    def join(self, texts: Iterable[Text]) -> Text:
        """``texts`` with this text between them."""
        out = Text()
        for index, text in enumerate(texts):
            if index:
                out.append_text(self)
            out.append_text(text)
        return out

    def slice(self, start: int, end: int) -> Text:
        """The characters ``start:end`` with the styles over them (the base style kept)."""
        out = Text(style=self.style)
        out.plain = self.plain[start:end]
        if self.spans:
            out.spans = [
                (max(a, start) - start, min(b, end) - start, s) for a, b, s in self.spans if a < end and b > start
            ]
        return out

    def key(self, color: bool) -> object:
        """What :meth:`render` and the layout of this text depend on (its styles only with ``color``)."""
        return (self.plain, self.style, tuple(self.spans)) if color else self.plain

    def render(self, color: bool) -> str:
        """The text, with SGR sequences for its styles when ``color``."""
        if not color or not (self.style or self.spans):
            return self.plain
        cuts = sorted({0, len(self.plain), *(a for a, _, _ in self.spans), *(b for _, b, _ in self.spans)})
        out: list[str] = []
        for start, end in zip(cuts, cuts[1:], strict=False):
            piece = self.plain[start:end]
            styles = ([self.style] if self.style else []) + [s for a, b, s in self.spans if a <= start and end <= b]
            codes = sgr(tuple(styles))
            out.append(f"\x1b[{codes}m{piece}\x1b[0m" if codes and piece else piece)
        return "".join(out)


def _expand_tabs(text: Text) -> Text:
    if "\t" not in text.plain:
        return text
    out = Text(style=text.style)
    column, start = 0, 0
    pieces: list[tuple[int, int]] = []  # (old offset, new offset) at each tab's end
    plain: list[str] = []
    for index, char in enumerate(text.plain):
        if char == "\t":
            plain.append(text.plain[start:index])
            column += cell_len(text.plain[start:index])
            pad = _TAB_SIZE - column % _TAB_SIZE
            plain.append(" " * pad)
            column += pad
            start = index + 1
            pieces.append((start, sum(len(p) for p in plain)))
    plain.append(text.plain[start:])
    out.plain = "".join(plain)

    def move(offset: int) -> int:
        shift = 0
        for old, new in pieces:
            if old <= offset:
                shift = new - old
        return offset + shift

    out.spans = [(move(a), move(b), s) for a, b, s in text.spans]
    return out


def breaks(plain: str, width: int) -> list[int]:
    """Offsets at which ``plain`` (one line, no tabs) breaks to fit ``width`` cells."""
    if (len(plain) <= width and plain.isascii()) or cell_len(plain) <= width:
        return []
    # one cell a character (most lines): the cells of a part are its length
    uniform = width >= 1 and _one_cell_each(plain)
    cells_of = len if uniform else cell_len
    out: list[int] = []
    column = 0
    words = False  # whether the line being filled holds a word yet (not only indentation)
    for match in _TOKEN.finditer(plain):
        token, start = match.group(), match.start()
        word = token.rstrip()
        size = cells_of(word)
        if column + size <= width:
            column += cells_of(token)
            words = words or bool(word)
            continue
        if words:
            out.append(start)
            column = 0
        if size > width - column:
            # a word wider than the room left (a whole line, or what indentation leaves): cut it
            column = _cut_uniform(start, size, column, width, out) if uniform else _cut(word, start, column, width, out)
            column += cells_of(token[len(word) :])
        else:
            column = cells_of(token)
        words = True
    return out


def _cut(word: str, start: int, column: int, width: int, out: list[int]) -> int:
    """Cut ``word`` (at offset ``start``, begun at ``column``) where it crosses ``width``:
    the offsets of the cuts appended to ``out``; the column after it returned."""
    for index, char in enumerate(word):
        cells = char_width(char)
        if column + cells > width and column:
            out.append(start + index)
            column = 0
        column += cells
    return column


def _cut_uniform(start: int, length: int, column: int, width: int, out: list[int]) -> int:
    """:func:`_cut` of a word of ``length`` characters of one cell each (``width`` >= 1):
    the first cut where the line is full, then one every ``width`` characters."""
    first = max(width - column, 0)
    if first >= length:
        return column + length
    cuts = range(first, length, width)
    out.extend(start + index for index in cuts)
    return length - cuts[-1]


def _crop(plain: str, width: int) -> int:
    """How many characters of ``plain`` fit in ``width`` cells."""
    if plain.isascii():
        return min(len(plain), width)
    if _one_cell_each(plain):
        return max(min(len(plain), width), 0)
    column = 0
    for index, char in enumerate(plain):
        column += char_width(char)
        if column > width:
            return index
    return len(plain)


def wrap(text: Text, width: int) -> list[Text]:
    """``text`` as lines of at most ``width`` cells (a single wide character at width 1 excepted).
    (A text of one line that fits is returned as the one line: lines are not changed in place.)"""
    if "\n" not in text.plain:
        line = _expand_tabs(text)
        cuts = breaks(line.plain, width)
        if not cuts and (line.plain.isascii() or _one_cell_each(line.plain)) and len(line.plain) <= width:
            return [line]
        return _pieces(line, cuts, width)
    lines: list[Text] = []
    start = 0
    for paragraph in text.plain.split("\n"):
        line = _expand_tabs(text.slice(start, start + len(paragraph)))
        start += len(paragraph) + 1
        lines += _pieces(line, breaks(line.plain, width), width)
    return lines


def _pieces(line: Text, cuts: list[int], width: int) -> list[Text]:
    """``line`` (one paragraph, tabs expanded) cut at ``cuts``, each piece cropped to ``width``."""
    lines: list[Text] = []
    bounds = [0, *cuts, len(line.plain)]
    for a, b in zip(bounds, bounds[1:], strict=False):
        # trailing whitespace is dropped when the line is written (Page._emit)
        piece = line.slice(a, b)
        lines.append(piece.slice(0, _crop(piece.plain, width)) if cell_len(piece.plain) > width else piece)
    return lines


@functools.cache
def sgr(styles: tuple[str, ...]) -> str:
    """The SGR parameters of ``styles`` combined (a later colour wins)."""
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
    """Lines of the report so far, as text."""

    def __init__(self, width: int, color: bool) -> None:
        self.width = max(width, 1)
        self.color = color
        self._out: list[str] = []
        #: the lines :meth:`hanging` wrote for each prefix and body it was given (a
        #: report repeats many: help links, hops, locations)
        self._hung: dict[tuple[object, object], list[str]] = {}

    def _emit(self, text: Text) -> None:
        end = len(text.plain.rstrip())
        self._out.append((text.slice(0, end) if end < len(text.plain) else text).render(self.color))
        self._out.append("\n")

    def blank(self) -> None:
        self._out.append("\n")

    def print(self, text: Text) -> None:
        """``text`` word-wrapped to the width."""
        for line in wrap(text, self.width):
            self._emit(line)

    def crop(self, text: Text) -> None:
        """Each line of ``text`` cut at the width, never wrapped."""
        if "\n" not in text.plain and "\t" not in text.plain:
            end = _crop(text.plain, self.width)
            self._emit(text if end == len(text.plain) else text.slice(0, end))
            return
        start = 0
        for paragraph in text.plain.split("\n"):
            line = _expand_tabs(text.slice(start, start + len(paragraph)))
            start += len(paragraph) + 1
            self._emit(line.slice(0, _crop(line.plain, self.width)))

    def hanging(self, prefix: Text | str, body: Text | str) -> None:
        """``prefix`` then ``body``, continuation lines of ``body`` indented under its first line."""
        head = prefix if isinstance(prefix, Text) else Text(prefix)
        rest = body if isinstance(body, Text) else Text(body)
        key = (head.key(self.color), rest.key(self.color))
        done = self._hung.get(key)
        if done is None:
            start = len(self._out)
            self._hang(head, rest)
            self._hung[key] = self._out[start:]
        else:
            self._out += done

    def _hang(self, head: Text, rest: Text) -> None:
        indent = cell_len(head.plain)
        if self.width - indent < MIN_ROOM:
            self.print(head)
            self.print(rest)
            return
        lines = wrap(rest, self.width - indent) or [Text()]
        self._emit(head + lines[0])
        pad = Text(" " * indent)
        for line in lines[1:]:
            self._emit(pad + line)

    def getvalue(self) -> str:
        return "".join(self._out)
