"""The self-contained HTML report: one file, inline CSS and SVG, nothing loaded from anywhere.

Its content security policy forbids every remote load; the one style sheet
and the one script are allowed by their sha256. The answer comes first (date,
scope, verdict), then the seven-row matrix, the attack paths drawn as chains,
the findings (filterable, sortable, with snippets), the trend, the changes
since the previous assessment, and the scope in detail. It prints cleanly.
"""

from __future__ import annotations

import base64
import hashlib
import textwrap
from html import escape

from shipwarden.assess.model import Assessment, OpenFinding, RowStatus
from shipwarden.assess.report import ROW_NAMES, clean, date_of, when
from shipwarden.assess.report.html_assets import CSS, JS
from shipwarden.core.findings import Finding, Location
from shipwarden.paths.rule import tells_a_path

TIERS = ("P0", "P1", "P2")
_COLOURS = {"P0": "#b42318", "P1": "#c4570c", "P2": "#8a6d0b"}
#: Hops of an attack path: box width, gap (arrow) and line length of the wrapped text.
_BOX_W, _GAP, _WRAP, _LINE_H = 236, 46, 33, 15


def _e(text: object) -> str:
    """Redact, then escape: every assessment text the page shows passes here."""
    return escape(clean(str(text)), quote=True)


def _sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


def csp() -> str:
    return (
        "default-src 'none'; "
        f"style-src '{_sha256(CSS)}'; script-src '{_sha256(JS)}'; "
        "img-src data:; font-src 'none'; connect-src 'none'; base-uri 'none'; form-action 'none'"
    )


def _loc(loc: Location) -> str:
    return f"{loc.path}:{loc.line}" if loc.line else loc.path


# --------------------------------------------------------------------------- answer


def _answer(a: Assessment) -> str:
    scope = a.scope
    repo = scope.repository
    worst = a.worst_tier()
    counts = a.counts()
    assessed = sum(1 for r in scope.rows if r.status is RowStatus.ASSESSED)
    applicable = sum(1 for r in scope.rows if r.status is not RowStatus.NOT_APPLICABLE)
    meta = [f'<span>Assessed <time id="assessed-at" datetime="{_e(scope.started_at)}">{_e(when(scope.started_at))}'
            "</time></span>"]
    if repo.commit:
        dirty = " + uncommitted changes" if repo.dirty else ""
        meta.append(f'<span>commit <code>{_e(repo.commit[:12])}</code>{dirty}</span>')
    if repo.branch:
        meta.append(f"<span>branch <code>{_e(repo.branch)}</code></span>")
    meta.append(f"<span>shipwarden {_e(scope.version)}</span>")
    if a.previous_at:
        change = (f"Since {_e(when(a.previous_at))}: {a.new_count} new, {len(a.fixed)} fixed, "
                  f"{a.unchanged_count} unchanged.")
    else:
        change = "First assessment of this repository in this history."
    gaps = [r for r in scope.rows if r.status in (RowStatus.PARTLY, RowStatus.NOT_ASSESSED)]
    scope_line = (f"{assessed} of 7 release-surface classes fully assessed, {applicable - assessed} partly or not "
                  f"assessed, {7 - applicable} not applicable")
    tier = worst.value if worst else "none"
    kpis = "".join(
        f'<div class="kpi {t}"><b id="count-{t}">{counts[t]}</b><span>open {t}</span></div>' for t in TIERS
    )
    kpis += (f'<div class="kpi"><b>{a.new_count}</b><span>new</span></div>'
             f'<div class="kpi"><b>{len(a.fixed)}</b><span>fixed</span></div>'
             f'<div class="kpi"><b>{assessed}/7</b><span>rows assessed</span></div>')
    return f"""<header class="answer"><div class="inner">
<p class="overline">Release pipeline red-team assessment</p>
<h1 id="repo">{_e(repo.remote or repo.name)}</h1>
<p class="meta">{' · '.join(meta)}</p>
<div class="verdict {tier}" id="verdict"><span class="pill {tier}">{_e(worst.value if worst else "clear")}</span>
<div><p>{_e(a.verdict())}</p><p class="sub">{_e(scope_line)}{'.' if not gaps else ': see the matrix below.'}
{change}</p></div></div>
<div class="kpis">{kpis}</div>
</div></header>"""


