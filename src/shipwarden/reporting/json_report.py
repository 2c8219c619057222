"""``--format json``: the documented, versioned report (``docs/json-schema.md``).

The machine-readable schema is ``shipwarden/data/report.schema.json``.
"""

from __future__ import annotations

import json
from typing import Any

from shipwarden import __version__
from shipwarden.core.findings import SCHEMA_VERSION, Report
from shipwarden.reporting import RenderOptions, dump_json, fired_rules, tier_counts


def report_dict(report: Report, options: RenderOptions | None = None) -> dict[str, Any]:
    options = options or RenderOptions()
    findings = report.sorted_findings()
    summary: dict[str, int] = dict(tier_counts(report))
    summary.update(suppressed=report.suppressed, baselined=report.baselined, errors=len(report.errors))
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "shipwarden", "version": __version__},
        "command": report.command,
        "roots": list(report.roots),
        "summary": summary,
        "findings": [finding.to_dict() for finding in findings],
        "errors": [e.to_dict() for e in sorted(report.errors, key=lambda e: (e.path, e.kind, e.message))],
        "stats": dict(sorted(report.stats.items())),
        **({"coverage": [c.to_dict() for c in report.coverage]} if report.coverage else {}),
        "rules": {
            rule_id: {
                "row": meta.row,
                "tier": meta.tier.value,
                "title": meta.title,
                "help_uri": meta.doc_url(options.docs_url),
            }
            for rule_id, meta in fired_rules(findings, options).items()
        },
    }


def render_json(report: Report, options: RenderOptions | None = None) -> str:
    return dump_json(report_dict(report, options))


def report_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of :func:`render_json`'s output."""
    from importlib.resources import files

    schema: dict[str, Any] = json.loads(
        files("shipwarden").joinpath("data/report.schema.json").read_text(encoding="utf-8")
    )
    return schema
