"""The finishing pipeline every analysis shares, as library functions.

After an analysis produced a :class:`~shipwarden.core.findings.Report`:
configuration ``exclude`` and select/ignore, inline suppressions, the baseline,
then the exit code. The CLI (:mod:`shipwarden.commands.common`) and the public
API (:mod:`shipwarden.api`) both call these.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from shipwarden.core.baseline import apply_baseline, load_baseline
from shipwarden.core.config import Config, is_selected
from shipwarden.core.findings import Report, Tier
from shipwarden.core.suppress import SourceReader, apply_suppressions

EXIT_OK = 0
#: Bit set when a remaining finding is at or above ``--fail-on``.
EXIT_FINDINGS = 1
#: Usage or configuration error (never combined with other bits).
EXIT_USAGE = 2
#: Bit set when the scan is incomplete (``report.errors`` is not empty).
EXIT_INCOMPLETE = 4


def filter_report(
    report: Report,
    config: Config,
    *,
    select: list[str] | None = None,
    ignore: list[str] | None = None,
    reader: SourceReader | None = None,
) -> Report:
    """Apply ``exclude``, select/ignore (``select``/``ignore`` replace config's) and inline suppressions."""
    sel = config.select if select is None else select
    ign = config.ignore if ignore is None else ignore
    findings = [
        f for f in report.findings if not config.is_excluded(f.primary.path) and is_selected(f.rule_id, sel, ign)
    ]
    kept, suppressed = apply_suppressions(findings, reader)
    return dataclasses.replace(report, findings=kept, suppressed=report.suppressed + len(suppressed))


def baselined(report: Report, baseline: Path | None) -> Report:
    """Drop the findings recorded in ``baseline`` (none when it is ``None``).

    Raises :class:`~shipwarden.core.baseline.BaselineError` for an unreadable file.
    """
    if baseline is None:
        return report
    kept, dropped = apply_baseline(report.findings, load_baseline(baseline))
    return dataclasses.replace(report, findings=kept, baselined=report.baselined + dropped)


def exit_code(report: Report, threshold: str) -> int:
    """0, or bit 1 for a finding at or above ``threshold``, plus bit 4 for scan errors."""
    code = EXIT_OK
    if threshold != "none":
        limit = Tier.parse(threshold)
        if any(f.tier.at_least(limit) for f in report.findings):
            code |= EXIT_FINDINGS
    if report.errors:
        code |= EXIT_INCOMPLETE
    return code