# --------------------------------------------------------------------------- matrix


def _count(n: int, tier: str) -> str:
    return f'<b class="{tier}">{n}</b>' if n else '<span class="zero">0</span>'


def _matrix(a: Assessment) -> str:
    rows = []
    for row in a.scope.rows:
        c = a.row_counts(row.row)
        reasons = "".join(f"<li>{_e(r)}</li>" for r in row.reasons) or "<li></li>"
        rows.append(
            f'<tr id="row-{row.row}" data-status="{row.status.slug}"><td class="n">{row.row}</td>'
            f'<td><span class="class">{_e(ROW_NAMES[row.row])}</span></td>'
            f'<td class="st"><span class="status {row.status.slug}">{_e(row.status.value)}</span></td>'
            + "".join(f'<td class="count">{_count(c[t], t)}</td>' for t in TIERS)
            + f'<td class="scope"><ul class="reasons">{reasons}</ul></td></tr>'
        )
    return f"""<section id="matrix"><h2>The release-surface matrix</h2>
<table class="matrix"><thead><tr><th>#</th><th>Class</th><th>Status</th><th>P0</th><th>P1</th><th>P2</th>
<th>Scope</th></tr></thead><tbody>{''.join(rows)}</tbody></table></section>"""


# --------------------------------------------------------------------------- attack paths


def _wrap(text: str, width: int, lines: int) -> list[str]:
    out = textwrap.wrap(text, width) or [""]
    if len(out) > lines:
        out = out[:lines]
        out[-1] = out[-1][: width - 1].rstrip() + "…"
    return out


def _box_lines(finding: Finding) -> list[tuple[list[str], list[str], list[str]]]:
    boxes = []
    for i, hop in enumerate(finding.hops):
        title = f"{i + 1}. Row {hop.row} · {ROW_NAMES.get(hop.row, '')}"
        boxes.append((_wrap(title, _WRAP + 2, 1), _wrap(_loc(hop.location), _WRAP + 2, 2),
                      _wrap(hop.description, _WRAP, 5)))
    return boxes


def _box(x: float, y: float, h: float, lines: tuple[list[str], list[str], list[str]], row: int, kind: str) -> str:
    head, where, what = lines
    stroke = {"first": "#1d4ed8", "last": "#b42318"}.get(kind, "#98a2b3")
    fill = {"first": "#f5f8ff", "last": "#fef3f2"}.get(kind, "#ffffff")
    parts = [f'<g class="hop" data-row="{row}"><rect x="{x}" y="{y}" width="{_BOX_W}" height="{h}" rx="8" '
             f'fill="{fill}" stroke="{stroke}" stroke-width="1.5"/>']
    ty = y + 18
    parts.append(f'<text x="{x + 10}" y="{ty}" font-size="11" font-weight="700" fill="#475467">{_e(head[0])}</text>')
    for line in where:
        ty += 14
        parts.append(f'<text x="{x + 10}" y="{ty}" font-size="10.5" fill="#1d4ed8" '
                     f'font-family="ui-monospace,Menlo,Consolas,monospace">{_e(line)}</text>')
    ty += 6
    for line in what:
        ty += _LINE_H
        parts.append(f'<text x="{x + 10}" y="{ty}" font-size="12" fill="#1b2230">{_e(line)}</text>')
    parts.append("</g>")
    return "".join(parts)


def _box_height(lines: tuple[list[str], list[str], list[str]]) -> int:
    return 18 + 14 * len(lines[1]) + _LINE_H * len(lines[2]) + 22


_ARROW = ('<defs><marker id="{id}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
          'orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" fill="#475467"/></marker></defs>')


