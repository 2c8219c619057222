"""The assessment as JSON: ``docs/assess-schema.md``, schema ``shipwarden/data/assess.schema.json``."""

from __future__ import annotations

from typing import Any

from shipwarden.assess.model import ASSESS_SCHEMA_VERSION, Assessment
from shipwarden.assess.report import ROW_NAMES, scrub
from shipwarden.reporting import dump_json


def assessment_dict(assessment: Assessment) -> dict[str, Any]:
    scope = assessment.scope
    worst = assessment.worst_tier()
    rows = []
    for row in scope.rows:
        rows.append({**row.to_dict(), "name": ROW_NAMES[row.row], "open": assessment.row_counts(row.row)})
    data: dict[str, Any] = {
        "schema": "shipwarden-assessment",
        "schema_version": ASSESS_SCHEMA_VERSION,
        "id": assessment.id,
        "verdict": assessment.verdict(),
        "worst_tier": worst.value if worst else None,
        "scope": scope.to_dict(),
        "rows": rows,
        "summary": {
            "open": assessment.counts(),
            "new": assessment.new_count,
            "unchanged": assessment.unchanged_count,
            "fixed": len(assessment.fixed),
            "errors": len(scope.errors),
            "previous_at": assessment.previous_at,
        },
        "findings": [
            {**item.finding.to_dict(), "analysis": item.analysis, "first_seen": item.first_seen, "new": item.new}
            for item in assessment.findings
        ],
        "fixed": [
            {"fingerprint": f.fingerprint, "rule": f.rule_id, "row": f.row, "tier": f.tier, "path": f.path,
             "message": f.message, "first_seen": f.first_seen}
            for f in assessment.fixed
        ],
        "trend": [{"id": t.id, "started_at": t.started_at, "open": dict(t.counts), "commit": t.commit}
                  for t in assessment.trend],
    }
    scrubbed: dict[str, Any] = scrub(data)
    return scrubbed


def render_assessment_json(assessment: Assessment) -> str:
    return dump_json(assessment_dict(assessment))


def assessment_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of :func:`render_assessment_json`'s output."""
    import json
    from importlib.resources import files

    schema: dict[str, Any] = json.loads(
        files("shipwarden").joinpath("data/assess.schema.json").read_text(encoding="utf-8")
    )
    return schema
