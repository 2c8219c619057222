"""An SVG status badge: the date of the assessment and its worst open tier."""

from __future__ import annotations

from html import escape

from shipwarden.assess.model import Assessment
from shipwarden.assess.report import date_of

COLOURS = {"P0": "#b42318", "P1": "#c4570c", "P2": "#8a6d0b", None: "#2e7d32"}
_CHAR = 6.6  # average glyph width of 11px Verdana, for the layout


def render_badge(assessment: Assessment) -> str:
    worst = assessment.worst_tier()
    tier = worst.value if worst else None
    label = "release pipeline"
    value = f"{tier + ' open' if tier else 'no open findings'} · {date_of(assessment.scope.started_at)}"
    left = int(len(label) * _CHAR) + 12
    right = int(len(value) * _CHAR) + 12
    width = left + right
    colour = COLOURS[tier]
    title = escape(f"shipwarden assessment: {label}: {value}")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="20" role="img" aria-label="{title}">'
        f"<title>{title}</title>"
        f'<clipPath id="r"><rect width="{width}" height="20" rx="3"/></clipPath>'
        f'<g clip-path="url(#r)"><rect width="{left}" height="20" fill="#3b4351"/>'
        f'<rect x="{left}" width="{right}" height="20" fill="{colour}"/></g>'
        f'<g fill="#fff" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11" text-anchor="middle">'
        f'<text x="{left / 2:.1f}" y="14">{escape(label)}</text>'
        f'<text x="{left + right / 2:.1f}" y="14">{escape(value)}</text></g></svg>\n'
    )
