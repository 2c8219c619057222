"""Output formats. Every reporter turns a :class:`~shipwarden.core.findings.Report` into text.

All output is deterministic: findings are ordered by tier, row, path, line and
rule, and nothing depends on the clock or the machine.
"""

from __future__ import annotations

from collections.abc import Mapping

from shipwarden.core.catalogue import RuleMeta, get_rule
from shipwarden.core.findings import Finding, Report
from shipwarden.core.structs import struct

#: ``--format`` values every command accepts.
FORMATS = ("text", "json", "sarif", "github")
#: Extra formats for commands that report attack paths (``paths``).
GRAPH_FORMATS = ("dot", "mermaid")


@struct(frozen=True)
class RenderOptions:
    #: ANSI colour in text output.
    color: bool = False
    #: Line width of text output.
    width: int = 100
    #: Base URL of the rule documentation pages (``docs-url`` or the package
    #: metadata); ``None``: no links at all.
    docs_url: str | None = None
    #: Prefix put before paths in ``github`` annotations (the scanned root
    #: relative to the workspace), e.g. ``"services/api/"``.
    path_prefix: str = ""
    #: Metadata of the rules findings name, by id; ``None``: the rule catalogue
    #: (:func:`~shipwarden.core.catalogue.get_rule`). Tests of the formats pass their own.
    rules: Mapping[str, RuleMeta] | None = None


def rule_meta(finding: Finding, options: RenderOptions) -> RuleMeta:
    """The declared metadata of a finding's rule (``KeyError`` for an id no rule declares)."""
    if options.rules is not None:
        return options.rules[finding.rule_id]
    return get_rule(finding.rule_id)


def fired_rules(findings: list[Finding], options: RenderOptions) -> dict[str, RuleMeta]:
    """Metadata of the rules that produced ``findings``, sorted by id."""
    return {rule_id: rule_meta(f, options) for rule_id, f in sorted({f.rule_id: f for f in findings}.items())}


def tier_counts(report: Report) -> dict[str, int]:
    counts = {"P0": 0, "P1": 0, "P2": 0}
    for finding in report.findings:
        counts[finding.tier.value] += 1
    return counts


def dump_json(data: object) -> str:
    """``data`` as indented JSON text with a final newline, non-ASCII kept as is.

    The same text ``json.dumps(data, indent=2, ensure_ascii=False)`` gives, made
    several times faster by orjson (reports of organisation-wide scans run to
    megabytes).
    """
    import orjson  # start-up: orjson imports uuid and platform; the text format never needs it

    return orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE).decode("utf-8")


def render(report: Report, fmt: str, options: RenderOptions | None = None) -> str:
    """Render ``report`` in ``fmt`` (one of :data:`FORMATS` or :data:`GRAPH_FORMATS`).

    Every text field passes through :func:`shipwarden.reporting.emit.clean_report`
    first and the result through :func:`~shipwarden.reporting.emit.finalize`:
    a new format added here is redacted and neutralised like the others. (``json``
    skips the first when the second finds nothing to redact: see below.)
    """
    from shipwarden.reporting.emit import JSON_FORMATS, clean_report, finalize, finalize_data, finalize_unredacted

    options = options or RenderOptions()
    if fmt == "json":
        from shipwarden.reporting.json_report import report_dict

        # The JSON report copies the report's strings as they are (none cut or joined),
        # and orders findings and errors by them: when the exit's redactor changes none
        # of its strings, clean_report would change nothing it shows (a finding's key,
        # which it does not show, keeps its fingerprint). Else the cleaned report's.
        text = finalize_unredacted(report_dict(report, options), fmt, color=options.color)
        if text is not None:
            return text
        return finalize_data(report_dict(clean_report(report, terminal=False), options), fmt, color=options.color)
    report = clean_report(report, terminal=fmt not in JSON_FORMATS)
    if fmt == "sarif":
        from shipwarden.reporting.sarif import sarif_dict

        return finalize_data(sarif_dict(report, options), fmt, color=options.color)
    return finalize(_render(report, fmt, options), fmt, color=options.color)


def _render(report: Report, fmt: str, options: RenderOptions) -> str:
    if fmt == "text":
        from shipwarden.reporting.text import render_text

        return render_text(report, options)
    if fmt == "json":
        from shipwarden.reporting.json_report import render_json

        return render_json(report, options)
    if fmt == "sarif":
        from shipwarden.reporting.sarif import render_sarif

        return render_sarif(report, options)
    if fmt == "github":
        from shipwarden.reporting.github import render_github

        return render_github(report, options)
    if fmt in GRAPH_FORMATS:
        from shipwarden.reporting.graph import render_paths

        return render_paths(report.sorted_findings(), fmt)
    raise ValueError(f"unknown output format {fmt!r}")
