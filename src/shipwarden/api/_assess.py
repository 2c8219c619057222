"""``assess``: every analysis that applies to one repository, and its scope as data
(see :mod:`shipwarden.api`). The composition itself is :mod:`._assess_run`, imported
when called."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

from shipwarden.api._assess_options import AssessOptions
from shipwarden.api._shapes import Result, load_options_config
from shipwarden.core.findings import Report
from shipwarden.core.structs import struct

if TYPE_CHECKING:  # the assessment's engine is imported when called: each command starts with only its own
    from shipwarden.assess.model import Assessment


@struct
class AssessResult(Result):
    #: scope as data, open findings with their history, what was fixed, the trend
    assessment: Assessment

    def exit_code(self, fail_on: str | None = None) -> int:
        """Bit 1 when an open finding at or above ``fail_on`` (default: the configuration's
        ``fail-on``, else ``P1``) remains, bit 4 when an input was not fully analysed."""
        return self.assessment.exit_code(fail_on or self.config.fail_on or "P1")

    def summary(self) -> str:
        """The plain-text answer ``shipwarden assess`` prints."""
        from shipwarden.assess.outputs import summary

        return summary(self.assessment)

    def write(self, *, html: Path | None = None, markdown: Path | None = None, json: Path | None = None,
              badge: Path | None = None, per_repository: bool = False) -> list[Path]:
        """Write the requested reports (``per_repository``: each path is a folder of
        ``<name>-<key>.<ext>`` files); returns the files written. Raises :class:`OSError`."""
        from shipwarden.assess.outputs import Outputs, write_reports

        return write_reports(self.assessment, Outputs(html, markdown, json, badge), per_repository=per_repository)


def assess(options: AssessOptions | None = None) -> AssessResult:
    """Assess one repository with every analysis that applies (``scan``, ``deps``,
    ``gate`` of each publishable package, ``endpoint`` when asked)::

        result = api.assess(api.AssessOptions(root=Path("."), record=True))
        print(result.summary())
        result.write(html=Path("assessment.html"), badge=Path("badge.svg"))
        raise SystemExit(result.exit_code("P1"))

    One failing analysis is an error of the scope, and the others go on. Raises
    :class:`~shipwarden.core.config.ConfigError` for an invalid configuration and,
    with ``record``, ``shipwarden.assess.store.StoreError`` when the history
    database cannot be used.
    """
    # the analyses, the assessment model and its database are imported when called (start-up)
    from shipwarden.api._assess_run import assess_repository

    options = options or AssessOptions()
    config = load_options_config(options, options.root)
    assessment = assess_repository(dataclasses.replace(options, config=config))
    if options.record:
        # the database layer (SQLAlchemy, migrations) is imported only to record (start-up)
        from shipwarden.assess.store import database_url, open_engine, record

        url = database_url(options.db, assessment.scope.repository.identity)
        assessment = record(open_engine(url), assessment)
    report = Report(command="assess", roots=[str(options.root)])
    report.findings = [item.finding for item in assessment.findings]
    report.errors = [error for _, error in assessment.scope.errors]
    report.stats = {"analyses": len(assessment.scope.analyses), "inputs": len(assessment.scope.inputs)}
    return AssessResult(report, config, assessment=assessment)
