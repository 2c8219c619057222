"""The finishing pipeline every analysis shares, as library functions.

After an analysis produced a :class:`~shipwarden.core.findings.Report`:

1. :func:`filter_report` — configuration ``exclude``, ``select``/``ignore``
   (the command line's replace the configuration's) and inline
   ``shipwarden: ignore[rule]`` comments;
2. :func:`baselined` — the baseline file;
3. :func:`at_least` — ``--min-tier`` (hidden findings are counted);
4. :func:`exit_code` with :func:`fail_on` — the exit code.

:func:`apply_pipeline` runs 1 and 2 and sorts the findings. Every command
(through :func:`shipwarden.commands.common.finish`) and the public API
(:mod:`shipwarden.api`) call these same functions.
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
    if config.exclude or sel or ign:
        findings = [
            f for f in report.findings if not config.is_excluded(f.primary.path) and is_selected(f.rule_id, sel, ign)
        ]
    else:  # nothing to exclude, every rule selected
        findings = list(report.findings)
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


def apply_pipeline(
    report: Report,
    config: Config,
    *,
    select: list[str] | None = None,
    ignore: list[str] | None = None,
    baseline: Path | None = None,
    reader: SourceReader | None = None,
) -> Report:
    """The findings a command reports: :func:`filter_report`, then the baseline
    (``baseline`` replaces the configuration's), sorted. Raises ``BaselineError``."""
    filtered = filter_report(report, config, select=select, ignore=ignore, reader=reader)
    filtered = baselined(filtered, baseline or config.baseline)
    filtered.findings = filtered.sorted_findings()
    return filtered


def at_least(report: Report, min_tier: str | None) -> Report:
    """Only the findings of ``min_tier`` or worse (all for ``None``); the others are
    counted in ``stats["below_min_tier"]``."""
    if not min_tier:
        return report
    floor = Tier.parse(min_tier)
    shown = [f for f in report.findings if f.tier.at_least(floor)]
    stats = {**report.stats, "below_min_tier": len(report.findings) - len(shown)}
    return dataclasses.replace(report, findings=shown, stats=stats)


def fail_on(explicit: str | None, config: Config, default: str = "P1") -> str:
    """The effective ``fail-on``: the command line's, else the configuration's, else the command's default."""
    return explicit or config.fail_on or default


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
