"""Streaming source-map reader: what ``sources``/``sourcesContent`` give away, in bounded memory.

A source map can be tens of megabytes (the leaked ``cli.js.map`` was 59.8 MB).
:class:`SourceMapParser` is fed bytes chunk by chunk and never holds a whole
string: it counts the files and lines in ``sourcesContent`` by scanning JSON
escapes in place, keeps the ``sources`` paths (short strings), and can hand a
bounded, decoded prefix of each original file to a callback (for secret
scanning). Index maps (``sections``) are handled: every object holding
``sources``/``sourcesContent`` is one map.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import orjson

_WS = re.compile(rb"[ \t\r\n]*")
_SCALAR = re.compile(rb"-?[0-9][0-9.eE+-]*|true|false|null")
#: A whole array of strings and scalars (no nested array or object): ``names``, ``ignoreList``.
# possessive quantifiers: an array cut by the chunk boundary (no `]` yet) fails in linear
# time instead of backtracking exponentially over its items
_FLAT_ARRAY = re.compile(rb'\[(?:[^\[\]{}"]++|"[^"\\]*+(?:\\.[^"\\]*+)*+")*+\]', re.S)
#: Keys whose values the summary needs; any other key's flat array is skipped in one step.
_KEPT = frozenset({"sources", "sourcesContent", "sourceRoot", "sections", "map"})

#: Bytes of a key, ``sources`` entry or ``sourceRoot`` kept for decoding.
SMALL_STRING = 2048
#: Most ``sources`` entries remembered per map.
MAX_SOURCES = 200_000

#: Called with (ref, decoded prefix of one original file) as soon as it is read;
#: ``SourceMapSummary.path_of(ref)`` names the file once parsing is done.
SourceRef = tuple[int, int]
ContentCallback = Callable[[SourceRef, str], None]


@dataclass(slots=True)
class OriginalFile:
    """One original source file carried in ``sourcesContent``."""

    path: str
    lines: int
    size: int


@dataclass(slots=True)
class SourceMapSummary:
    #: Every ``sources`` entry (all maps of an index map, in order).
    sources: list[str] = field(default_factory=list)
    #: Sources whose text is embedded in ``sourcesContent`` (non-null entries).
    originals: list[OriginalFile] = field(default_factory=list)
    source_root: str = ""
    #: Set when the input was not a (complete) JSON source map.
    error: str = ""
    _names: dict[int, list[str]] = field(default_factory=dict, repr=False)

    def path_of(self, ref: SourceRef) -> str:
        owner, index = ref
        names = self._names.get(owner, [])
        return names[index] if index < len(names) and names[index] else f"<source #{index}>"

    @property
    def is_map(self) -> bool:
        return not self.error or bool(self.sources or self.originals)

    @property
    def content_files(self) -> int:
        return len(self.originals)

    @property
    def content_lines(self) -> int:
        return sum(o.lines for o in self.originals)

    @property
    def content_bytes(self) -> int:
        return sum(o.size for o in self.originals)


@dataclass(slots=True)
class _Frame:
    is_obj: bool
    ident: int
    key: str = ""
    expect: str = "value"  # obj: key|colon|value|comma ; arr: value|comma
    index: int = 0


@dataclass(slots=True)
class _Str:
    role: str  # key | source | content | root | skip
    owner: int
    index: int
    raw: bytearray = field(default_factory=bytearray)
    newlines: int = 0
    size: int = 0
    ends_nl: bool = False
    overflow: bool = False


class SourceMapParser:
    """Incremental parser; call :meth:`feed` with chunks, then :meth:`close`."""

    def __init__(
        self,
        on_content: ContentCallback | None = None,
        capture_limit: int = 256 * 1024,
        capture_budget: int = 8 * 1024 * 1024,
    ) -> None:
        self._buf = b""
        self._stack: list[_Frame] = []
        self._str: _Str | None = None
        self._done = False
        self._error = ""
        self._ids = 0
        self._on_content = on_content
        self._capture = capture_limit if on_content else 0
        capture_budget = capture_budget if on_content else 0
        self._sources: dict[int, list[str]] = {}
        self._contents: dict[int, dict[int, tuple[int, int]]] = {}
        self._budget = capture_budget
        #: Bytes of sourcesContent not handed to ``on_content`` (budget spent).
        self.uncaptured = 0
        self._root = ""
        self._order: list[int] = []

    # -- public ---------------------------------------------------------------

    def feed(self, data: bytes) -> None:
        if self._error or self._done:
            return
        self._buf = self._buf + data if self._buf else data
        try:
            self._run(final=False)
        except _Malformed as exc:
            self._error = str(exc)
            self._buf = b""

    def close(self) -> SourceMapSummary:
        if not self._error and not self._done:
            try:
                self._run(final=True)
            except _Malformed as exc:
                self._error = str(exc)
            if not self._error and not self._done:
                self._error = "truncated JSON"
        summary = SourceMapSummary(source_root=self._root, error=self._error, _names=self._sources)
        for owner in self._order:
            names = self._sources.get(owner, [])
            summary.sources.extend(names)
            for index, (lines, size) in sorted(self._contents.get(owner, {}).items()):
                summary.originals.append(OriginalFile(summary.path_of((owner, index)), lines, size))
        return summary

    # -- machinery -------------------------------------------------------------

    def _new_id(self) -> int:
        self._ids += 1
        return self._ids

    def _run(self, final: bool) -> None:
        buf = self._buf
        pos = 0
        n = len(buf)
        while True:
            if self._str is not None:
                pos, closed = self._string_body(buf, pos, final)
                if not closed:
                    break
                continue
            pos = _WS.match(buf, pos).end()  # type: ignore[union-attr]
            if pos >= n:
                break
            if self._done:
                break
            c = buf[pos : pos + 1]
            top = self._stack[-1] if self._stack else None
            if top is None:
                if c != b"{":
                    raise _Malformed("not a JSON object")
                self._push(True)
                pos += 1
                continue
            if top.is_obj:
                if top.expect == "key":
                    if c == b"}" and top.index == 0:
                        pos = self._pop(pos)
                        continue
                    if c != b'"':
                        raise _Malformed("expected a key")
                    self._str = _Str("key", top.ident, 0)
                    pos += 1
                    continue
                if top.expect == "colon":
                    if c != b":":
                        raise _Malformed("expected ':'")
                    top.expect = "value"
                    pos += 1
                    continue
                if top.expect == "comma":
                    if c == b",":
                        top.expect = "key"
                        top.index += 1
                        pos += 1
                        continue
                    if c == b"}":
                        pos = self._pop(pos)
                        continue
                    raise _Malformed("expected ',' or '}'")
            else:
                if top.expect == "comma":
                    if c == b",":
                        top.expect = "value"
                        top.index += 1
                        pos += 1
                        continue
                    if c == b"]":
                        pos = self._pop(pos)
                        continue
                    raise _Malformed("expected ',' or ']'")
                if c == b"]" and top.index == 0:
                    pos = self._pop(pos)
                    continue
            # a value
            if c == b"{":
                self._push(True)
                pos += 1
            elif c == b"[":
                skipped = None if (top.is_obj and top.key in _KEPT) else _FLAT_ARRAY.match(buf, pos)
                if skipped is not None:
                    # 230,000 `names` entries in next 16.5.0's maps: one regex step, not one per string
                    pos = skipped.end()
                    self._after_value()
                    continue
                self._push(False)
                pos += 1
            elif c == b'"':
                self._str = self._value_string()
                pos += 1
            else:
                m = _SCALAR.match(buf, pos)
                if m is None:
                    if not final and n - pos < 8:
                        break  # a literal cut by the chunk boundary
                    raise _Malformed("unexpected character")
                if m.end() == n and not final:
                    break  # a number may continue in the next chunk
                self._scalar(buf[pos : m.end()])
                pos = m.end()
        self._buf = buf[pos:]

    def _push(self, is_obj: bool) -> None:
        frame = _Frame(is_obj, self._new_id(), expect="key" if is_obj else "value")
        self._stack.append(frame)

    def _pop(self, pos: int) -> int:
        self._stack.pop()
        self._after_value()
        if not self._stack:
            self._done = True
        return pos + 1

    def _after_value(self) -> None:
        if self._stack:
            self._stack[-1].expect = "comma"

    def _value_string(self) -> _Str:
        stack = self._stack
        top = stack[-1]
        if not top.is_obj and len(stack) >= 2 and stack[-2].is_obj:
            parent = stack[-2]
            if parent.key == "sources":
                return _Str("source", parent.ident, top.index)
            if parent.key == "sourcesContent":
                return _Str("content", parent.ident, top.index)
        if top.is_obj and len(stack) == 1 and top.key == "sourceRoot":
            return _Str("root", top.ident, 0)
        return _Str("skip", 0, 0)

    def _scalar(self, token: bytes) -> None:
        top = self._stack[-1]
        if token == b"null" and not top.is_obj and len(self._stack) >= 2:
            parent = self._stack[-2]
            if parent.is_obj and parent.key == "sources":
                self._sources_list(parent.ident).append("")
        self._after_value()

    def _sources_list(self, owner: int) -> list[str]:
        if owner not in self._sources:
            self._sources[owner] = []
            if owner not in self._order:
                self._order.append(owner)
        return self._sources[owner]

    def _string_body(self, buf: bytes, pos: int, final: bool) -> tuple[int, bool]:
        s = self._str
        assert s is not None
        end, closed = _string_end(buf, pos)
        segment = buf[pos:end]
        if not closed and final:
            raise _Malformed("unterminated string")
        if segment:
            self._take(s, segment)
        if not closed:
            return end, False
        self._finish_string(s)
        self._str = None
        return end + 1, True

    def _take(self, s: _Str, segment: bytes) -> None:
        role = s.role
        if role == "skip":
            return
        if role == "content":
            reduced = segment.replace(b"\\\\", b"")
            s.newlines += reduced.count(b"\\n")
            s.size += len(segment)
            s.ends_nl = _ends_with_newline_escape(segment)
            room = min(self._capture - len(s.raw), self._budget)
            if room > 0:
                piece = segment[:room]
                s.raw += piece
                self._budget -= len(piece)
            if len(segment) > max(room, 0):
                s.overflow = True
                self.uncaptured += len(segment) - max(room, 0)
            return
        if len(s.raw) < SMALL_STRING:
            s.raw += segment[: SMALL_STRING - len(s.raw)]

    def _finish_string(self, s: _Str) -> None:
        role = s.role
        top = self._stack[-1]
        if role == "key":
            top.key = _decode(bytes(s.raw))
            top.expect = "colon"
            return
        if role == "source":
            names = self._sources_list(s.owner)
            if len(names) < MAX_SOURCES:
                names.append(_decode(bytes(s.raw)))
        elif role == "content":
            if s.owner not in self._order:
                self._order.append(s.owner)
            self._sources.setdefault(s.owner, [])
            if s.size:
                lines = s.newlines + (0 if s.ends_nl else 1)
                self._contents.setdefault(s.owner, {})[s.index] = (lines, s.size)
                if self._on_content is not None and s.raw:
                    self._on_content((s.owner, s.index), _decode(bytes(s.raw)))
        elif role == "root":
            self._root = _decode(bytes(s.raw))
        self._after_value()


def _ends_with_newline_escape(segment: bytes) -> bool:
    """True when ``segment`` (cut at an escape boundary) ends with the escape ``\\n``."""
    if not segment.endswith(b"n"):
        return False
    run = len(segment) - 1 - len(segment[:-1].rstrip(b"\\"))
    return run % 2 == 1


class _Malformed(Exception):
    pass


def _string_end(buf: bytes, pos: int) -> tuple[int, bool]:
    """Where the JSON string body starting at ``pos`` ends: (index of its closing quote, True),
    or (end of what is readable in ``buf``, False) when the quote is in a later chunk; an
    escape cut by the chunk boundary is left for the next one. ``bytes.find`` runs at memory
    speed, three times a regex over the 72 MB of ``sourcesContent`` in next 16.5.0."""
    j = buf.find(b'"', pos)
    while j >= 0:
        k = j
        while k > pos and buf[k - 1] == 0x5C:
            k -= 1
        if (j - k) % 2 == 0:
            return j, True
        j = buf.find(b'"', j + 1)
    end = len(buf)
    k = end
    while k > pos and buf[k - 1] == 0x5C:
        k -= 1
    return (end - 1 if (end - k) % 2 else end), False


def _decode(raw: bytes) -> str:
    """Decode a (possibly cut) JSON string body; a cut escape at the end is dropped."""
    for cut in range(0, 7):
        body = raw[: len(raw) - cut] if cut else raw
        quoted = b'"' + body + b'"'
        try:
            value = orjson.loads(quoted)
        except orjson.JSONDecodeError:
            try:
                value = json.loads(quoted)  # lone surrogates (\ud800), which orjson refuses
            except (ValueError, UnicodeDecodeError):
                continue
        return value if isinstance(value, str) else ""
    return raw.decode("utf-8", "replace")


def parse_source_map(data: bytes, on_content: ContentCallback | None = None) -> SourceMapSummary:
    parser = SourceMapParser(on_content)
    parser.feed(data)
    return parser.close()


# ---------------------------------------------------------------------------
# inline maps: //# sourceMappingURL=data:application/json;base64,....

INLINE_MARKER = b"sourceMappingURL=data:"
_B64_CHARS = re.compile(rb"[A-Za-z0-9+/=_-]*")


class InlineMapScanner:
    """Finds ``sourceMappingURL=data:`` in a JS stream and parses the map it carries."""

    def __init__(
        self, on_content: ContentCallback | None = None, capture_budget: int = 8 * 1024 * 1024, max_header: int = 256
    ) -> None:
        self._on_content = on_content
        self._capture_budget = capture_budget
        self._max_header = max_header
        self._state = "search"  # search | header | base64 | text | done
        self._tail = b""
        self._header = b""
        self._b64_rest = b""
        self._text = bytearray()
        self._parser: SourceMapParser | None = None
        self.summaries: list[SourceMapSummary] = []
        #: 1-based line of the marker, counted over the stream.
        self.lines: list[int] = []
        self._line = 1

    def feed(self, chunk: bytes) -> None:
        data = self._tail + chunk
        self._tail = b""
        pos = 0
        while pos < len(data) and self._state != "done":
            if self._state == "search":
                i = data.find(INLINE_MARKER, pos)
                if i < 0:
                    keep = len(INLINE_MARKER) - 1
                    cut = max(pos, len(data) - keep)
                    self._line += data.count(b"\n", pos, cut)
                    self._tail = data[cut:]
                    return
                self._line += data.count(b"\n", pos, i)
                self.lines.append(self._line)
                pos = i + len(INLINE_MARKER)
                self._state = "header"
                self._header = b""
            elif self._state == "header":
                j = data.find(b",", pos)
                part = data[pos:] if j < 0 else data[pos:j]
                self._header += part
                if len(self._header) > self._max_header or any(c in self._header for c in b"\n\"' "):
                    self._state = "search"
                    continue
                if j < 0:
                    return
                pos = j + 1
                if self._header.split(b";")[0].strip().lower() not in (b"application/json", b""):
                    self._state = "search"
                    continue
                self._parser = SourceMapParser(self._on_content, capture_budget=self._capture_budget)
                self._state = "base64" if b"base64" in self._header.lower() else "text"
            elif self._state == "base64":
                m = _B64_CHARS.match(data, pos)
                end = m.end() if m else pos
                self._b64(data[pos:end])
                pos = end
                if end < len(data):
                    self._end_map()
            else:  # percent-encoded JSON up to the end of the line
                j = data.find(b"\n", pos)
                self._text += data[pos:] if j < 0 else data[pos:j]
                if len(self._text) > 64 * 1024 * 1024:
                    self._text.clear()
                if j < 0:
                    return
                pos = j
                self._end_map()

    def _b64(self, piece: bytes) -> None:
        data = self._b64_rest + piece
        usable = len(data) - len(data) % 4
        self._b64_rest = data[usable:]
        if usable and self._parser is not None:
            try:
                self._parser.feed(base64.b64decode(data[:usable].replace(b"-", b"+").replace(b"_", b"/")))
            except (binascii.Error, ValueError):
                self._state = "search"

    def _end_map(self) -> None:
        if self._parser is not None:
            if self._state == "text":
                from urllib.parse import unquote_to_bytes

                self._parser.feed(unquote_to_bytes(bytes(self._text)))
                self._text.clear()
            elif self._b64_rest:
                self._parser.feed(base64.b64decode(self._b64_rest + b"=" * (-len(self._b64_rest) % 4)))
                self._b64_rest = b""
            self.summaries.append(self._parser.close())
            self._parser = None
        self._state = "search"

    def close(self) -> list[SourceMapSummary]:
        if self._state in ("base64", "text"):
            self._end_map()
        self._state = "done"
        return self.summaries
