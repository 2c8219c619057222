"""The text report's layout: exact on a small report, and its properties on any report.

The property tests check the layout against what a hanging indent means: no
line wider than the page, no word lost, continuation lines indented under the
first, colour adding nothing but SGR sequences, cursor-moving controls dropped.
"""
from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reporting_sample import EXTRA, demo_options, sample_report

from shipwarden.core.catalogue import RuleMeta
from shipwarden.core.findings import Confidence, Coverage, Finding, Hop, Location, Report, ScanError, Tier
from shipwarden.reporting import RenderOptions
from shipwarden.reporting.emit import clean_report
from shipwarden.reporting.layout import MIN_ROOM, Page, Text, cell_len
from shipwarden.reporting.text import render_text

WIDTHS = (40, 60, 80, 100, 140)
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "vulnerable-release"


def test_example_scan_renders_at_every_width() -> None:
    """The example's report at every width and with colour: lines fit, colour adds only SGR sequences."""
    from shipwarden import api

    result = api.scan(api.ScanOptions(roots=(EXAMPLE,)))
    report = clean_report(result.report, terminal=True)
    assert report.findings
    for width in WIDTHS:
        _check(report, RenderOptions(docs_url="https://docs.example.invalid/rules", width=width))


def test_layout_of_a_small_report() -> None:
    """The layout, exactly: wrapped message under its tier, location, cropped source line, carets, hanging lines."""
    finding = Finding(
        "demo-a",
        2,
        Tier.P1,
        Confidence.HIGH,
        "a message long enough to wrap at forty cells wide",
        [Location("w.yml", 3, 9, 3, 14, snippet="    run: make release && echo a-long-tail-that-is-cut"),
         Location("other.yml", 7, 0, label="trigger")],
    )
    report = Report("scan", ["."], [finding])
    text = render_text(report, _options(40, color=False))
    assert text.splitlines()[:12] == [
        "shipwarden scan · .",
        "",
        "P1 (1)",
        "",
        "Row 2: CI runner trust boundaries",
        "",
        " P1  demo-a a message long enough to",
        "     wrap at forty cells wide  [high",
        "     confidence]",
        "  w.yml:3:9",
        "      3 │     run: make release && e…",
        "        │         ^^^^^",
    ]
    assert "  also: other.yml:7 (trigger)" in text
    coloured = render_text(report, _options(40, color=True))
    assert "\x1b[1;31m P1 \x1b[0m" in coloured
    assert _SGR.sub("", coloured) == text


def test_text_path_imports_no_rich() -> None:
    """Neither rendering a report as text (colour on) nor ``scan`` with the text format imports rich,
    nor wcwidth while the text has no wide or zero-width character."""
    import subprocess
    import sys

    probe = (
        "import contextlib, io, sys\n"
        "from shipwarden import cli\n"
        "from shipwarden.reporting import render\n"
        "from reporting_sample import demo_options, sample_report\n"
        "render(sample_report(), 'text', demo_options(color=True))\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        f"    cli.main(['scan', {str(EXAMPLE)!r}, '--fail-on', 'none'])\n"
        "assert 'confidence]' in out.getvalue()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('rich', 'wcwidth')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parent,
        env={"PYTHONPATH": str(Path(__file__).parent), "SHIPWARDEN_CACHE_DIR": ""},
    )
    assert done.stdout.strip() == "[]"


# ---------------------------------------------------------------- hostile and odd text

#: Long words, tabs, newlines, wide and zero-width characters, ZWJ/VS16 sequences, controls.
_CHARS = st.sampled_from(
    list("abcxyz  -./:[]$") + ["\t", "\n", "中", "文", "ｶ", "\u0301", "\u200b", "\u200d", "\ufe0f", "☺", "❤", "…"]
    + ["—", "│", "\u00ad", "\x1b", "\r", "\x07", "\x0b", "\x85", "\u2028", "\U0001f600", "\U0001f3fb", "\U0001fa75"]
)
_LONG_WORD = st.text(st.sampled_from("abcdefgh"), min_size=25, max_size=160)
_TEXT = st.lists(st.text(_CHARS, max_size=25) | _LONG_WORD | st.text(max_size=12), max_size=5).map(" ".join)
_RULES = ["demo-a", "demo-b"]


@st.composite
def _location(draw: st.DrawFn) -> Location:
    line = draw(st.integers(0, 1200))
    column = draw(st.integers(0, 300))
    return Location(
        draw(_TEXT),
        line,
        column,
        draw(st.sampled_from([0, line, line + 1])),
        draw(st.integers(0, 320)),
        label=draw(st.sampled_from(["", "trigger"]) | _TEXT),
        snippet=draw(st.sampled_from(["", "  run: echo hi"]) | _TEXT | _LONG_WORD),
    )


