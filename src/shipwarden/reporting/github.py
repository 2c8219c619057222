"""``--format github``: GitHub Actions workflow commands (annotations).

``::error file=…,line=…,col=…,endLine=…,endColumn=…,title=…::message`` for
P0/P1 findings and ``::warning`` for P2. Values are escaped per the
workflow-command rules: ``%``, ``\\r`` and ``\\n`` everywhere, plus ``:`` and
``,`` inside properties.
"""

from __future__ import annotations

from shipwarden.core.findings import Finding, Location, Report, Tier
from shipwarden.reporting import RenderOptions, rule_meta, tier_counts


def escape_data(text: str) -> str:
    """Escape the message part of a workflow command."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value (``file=``, ``title=``) of a workflow command."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, properties: list[tuple[str, str]], message: str) -> str:
    props = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    return f"::{name}{' ' + props if props else ''}::{escape_data(message)}"


def _location_props(location: Location, prefix: str) -> list[tuple[str, str]]:
    props = [("file", prefix + location.path)]
    if location.line > 0:
        props.append(("line", str(location.line)))
        if location.column > 0:
            props.append(("col", str(location.column)))
        if location.end_line > 0:
            props.append(("endLine", str(location.end_line)))
            if location.end_column > 0:
                props.append(("endColumn", str(location.end_column)))
    return props


def _message(finding: Finding, url: str | None) -> str:
    lines = [finding.message]
    for number, hop in enumerate(finding.hops, start=1):
        loc = hop.location
        where = f"{loc.path}:{loc.line}" if loc.line else loc.path
        lines.append(f"{number}. {where} — {hop.description} [row {hop.row}]")
    if url:
        lines.append(f"help: {url}")
    return "\n".join(lines)


def render_github(report: Report, options: RenderOptions | None = None) -> str:
    options = options or RenderOptions()
    out: list[str] = []
    for finding in report.sorted_findings():
        meta = rule_meta(finding, options)
        level = "warning" if finding.tier is Tier.P2 else "error"
        props = _location_props(finding.primary, options.path_prefix)
        title = f"shipwarden {finding.tier.value} {finding.rule_id}"
        if meta.title and meta.title != finding.rule_id:
            title += f": {meta.title}"
        props.append(("title", title))
        out.append(command(level, props, _message(finding, meta.doc_url(options.docs_url))))
    for error in sorted(report.errors, key=lambda e: (e.path, e.kind, e.message)):
        props = [("file", options.path_prefix + error.path)]
        if error.line:
            props.append(("line", str(error.line)))
        props.append(("title", f"shipwarden: scan incomplete ({error.kind})"))
        out.append(command("error", props, error.message))
    counts = tier_counts(report)
    summary = (
        f"shipwarden: {len(report.findings)} finding(s) "
        f"(P0 {counts['P0']}, P1 {counts['P1']}, P2 {counts['P2']}), "
        f"{report.suppressed} suppressed, {report.baselined} baselined, {len(report.errors)} error(s)"
    )
    out.append(summary)
    return "\n".join(out) + "\n"