def path_svg(finding: Finding, vertical: bool = False, uid: str = "0") -> str:
    """One attack path as a chain of boxes (one per hop) joined by arrows: left to right, or top to bottom
    (narrow screens and print). ``uid`` keeps its arrow head's id unique in the page."""
    arrow = f"arrow-{uid}-{'v' if vertical else 'h'}"
    boxes = _box_lines(finding)
    rows = [h.row for h in finding.hops]
    kinds = ["first" if i == 0 else "last" if i == len(boxes) - 1 else "" for i in range(len(boxes))]
    parts: list[str] = []
    if vertical:
        y = 2.0
        for i, lines in enumerate(boxes):
            h = _box_height(lines)
            parts.append(_box(2, y, h, lines, rows[i], kinds[i]))
            y += h
            if i < len(boxes) - 1:
                mid = 2 + _BOX_W / 2
                parts.append(f'<line x1="{mid}" y1="{y + 2}" x2="{mid}" y2="{y + _GAP / 2 - 3}" stroke="#475467" '
                             f'stroke-width="2" marker-end="url(#{arrow})"/>')
                y += _GAP / 2
        width, height = _BOX_W + 4, int(y + 4)
        cls = "path-graph v"
    else:
        height = max((_box_height(b) for b in boxes), default=60) + 8
        width = len(boxes) * _BOX_W + max(0, len(boxes) - 1) * _GAP + 4
        for i, lines in enumerate(boxes):
            x = 2 + i * (_BOX_W + _GAP)
            parts.append(_box(x, 2, height - 6, lines, rows[i], kinds[i]))
            if i < len(boxes) - 1:
                ax, mid = x + _BOX_W, (height - 2) / 2
                parts.append(f'<line x1="{ax + 2}" y1="{mid:.0f}" x2="{ax + _GAP - 3}" y2="{mid:.0f}" '
                             f'stroke="#475467" stroke-width="2" marker-end="url(#{arrow})"/>')
        cls = "path-graph h"
    return (f'<svg class="{cls}" data-hops="{len(boxes)}" xmlns="http://www.w3.org/2000/svg" width="{width}" '
            f'height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="{_e(finding.message)}">'
            + _ARROW.replace("{id}", arrow) + "".join(parts) + "</svg>")


def _paths(a: Assessment) -> str:
    paths = [item.finding for item in a.findings if tells_a_path(item.finding) and item.finding.hops]
    if not paths:
        return ('<section id="paths" class="paths"><h2>Attack paths</h2><p class="empty">No complete path from an '
                "outsider to a publish capability or a secret was found.</p></section>")
    cards = []
    for n, f in enumerate(paths):
        cards.append(f'<div class="path"><h3><span class="pill {f.tier.value}">{f.tier.value}</span> '
                     f'{_e(f.message)}</h3><div class="scroll">{path_svg(f, uid=str(n))}{path_svg(f, vertical=True, uid=str(n))}</div></div>')
    return (f'<section id="paths" class="paths"><h2>Attack paths ({len(paths)})</h2>'
            f"{''.join(cards)}</section>")


# --------------------------------------------------------------------------- findings


def _finding_row(item: OpenFinding) -> str:
    f = item.finding
    snippets = [loc for loc in f.locations if loc.snippet]
    detail = ""
    if snippets or len(f.locations) > 1:
        body = "".join(
            f"<div><code>{_e(_loc(loc))}</code>{' — ' + _e(loc.label) if loc.label else ''}"
            + (f"<pre>{_e(loc.snippet)}</pre>" if loc.snippet else "") + "</div>"
            for loc in f.locations[:8]
        )
        detail = f"<details><summary>source</summary>{body}</details>"
    search = " ".join((f.rule_id, f.primary.path, f.message, item.analysis)).lower()
    since = item.first_seen or ""
    new = '<span class="new">NEW</span> ' if item.new else ""
    return (
        f'<tr data-tier="{f.tier.value}" data-row="{f.row}" data-rule="{_e(f.rule_id)}" '
        f'data-path="{_e(f.primary.path)}" data-line="{f.primary.line}" data-since="{_e(since)}" '
        f'data-new="{1 if item.new else 0}" data-text="{_e(search)}">'
        f'<td><span class="pill {f.tier.value}">{f.tier.value}</span></td><td>{f.row}</td>'
        f'<td class="loc"><code>{_e(_loc(f.primary))}</code></td>'
        f'<td class="msg">{_e(f.message)}<span class="rule">{_e(f.rule_id)} · {_e(item.analysis)}</span>'
        f"{detail}</td>"
        f'<td class="since">{new}{_e(date_of(since))}</td></tr>'
    )


