"""The streaming source-map reader agrees with json.loads at every chunk size."""

from __future__ import annotations

import base64
import json
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from shipwarden.packaging.sourcemap import InlineMapScanner, SourceMapParser, parse_source_map

text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60)
source_text = st.lists(
    st.sampled_from(["a", "\n", "\\", '"', "\\n", "é", "\t", "/", "€", "\r\n", "x" * 5]), max_size=40
).map("".join)


def expected_lines(content: str) -> int:
    return content.count("\n") + (0 if content.endswith("\n") else 1)


@settings(max_examples=150, deadline=None)
@given(
    sources=st.lists(text, min_size=0, max_size=5),
    contents=st.lists(st.one_of(st.none(), source_text), max_size=5),
    chunk=st.integers(min_value=1, max_value=64),
    extra=st.dictionaries(
        st.sampled_from(["x_google_ignoreList", "names", "file", "sourceRoot"]),
        st.one_of(st.integers(), st.lists(st.integers(), max_size=3), text, st.booleans(), st.none()),
    ),
)
def test_streamed_counts_match_json(sources, contents, chunk, extra) -> None:  # type: ignore[no-untyped-def]
    doc = {"version": 3, **extra, "sources": sources, "sourcesContent": contents, "mappings": "AA;AC"}
    raw = json.dumps(doc, ensure_ascii=bool(chunk % 2)).encode()
    seen: dict[tuple[int, int], str] = {}
    parser = SourceMapParser(on_content=lambda ref, t: seen.__setitem__(ref, t))
    for i in range(0, len(raw), chunk):
        parser.feed(raw[i : i + chunk])
    summary = parser.close()
    assert summary.error == ""
    assert summary.sources == sources
    present = [(i, c) for i, c in enumerate(contents) if c]
    assert [o.lines for o in summary.originals] == [expected_lines(c) for _, c in present]
    assert sorted(seen.values()) == sorted(c for _, c in present)
    if isinstance(extra.get("sourceRoot"), str):
        assert summary.source_root == extra["sourceRoot"]


def test_index_maps_with_sections() -> None:
    inner = lambda n: {"version": 3, "sources": [f"s{n}.ts"], "sourcesContent": [f"a\nb{n}"], "mappings": ""}  # noqa: E731
    doc = {"version": 3, "sections": [{"offset": {"line": 0, "column": 0}, "map": inner(i)} for i in range(3)]}
    summary = parse_source_map(json.dumps(doc).encode())
    assert [o.path for o in summary.originals] == ["s0.ts", "s1.ts", "s2.ts"] and summary.content_lines == 6


def test_not_a_map() -> None:
    assert parse_source_map(b"<html>").error
    assert parse_source_map(b'{"version": 3, "sources": ["a"').error == "truncated JSON"


def test_inline_scanner_across_chunks() -> None:
    doc = json.dumps({"version": 3, "sources": ["a.ts"], "sourcesContent": ["x\ny\nz"], "mappings": ""}).encode()
    js = b"let a\n" * 3 + b"//# sourceMappingURL=data:application/json;base64," + base64.b64encode(doc) + b"\n"
    for chunk in (1, 3, 7, 4096):
        scanner = InlineMapScanner()
        for i in range(0, len(js), chunk):
            scanner.feed(js[i : i + chunk])
        (summary,) = scanner.close()
        assert summary.content_lines == 3 and scanner.lines == [4]


def test_inline_percent_encoded_and_external_urls() -> None:
    scanner = InlineMapScanner()
    scanner.feed(
        b"//# sourceMappingURL=data:application/json,%7B%22version%22%3A3%2C%22sources%22%3A%5B%22q.ts%22%5D%7D\n"
    )
    scanner.feed(b"//# sourceMappingURL=app.js.map\n")
    (summary,) = scanner.close()
    assert summary.sources == ["q.ts"] and not summary.originals


def test_large_map_is_streamed_in_bounded_memory() -> None:
    import tracemalloc

    content = "const x = 'a';\n" * 20_000  # 300 KB per file
    doc = {
        "version": 3,
        "sources": [f"f{i}.ts" for i in range(40)],
        "sourcesContent": [content] * 40,
        "mappings": "A;" * 100000,
    }
    raw = json.dumps(doc).encode()
    tracemalloc.start()
    parser = SourceMapParser()
    for i in range(0, len(raw), 1 << 20):
        parser.feed(raw[i : i + (1 << 20)])
    summary = parser.close()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert summary.content_files == 40 and summary.content_lines == 40 * 20_000
    assert peak < 8 * 1024 * 1024, peak  # a 12 MB map, never held whole


_OLD_BODY = re.compile(rb'[^"\\]*(?:\\.[^"\\]*)*', re.S)


@given(st.binary(max_size=40).map(lambda b: b.replace(b"\x00", b"")), st.integers(0, 5))
@settings(max_examples=300)
def test_string_end_agrees_with_the_regex_it_replaced(buf: bytes, pos: int) -> None:
    from shipwarden.packaging.sourcemap import _string_end

    buf = bytes(c for c in buf if c in b'ab"\\n') or b"a"
    pos = min(pos, len(buf))
    m = _OLD_BODY.match(buf, pos)
    end = m.end() if m else pos
    closed = end < len(buf) and buf[end : end + 1] == b'"'
    assert _string_end(buf, pos) == (end, closed)


def test_names_array_is_skipped_in_one_step_and_sources_still_read() -> None:
    doc = {
        "version": 3,
        "names": ["a", 'b"c', "d\\e", 1, None],
        "sources": ["../src/a.ts", "../src/b.ts"],
        "sourcesContent": ["x\ny\n", None],
        "mappings": "AAAA",
        "ignoreList": [0],
    }
    raw = json.dumps(doc).encode()
    for size in (1, 7, len(raw)):
        parser = SourceMapParser(lambda ref, text: None)
        for i in range(0, len(raw), size):
            parser.feed(raw[i : i + size])
        summary = parser.close()
        assert summary.sources == ["../src/a.ts", "../src/b.ts"] and not summary.error
        assert [(o.path, o.lines) for o in summary.originals] == [("../src/a.ts", 2)]
