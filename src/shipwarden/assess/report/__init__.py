"""Writers of an assessment: JSON (versioned schema), HTML, Markdown and an SVG badge.

Every text a writer emits from the assessment goes through :func:`clean`, the
project's secret redactor, before it is escaped for its format.
"""

from __future__ import annotations

from shipwarden.assess.model import RowStatus
from shipwarden.core.matrix import ROWS
from shipwarden.secrets.redactor import redact_finding, redact_text, redact_value

#: Short names of the matrix rows for tables and charts.
ROW_NAMES = {number: row.name for number, row in ROWS.items()}

STATUS_ORDER = (RowStatus.ASSESSED, RowStatus.PARTLY, RowStatus.NOT_APPLICABLE, RowStatus.NOT_ASSESSED)


def clean(text: str) -> str:
    """``text`` with every secret the scanner finds redacted (the exit-point redactor)."""
    return redact_text(text)


#: ``value`` (JSON-shaped) with :func:`clean` applied to every string in it.
scrub = redact_value
#: ``finding`` with every text it quotes redacted (its fingerprint then rests on the redacted key).
scrub_finding = redact_finding


def date_of(timestamp: str) -> str:
    """``2026-12-06T04:08:00Z`` → ``2026-12-06``."""
    return timestamp[:10]


def when(timestamp: str) -> str:
    """``2026-12-06T04:08:00Z`` → ``2026-12-06 04:08 UTC``."""
    return f"{timestamp[:10]} {timestamp[11:16]} UTC" if len(timestamp) >= 16 else timestamp