@st.composite
def _finding(draw: st.DrawFn) -> Finding:
    hop = st.builds(Hop, _location(), _TEXT, st.integers(1, 7))
    return Finding(
        draw(st.sampled_from(_RULES)),
        draw(st.integers(1, 7)),
        draw(st.sampled_from(list(Tier))),
        draw(st.sampled_from(list(Confidence))),
        draw(_TEXT),
        draw(st.lists(_location(), min_size=1, max_size=3)),
        hops=draw(st.lists(hop, max_size=3)),
        flows=draw(st.lists(st.lists(hop, min_size=1, max_size=2), max_size=2)),
        paths=draw(st.lists(_TEXT, max_size=2)),
        rule_tier=draw(st.none() | st.sampled_from(list(Tier))),
    )


@st.composite
def _report(draw: st.DrawFn) -> Report:
    coverage = st.builds(
        Coverage, _TEXT, _TEXT, st.just("actions"), st.integers(0, 5), st.integers(0, 5), st.integers(0, 3),
        reason=_TEXT, resolve=_TEXT,
    )
    return Report(
        draw(st.sampled_from(["scan", "paths", "deps"])),
        draw(st.lists(_TEXT, max_size=2)),
        draw(st.lists(_finding(), max_size=3)),
        errors=draw(st.lists(st.builds(ScanError, _TEXT, _TEXT, _TEXT), max_size=2)),
        stats=draw(st.dictionaries(st.sampled_from(["files", "workflows", "below_min_tier"]), st.integers(0, 9), max_size=3)),
        coverage=draw(st.lists(coverage, max_size=2)),
        suppressed=draw(st.integers(0, 3)),
    )


def _options(width: int, color: bool) -> RenderOptions:
    rules = {rule: RuleMeta(rule, 2, Tier.P1, Confidence.HIGH, rule) for rule in _RULES}
    return RenderOptions(color=color, width=width, docs_url="https://docs.example.invalid/r", rules=rules)


_SGR = re.compile(r"\x1b\[[0-9;]*m")


def _check(report: Report, options: RenderOptions) -> None:
    plain = render_text(report, dataclasses.replace(options, color=False))
    coloured = render_text(report, dataclasses.replace(options, color=True))
    # colour adds SGR sequences and nothing else
    assert _SGR.sub("", coloured) == plain
    for line in plain.splitlines():
        # a line fits the page (a lone wide character on a page 1 cell wide excepted)
        assert cell_len(line) <= max(options.width, 2), line
        # the cursor-moving controls never reach the output
        assert not set(line) & {"\r", "\x07", "\x08", "\x0b", "\x0c"}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(_report(), st.sampled_from(WIDTHS) | st.integers(1, 170))
def test_any_report_fits_the_page(report: Report, width: int) -> None:
    _check(report, _options(width, False))


# ---------------------------------------------------------------- properties of a hanging indent

_PLAIN = st.sampled_from(list("abcdefgh.-/:") + ["中", "ｶ", "\U0001f600"])
_WORDS = st.lists(st.text(_PLAIN, min_size=1, max_size=60), min_size=1, max_size=12)


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(["", "  ", "  also: ", "    12. ", "  on path: "]),
    _WORDS,
    st.sampled_from([" ", "  ", "\t"]),
    st.integers(14, 140),
)
def test_hanging_indent_properties(prefix: str, words: list[str], gap: str, width: int) -> None:
    page = Page(width, color=False)
    page.hanging(prefix, Text(gap.join(words)))
    lines = page.getvalue().splitlines()
    indent = len(prefix)
    if width - indent < MIN_ROOM:  # too little room beside the prefix: the text goes under it
        lines = lines[1:] if prefix.strip() else lines
        indent = 0
    # no line wider than the page
    assert all(cell_len(line) <= width for line in lines)
    # continuation lines sit under the first line's text
    assert all(line[:indent] == " " * indent for line in lines[1:])
    assert lines[0].startswith(prefix[:indent])
    # no word is lost or reordered: folding only cuts words into pieces
    assert "".join("".join(line[indent:].split()) for line in lines) == "".join(words)


@pytest.mark.parametrize("width", [1, 2, 5, 9])
def test_tiny_widths(width: int) -> None:
    report = sample_report()
    report.findings.extend(EXTRA)
    _check(report, dataclasses.replace(demo_options(docs_url="https://docs.example.invalid/rules"), width=width))
