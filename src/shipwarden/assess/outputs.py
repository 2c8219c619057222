"""Write an assessment's reports and print its summary (shared by ``assess`` and ``history``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from shipwarden.assess.model import Assessment, RowStatus
from shipwarden.assess.repo import identity_key
from shipwarden.assess.report import ROW_NAMES, clean, when
from shipwarden.reporting import emit


@dataclass(frozen=True, slots=True)
class Outputs:
    """Report files to write; with several repositories each is a folder of ``<name>-<key>.<ext>`` files."""

    html: Path | None = None
    markdown: Path | None = None
    json: Path | None = None
    badge: Path | None = None

    def any(self) -> bool:
        return any((self.html, self.markdown, self.json, self.badge))


def _renderers() -> dict[str, tuple[str, Callable[[Assessment], str]]]:
    from shipwarden.assess.report.badge import render_badge
    from shipwarden.assess.report.html import render_html
    from shipwarden.assess.report.json_report import render_assessment_json
    from shipwarden.assess.report.markdown import render_markdown

    return {
        "html": ("html", render_html),
        "markdown": ("md", render_markdown),
        "json": ("json", render_assessment_json),
        "badge": ("svg", render_badge),
    }


def write_reports(assessment: Assessment, outputs: Outputs, *, per_repository: bool = False) -> list[Path]:
    """Write every requested report; returns the files written. Raises :class:`OSError`."""
    written: list[Path] = []
    repo = assessment.scope.repository
    for field, (ext, render) in _renderers().items():
        target: Path | None = getattr(outputs, field)
        if target is None:
            continue
        if per_repository:
            safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in repo.name)[:60] or "repository"
            target = target / f"{safe}-{identity_key(repo.identity)[:8]}.{ext}"
        emit.write_file(target, render(assessment), "json" if ext == "json" else "text", mkdir=True)
        written.append(target)
    return written


_MARK = {RowStatus.ASSESSED: "assessed", RowStatus.PARTLY: "partly", RowStatus.NOT_APPLICABLE: "n/a",
         RowStatus.NOT_ASSESSED: "NOT assessed"}


def summary(assessment: Assessment, width: int = 100) -> str:
    """The plain-text answer ``assess`` prints on stdout."""
    s = assessment.scope
    repo = s.repository
    counts = assessment.counts()
    head = f"{repo.name}: assessed {when(s.started_at)}"
    if repo.commit:
        head += f" at {repo.commit[:12]}" + (" (+ uncommitted changes)" if repo.dirty else "")
    lines = [head, f"  {assessment.verdict()}",
             f"  open: P0 {counts['P0']}  P1 {counts['P1']}  P2 {counts['P2']}"
             + (f"   since {when(assessment.previous_at)}: {assessment.new_count} new, {len(assessment.fixed)} fixed"
                if assessment.previous_at else "   (first assessment in this history)")]
    for row in s.rows:
        c = assessment.row_counts(row.row)
        reason = row.reasons[0] if row.reasons else ""
        text = f"  {row.row} {ROW_NAMES[row.row][:40]:<40} {_MARK[row.status]:<12} {c['P0']}/{c['P1']}/{c['P2']}  {reason}"
        lines.append(text if len(text) <= width else text[: width - 1] + "…")
    if s.errors:
        lines.append(f"  {len(s.errors)} input(s) not fully analysed (see the report's scope)")
    return clean("\n".join(lines)) + "\n"
