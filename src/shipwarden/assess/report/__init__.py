"""Writers of an assessment: JSON (versioned schema), HTML, Markdown and an SVG badge.

Every text a writer emits from the assessment goes through :func:`clean`, the
project's secret redactor, before it is escaped for its format.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from shipwarden.assess.model import RowStatus
from shipwarden.core.findings import Finding, Location
from shipwarden.core.matrix import ROWS
from shipwarden.secrets.redactor import redact_text as redact_secrets

#: Short names of the matrix rows for tables and charts.
ROW_NAMES = {number: row.name for number, row in ROWS.items()}

STATUS_ORDER = (RowStatus.ASSESSED, RowStatus.PARTLY, RowStatus.NOT_APPLICABLE, RowStatus.NOT_ASSESSED)


def clean(text: str) -> str:
    """``text`` with every secret the scanner finds redacted (the exit-point redactor)."""
    return redact_secrets(text)


def scrub(value: Any) -> Any:
    """``value`` (JSON-shaped: str, list, dict, scalars) with :func:`clean` applied to every string in it."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, list):
        return [scrub(v) for v in value]
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items()}
    return value


def scrub_finding(finding: Finding) -> Finding:
    """``finding`` with every text it quotes redacted: message, key, locations and hops (labels, snippets,
    descriptions) and properties. The fingerprint then rests on the redacted key, which is just as stable."""

    def loc(location: Location) -> Location:
        return dataclasses.replace(location, path=clean(location.path), label=clean(location.label),
                                   snippet=clean(location.snippet))

    return dataclasses.replace(
        finding,
        message=clean(finding.message),
        key=clean(finding.key),
        locations=[loc(x) for x in finding.locations],
        hops=[dataclasses.replace(h, location=loc(h.location), description=clean(h.description))
              for h in finding.hops],
        properties=scrub(finding.properties),
    )


def date_of(timestamp: str) -> str:
    """``2026-12-06T04:08:00Z`` → ``2026-12-06``."""
    return timestamp[:10]


def when(timestamp: str) -> str:
    """``2026-12-06T04:08:00Z`` → ``2026-12-06 04:08 UTC``."""
    return f"{timestamp[:10]} {timestamp[11:16]} UTC" if len(timestamp) >= 16 else timestamp
