"""``--format text``: the human report.

Findings are grouped by tier, then matrix row. Each shows its tier, rule id,
message, ``path:line:col``, the source line with the span underlined, other
locations, the numbered hops of an attack path and a help link. All text from
the scanned repository is added as plain :class:`~shipwarden.reporting.layout.Text`
(there is no markup), so it cannot inject styles.

The layout (word wrap, hanging indents, terminal cell widths, ANSI colour) is
:mod:`shipwarden.reporting.layout`; source lines are cut at the width rather
than wrapped, so the carets under them stay aligned.
"""

from __future__ import annotations

from itertools import groupby

from shipwarden.core.findings import Finding, Hop, Location, Report, Tier
from shipwarden.core.matrix import ROWS, row_title
from shipwarden.reporting import RenderOptions, fired_rules, tier_counts
from shipwarden.reporting.layout import Page, Text

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


def _hop(hop: Hop) -> Text:
    """One hop of an attack path: ``path:line — description [row N]``."""
    loc = hop.location
    where = f"{loc.path}:{loc.line}" if loc.line else loc.path
    return Text.assemble((where, "cyan"), f" — {hop.description} ", (f"[row {hop.row}]", "dim"))


def _finding(page: Page, finding: Finding, options: RenderOptions, url: str | None) -> None:
    """One finding; ``url`` is its rule's help link."""
    page.hanging(
        Text.assemble((f" {finding.tier.value} ", TIER_STYLE[finding.tier]), " "),
        Text.assemble(
            (finding.rule_id, "bold"),
            " ",
            finding.message,
            (f"  [{finding.confidence.value} confidence]", "dim"),
        ),
    )
    page.hanging("  ", Text(_where(finding.primary), "cyan"))
    for part in _source(finding.primary, options.width - 2):
        page.crop(Text("  ") + part)
    for extra in finding.locations[1:]:
        label = f" ({extra.label})" if extra.label else ""
        page.hanging("  also: ", Text.assemble((_where(extra), "cyan"), label))
    if finding.hops:
        page.print(Text("  attack path:"))
        for number, hop in enumerate(finding.hops, start=1):
            page.hanging(f"    {number}. ", _hop(hop))
    if finding.flows:
        page.print(Text(f"  the same way in also reaches ({len(finding.flows)} more):"))
        first = {(h.location.path, h.location.line, h.description) for h in finding.hops}
        for flow in finding.flows:
            # only the hops this target does not share with the path shown above
            own = [h for h in flow if (h.location.path, h.location.line, h.description) not in first] or flow[-1:]
            for index, hop in enumerate(own):
                page.hanging("    - " if index == 0 else "      ", _hop(hop))
    if finding.paths:
        page.hanging("  on path: ", ", ".join(finding.paths))
    if finding.rule_tier is not None and finding.rule_tier is not finding.tier:
        page.print(Text(f"  tier raised from {finding.rule_tier.value} because it lies on an attack path", "dim"))
    if url:
        page.hanging("  help: ", Text(url, "blue underline"))


def _summary(report: Report) -> Text:
    counts = tier_counts(report)
    total = len(report.findings)
    text = Text(f"{total} finding{'s' if total != 1 else ''}: ")
    text.append_text(
        Text(", ").join([Text(f"{counts[t.value]} {t.value}", TIER_STYLE[t] if counts[t.value] else "") for t in Tier])
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


def _coverage_notes(page: Page, report: Report) -> None:
    """What ``scan``/``paths`` could not see (``deps`` and ``gate`` render their own coverage)."""
    notes = [c for c in report.coverage if c.unknown] if report.command in ("scan", "paths") else []
    if not notes:
        return
    page.blank()
    page.hanging("", Text(_COVERAGE_HEADING, "bold"))
    for c in sorted(notes, key=lambda c: c.path):
        page.hanging("  ", Text.assemble((c.path, "cyan"), f": {c.unknown} {c.subject}: {c.reason}"))
    for resolve in sorted({c.resolve for c in notes if c.resolve}):
        page.hanging("  ", Text(f"→ {resolve}", "dim"))


def render_text(report: Report, options: RenderOptions | None = None) -> str:
    options = options or RenderOptions()
    page = Page(options.width, options.color)

    header = Text.assemble(("shipwarden ", "bold"), (report.command, "bold"), " · ", ", ".join(report.roots) or "-")
    if report.stats:
        header.append(" · " + ", ".join(f"{k}: {v}" for k, v in sorted(report.stats.items())), "dim")
    page.print(header)

    # every P0 before any P1 before any P2, across rows; rows group findings within a tier
    findings = report.sorted_findings()
    urls = {rule_id: meta.doc_url(options.docs_url) for rule_id, meta in fired_rules(findings, options).items()}
    for tier, in_tier in groupby(findings, key=lambda f: f.tier):
        group = list(in_tier)
        page.blank()
        page.print(Text(f"{tier.value} ({len(group)})", TIER_STYLE[tier]))
        for row, in_row in groupby(group, key=lambda f: f.row):
            page.blank()
            title = row_title(row) if row in ROWS else f"Row {row}"
            page.print(Text(title, "bold underline"))
            for finding in in_row:
                page.blank()
                _finding(page, finding, options, urls[finding.rule_id])

    if report.errors:
        page.blank()
        count = len(report.errors)
        page.print(Text(f"scan incomplete: {count} file{'s' if count != 1 else ''} could not be analysed", "bold red"))
        for error in sorted(report.errors, key=lambda e: (e.path, e.kind, e.message)):
            page.hanging("  ", Text.assemble((error.path, "cyan"), f": {error.message} ", (f"[{error.kind}]", "dim")))

    _coverage_notes(page, report)

    page.blank()
    page.print(_summary(report))
    return page.getvalue()  # every line ends in "\n", its trailing whitespace dropped
