"""The shape every analysis of :mod:`shipwarden.api` shares: :class:`Options` in,
:class:`Result` out, and the pipeline (selection, inline suppressions, baseline)
run between them."""

from __future__ import annotations

from pathlib import Path

from shipwarden.core.config import Config, load_config
from shipwarden.core.findings import Finding, Report, ScanError
from shipwarden.core.pipeline import apply_pipeline, exit_code
from shipwarden.core.structs import struct
from shipwarden.core.suppress import SourceReader


@struct(frozen=True, kw_only=True, slots=False)
class Options:
    """What every analysis accepts: which configuration, which findings.

    ``config`` is a configuration file, an already loaded :class:`Config`, or
    ``None`` to look for ``.shipwarden.toml`` / ``pyproject.toml`` in the
    analysed root. ``select``/``ignore`` replace the configuration's rule
    selectors; ``baseline`` replaces its baseline file. ``pipeline=False``
    skips selection, inline suppressions and the baseline.
    """

    config: Path | Config | None = None
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] | None = None
    baseline: Path | None = None
    pipeline: bool = True


@struct
class Result:
    """What every analysis returns."""

    report: Report
    config: Config

    @property
    def findings(self) -> list[Finding]:
        return self.report.findings

    @property
    def errors(self) -> list[ScanError]:
        return self.report.errors

    @property
    def stats(self) -> dict[str, int]:
        return self.report.stats

    def exit_code(self, fail_on: str | None = None) -> int:
        """The command line's exit code: bit 1 when a finding at or above ``fail_on``
        (default: the configuration's ``fail-on``, else ``P1``; ``"none"`` never)
        remains, bit 4 when the analysis is incomplete."""
        return exit_code(self.report, fail_on or self.config.fail_on or "P1")


def load_options_config(options: Options, root: Path) -> Config:
    """The configuration an analysis of ``root`` uses (see :class:`Options`)."""
    if isinstance(options.config, Config):
        return options.config
    return load_config(root, options.config)


def finish_report(report: Report, options: Options, config: Config, reader: SourceReader | None) -> Report:
    """The pipeline over ``report`` unless ``options.pipeline`` is off."""
    if not options.pipeline:
        return report
    return apply_pipeline(
        report,
        config,
        select=list(options.select) if options.select is not None else None,
        ignore=list(options.ignore) if options.ignore is not None else None,
        baseline=options.baseline,
        reader=reader,
    )


def config_root(roots: tuple[Path, ...]) -> Path:
    """Where the configuration of several roots is looked up: the one root, else the working directory."""
    return roots[0] if len(roots) == 1 else Path.cwd()