def _findings(a: Assessment) -> str:
    rows = "".join(_finding_row(item) for item in a.findings)
    options = "".join(f'<option value="{n}">Row {n}: {_e(ROW_NAMES[n])}</option>' for n in range(1, 8))
    tiers = "".join(f'<label><input type="checkbox" name="tier" value="{t}" checked> {t}</label>' for t in TIERS)
    empty = "" if a.findings else '<p class="empty">No open findings.</p>'
    return f"""<section id="findings" class="findings"><h2>Findings (<span id="findings-count">{len(a.findings)}</span>)</h2>
<div class="controls"><input type="search" id="q" placeholder="Filter by rule, path or text" aria-label="Filter">
{tiers}<select id="row" aria-label="Row"><option value="">All rows</option>{options}</select>
<label><input type="checkbox" id="fresh"> new only</label><span id="shown"></span></div>
<table id="findings-table"><thead><tr><th data-sort="tier">Tier</th><th data-sort="row">Row</th>
<th data-sort="path">Location</th><th data-sort="rule">Finding</th><th data-sort="since">Open since</th></tr></thead>
<tbody>{rows}</tbody></table>{empty}</section>"""


# --------------------------------------------------------------------------- trend


def trend_svg(a: Assessment, width: int = 1080, height: int = 220) -> str:
    points = a.trend
    pad_l, pad_r, pad_t, pad_b = 40, 16, 12, 28
    inner_w, inner_h = width - pad_l - pad_r, height - pad_t - pad_b
    peak = max([max(p.counts.values()) for p in points] + [1])
    step = max(1, -(-peak // 4))
    top = step * 4
    n = len(points)
    same_day = n > 1 and date_of(points[0].started_at) == date_of(points[-1].started_at)

    def xy(i: int, value: int) -> tuple[float, float]:
        x = pad_l + (inner_w * i / (n - 1) if n > 1 else inner_w / 2)
        return x, pad_t + inner_h - inner_h * value / top

    parts = [f'<svg id="trend-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
             f'width="100%" role="img" aria-label="Open findings per assessment">']
    for k in range(5):
        value = step * k
        _, y = xy(0, value)
        parts.append(f'<line x1="{pad_l}" x2="{width - pad_r}" y1="{y:.1f}" y2="{y:.1f}" stroke="#eaecf0"/>'
                     f'<text x="{pad_l - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end" fill="#667085">'
                     f"{value}</text>")
    for tier in TIERS:
        coords = [xy(i, p.counts[tier]) for i, p in enumerate(points)]
        if n > 1:
            text = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
            parts.append(f'<polyline class="series" data-tier="{tier}" points="{text}" fill="none" '
                         f'stroke="{_COLOURS[tier]}" stroke-width="2"/>')
        if n <= 60:
            parts += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{_COLOURS[tier]}"/>' for x, y in coords]
    ticks = sorted({0, n - 1, *(round((n - 1) * k / 4) for k in range(1, 4))}) if n else []
    for i in ticks:
        x, _ = xy(i, 0)
        anchor = "start" if i == 0 and n > 1 else ("end" if i == n - 1 and n > 1 else "middle")
        stamp = points[i].started_at
        label = when(stamp)[5:16] if same_day else date_of(stamp)
        parts.append(f'<text x="{x:.1f}" y="{height - 8}" font-size="11" text-anchor="{anchor}" fill="#667085">'
                     f"{_e(label)}</text>")
    parts.append("</svg>")
    return "".join(parts)


def _trend(a: Assessment) -> str:
    note = ("" if len(a.trend) > 1 else
            '<p class="empty">The first assessment in this history: the trend starts here.</p>')
    legend = ('<div class="legend"><span><i class="l0"></i>P0 open</span><span><i class="l1"></i>P1 open</span>'
              '<span><i class="l2"></i>P2 open</span></div>')
    return (f'<section id="trend"><h2>Trend ({len(a.trend)} assessment(s))</h2>{trend_svg(a)}{legend}{note}'
            "</section>")


# --------------------------------------------------------------------------- changes and scope


def _changes(a: Assessment) -> str:
    if a.previous_at is None:
        return ""
    items = "".join(
        f'<tr><td><span class="pill {_e(f.tier)}">{_e(f.tier)}</span></td><td>{f.row}</td>'
        f"<td class=\"loc\"><code>{_e(f.path)}</code></td><td>{_e(f.message)}<span class=\"rule\">{_e(f.rule_id)}"
        f"</span></td><td class=\"since\">{_e(date_of(f.first_seen))}</td></tr>"
        for f in a.fixed
    )
    table = (f'<table class="findings"><thead><tr><th>Tier</th><th>Row</th><th>Location</th><th>Finding</th>'
             f"<th>Open since</th></tr></thead><tbody>{items}</tbody></table>") if a.fixed else (
        '<p class="empty">Nothing was fixed.</p>')
    return (f'<section id="changes"><h2>Since {_e(when(a.previous_at))}</h2><p>{a.new_count} new, '
            f"{len(a.fixed)} fixed, {a.unchanged_count} unchanged (by fingerprint).</p>"
            f"<h3>Fixed ({len(a.fixed)})</h3>{table}</section>")


def _scope(a: Assessment) -> str:
    s = a.scope
    r = s.repository
    facts = [
        ("Started", when(s.started_at)), ("Finished", when(s.finished_at)),
        ("Repository", r.remote or "(no remote)"), ("Root", r.root), ("Commit", r.commit or "(not a git checkout)"),
        ("Branch", r.branch or "(detached or none)"),
        ("Uncommitted changes", {True: "yes", False: "no", None: "unknown"}[r.dirty]),
        ("shipwarden", s.version), ("Rule catalogue", s.rules_hash), ("Configuration", s.config_hash),
        ("Options", ", ".join(f"{k}={v}" for k, v in sorted(s.options.items()))),
        ("Analyses", ", ".join(s.analyses) or "none"),
    ]
    dl = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in facts)
    inputs = "".join(f"<tr><td>{_e(i.analysis)}</td><td>{_e(i.kind)}</td><td class=\"loc\"><code>{_e(i.path)}"
                     f"</code></td><td>{i.count}</td></tr>" for i in s.inputs)
    inputs_table = (f"<table><thead><tr><th>Analysis</th><th>Input</th><th>Path</th><th>Items</th></tr></thead>"
                    f"<tbody>{inputs}</tbody></table>") if s.inputs else '<p class="empty">No inputs.</p>'
    errors = "".join(f"<tr><td>{_e(an)}</td><td class=\"loc\"><code>{_e(e.path)}</code></td><td>{_e(e.kind)}</td>"
                     f"<td>{_e(e.message)}</td></tr>" for an, e in s.errors)
    errors_table = (f"<table><thead><tr><th>Analysis</th><th>Input</th><th>Kind</th><th>Error</th></tr></thead>"
                    f"<tbody>{errors}</tbody></table>") if s.errors else (
        '<p class="empty">Every input was read in full.</p>')
    return (f'<section id="scope"><h2>Scope</h2><div class="cols"><dl class="facts">{dl}</dl><div>'
            f"<h3>Inputs read ({len(s.inputs)})</h3>{inputs_table}</div></div>"
            f'<h3 id="errors">Errors ({len(s.errors)})</h3>{errors_table}</section>')


def render_html(assessment: Assessment) -> str:
    """The whole report as one HTML document."""
    title = f"Release pipeline assessment — {assessment.scope.repository.name} — {date_of(assessment.scope.started_at)}"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{csp()}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="generator" content="shipwarden {_e(assessment.scope.version)}">
<title>{_e(title)}</title>
<style>{CSS}</style></head>
<body>
{_answer(assessment)}
<main>
{_matrix(assessment)}
{_paths(assessment)}
{_findings(assessment)}
{_trend(assessment)}
{_changes(assessment)}
{_scope(assessment)}
<footer>Generated by shipwarden {_e(assessment.scope.version)} · {_e(when(assessment.scope.finished_at))} ·
this page loads nothing from the network.</footer>
</main>
<script>{JS}</script>
</body></html>
"""
