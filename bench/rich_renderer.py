"""The text report as shipwarden rendered it with rich up to commit ef0e3b0: the bench's baseline.

``bench/render_text.py`` times the current renderer (``reporting/layout.py``,
no rich) against this one. Nothing in ``src/`` or ``tests/`` imports it.
"""
from __future__ import annotations

import io
from itertools import groupby

from rich.console import Console, RenderableType
from rich.table import Table
from rich.text import Text

from shipwarden.core.findings import Finding, Location, Report, Tier
from shipwarden.core.matrix import ROWS, row_title
from shipwarden.reporting import RenderOptions, rule_meta, tier_counts

TIER_STYLE = {Tier.P0: "bold white on red", Tier.P1: "bold red", Tier.P2: "bold yellow"}
_GUTTER = 7  # width of "  1234 │ "


def _where(location: Location) -> str:
    if location.line <= 0:
        return location.path
    if location.column <= 0:
        return f"{location.path}:{location.line}"
    return f"{location.path}:{location.line}:{location.column}"


def _source(location: Location, width: int) -> list[Text]:
    """The snippet line and, under it, carets marking the span."""
    if not location.snippet or location.line <= 0:
        return []
    line = location.snippet.rstrip("\r\n").replace("\t", " ")
    start = max(location.column - 1, 0)
    if location.column > 0 and location.end_line in (0, location.line) and location.end_column > location.column:
        end = location.end_column - 1
    elif location.column > 0:
        end = len(line)
    else:
        start, end = 0, 0
    end = min(max(end, start + 1 if location.column > 0 else 0), max(len(line), start + 1))

    room = max(width - _GUTTER - 4, 20)
    shift = 0
    if len(line) > room:
        # Keep the span in view: start a little before it, mark cuts with "…".
        shift = max(0, min(start - 8, len(line) - room))
        visible = line[shift : shift + room]
        if shift:
            visible = "…" + visible[1:]
        if shift + room < len(line):
            visible = visible[:-1] + "…"
        line = visible
    gutter = f"{location.line:>5} │ "
    out = [Text.assemble((gutter, "dim"), (line, ""))]
    if end > start:
        caret_start = start - shift
        caret_len = min(end - start, max(len(line) - caret_start, 1))
        out.append(Text.assemble((" " * 5 + " │ ", "dim"), " " * caret_start, ("^" * caret_len, "bold red")))
    return out


def _hanging(prefix: Text | str, body: Text | str) -> Table:
    """``prefix`` then ``body``, continuation lines of ``body`` indented under it."""
    grid = Table.grid(padding=0)
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    grid.add_row(prefix if isinstance(prefix, Text) else Text(prefix), body if isinstance(body, Text) else Text(body))
    return grid


def _finding(finding: Finding, options: RenderOptions) -> list[RenderableType]:
    meta = rule_meta(finding, options)
    head = _hanging(
        Text.assemble((f" {finding.tier.value} ", TIER_STYLE[finding.tier]), " "),
        Text.assemble(
            (finding.rule_id, "bold"),
            " ",
            finding.message,
            (f"  [{finding.confidence.value} confidence]", "dim"),
        ),
    )
    out: list[RenderableType] = [head, Text.assemble("  ", (_where(finding.primary), "cyan"))]
    for part in _source(finding.primary, options.width - 2):
        part.no_wrap = True
        part.overflow = "crop"
        out.append(Text("  ") + part)
    for extra in finding.locations[1:]:
        label = f" ({extra.label})" if extra.label else ""
        out.append(_hanging("  also: ", Text.assemble((_where(extra), "cyan"), label)))
    if finding.hops:
        out.append(Text("  attack path:"))
        for number, hop in enumerate(finding.hops, start=1):
            loc = hop.location
            where = f"{loc.path}:{loc.line}" if loc.line else loc.path
            body = Text.assemble((where, "cyan"), f" — {hop.description} ", (f"[row {hop.row}]", "dim"))
            out.append(_hanging(f"    {number}. ", body))
    if finding.flows:
        out.append(Text(f"  the same way in also reaches ({len(finding.flows)} more):"))
        first = {(h.location.path, h.location.line, h.description) for h in finding.hops}
        for flow in finding.flows:
            # only the hops this target does not share with the path shown above
            own = [h for h in flow if (h.location.path, h.location.line, h.description) not in first] or flow[-1:]
            for index, hop in enumerate(own):
                loc = hop.location
                where = f"{loc.path}:{loc.line}" if loc.line else loc.path
                body = Text.assemble((where, "cyan"), f" — {hop.description} ", (f"[row {hop.row}]", "dim"))
                out.append(_hanging("    - " if index == 0 else "      ", body))
    if finding.paths:
        out.append(_hanging("  on path: ", ", ".join(finding.paths)))
    if finding.rule_tier is not None and finding.rule_tier is not finding.tier:
        out.append(Text(f"  tier raised from {finding.rule_tier.value} because it lies on an attack path", "dim"))
    url = meta.doc_url(options.docs_url)
    if url:
        out.append(_hanging("  help: ", Text(url, "blue underline")))
    return out


def _summary(report: Report) -> Text:
    counts = tier_counts(report)
    total = len(report.findings)
    text = Text(f"{total} finding{'s' if total != 1 else ''}: ")
    text.append_text(
        Text(", ").join(Text(f"{counts[t.value]} {t.value}", TIER_STYLE[t] if counts[t.value] else "") for t in Tier)
    )
    text.append(f" · {report.suppressed} suppressed · {report.baselined} baselined")
    hidden = report.stats.get("below_min_tier", 0)
    if hidden:
        text.append(f" · {hidden} below --min-tier not shown")
    if report.errors:
        text.append(
            f" · scan incomplete ({len(report.errors)} error{'s' if len(report.errors) != 1 else ''})", "bold red"
        )
    return text


#: ``scan``/``paths`` coverage is about remote actions (``shipwarden.paths.unseen``)
_COVERAGE_HEADING = (
    "coverage: remote actions not read — if one is a composite action, its steps (cache save/restore, "
    "installs, runs) are in no rule and no attack path"
)


def _coverage_notes(console: Console, report: Report) -> None:
    """What ``scan``/``paths`` could not see (``deps`` and ``gate`` render their own coverage)."""
    notes = [c for c in report.coverage if c.unknown] if report.command in ("scan", "paths") else []
    if not notes:
        return
    console.print()
    console.print(_hanging("", Text(_COVERAGE_HEADING, "bold")))
    for c in sorted(notes, key=lambda c: c.path):
        console.print(_hanging("  ", Text.assemble((c.path, "cyan"), f": {c.unknown} {c.subject}: {c.reason}")))
    for resolve in sorted({c.resolve for c in notes if c.resolve}):
        console.print(_hanging("  ", Text(f"→ {resolve}", "dim")))


def render_text_rich(report: Report, options: RenderOptions | None = None) -> str:
    options = options or RenderOptions()
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        force_terminal=options.color,
        no_color=not options.color,
        color_system="standard" if options.color else None,
        width=options.width,
        highlight=False,
        emoji=False,
        markup=False,
        legacy_windows=False,
    )

    header = Text.assemble(("shipwarden ", "bold"), (report.command, "bold"), " · ", ", ".join(report.roots) or "-")
    if report.stats:
        header.append(" · " + ", ".join(f"{k}: {v}" for k, v in sorted(report.stats.items())), "dim")
    console.print(header)

    # every P0 before any P1 before any P2, across rows; rows group findings within a tier
    findings = report.sorted_findings()
    for tier, in_tier in groupby(findings, key=lambda f: f.tier):
        group = list(in_tier)
        console.print()
        console.print(Text(f"{tier.value} ({len(group)})", TIER_STYLE[tier]))
        for row, in_row in groupby(group, key=lambda f: f.row):
            console.print()
            title = row_title(row) if row in ROWS else f"Row {row}"
            console.print(Text(title, "bold underline"))
            for finding in in_row:
                console.print()
                for part in _finding(finding, options):
                    console.print(part)

    if report.errors:
        console.print()
        count = len(report.errors)
        console.print(
            Text(f"scan incomplete: {count} file{'s' if count != 1 else ''} could not be analysed", "bold red")
        )
        for error in sorted(report.errors, key=lambda e: (e.path, e.kind, e.message)):
            console.print(
                _hanging("  ", Text.assemble((error.path, "cyan"), f": {error.message} ", (f"[{error.kind}]", "dim")))
            )

    _coverage_notes(console, report)

    console.print()
    console.print(_summary(report))
    return "".join(line.rstrip() + "\n" for line in buffer.getvalue().splitlines())
