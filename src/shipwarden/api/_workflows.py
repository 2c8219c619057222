"""``scan`` and ``paths``: the CI files of checkouts (see :mod:`shipwarden.api`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from shipwarden.api._shapes import Options, Result, config_root, finish_report, load_options_config
from shipwarden.ci.github.model import RunnerLabels
from shipwarden.core.config import Config, ConfigError
from shipwarden.core.findings import Report
from shipwarden.core.structs import struct
from shipwarden.core.suppress import file_reader

if TYPE_CHECKING:  # the analyses are imported when called: each command starts with only its own
    from shipwarden.ci.github.remote import ActionSource
    from shipwarden.core.progress import Progress


@struct(frozen=True, kw_only=True, slots=False)
class ScanOptions(Options):
    """``scan``: GitHub Actions workflows and local actions of checkouts.

    Several roots are spread over ``jobs`` worker processes (default: every
    core); their locations are then prefixed with the root as given.
    """

    roots: tuple[Path, ...] = (Path("."),)
    all_branches: bool = False
    jobs: int | None = None
    attack_paths: bool = True
    #: read remote composite actions at their ref (network, cached); see :func:`action_source`
    fetch_actions: bool = False
    #: base URL of the git server for ``fetch_actions`` (else ``GITHUB_SERVER_URL``, the config's
    #: ``[scan] action-server``, the public server)
    action_server: str | None = None
    #: progress over several roots (default: silent)
    progress: Progress | None = None


@struct
class ScanResult(Result):
    pass


@struct(frozen=True, kw_only=True, slots=False)
class PathsOptions(Options):
    """``paths``: only the attack paths (outsider → publish capability or secret)."""

    roots: tuple[Path, ...] = (Path("."),)
    all_branches: bool = False
    jobs: int | None = None
    fetch_actions: bool = False
    action_server: str | None = None
    #: progress over several roots (default: silent)
    progress: Progress | None = None


@struct
class PathsResult(Result):
    pass


def _runner_labels(config: Config) -> RunnerLabels:
    """Custom runner labels the configuration settles (``hosted-runner-labels``, ...)."""
    return RunnerLabels.of(config.hosted_runner_labels, config.self_hosted_runner_labels)


def action_source(options: ScanOptions | PathsOptions, config: Config) -> ActionSource | None:
    """Where remote actions are read from: ``None`` unless ``fetch_actions``. The server is
    the option, else ``GITHUB_SERVER_URL``, else ``action-server`` of the configuration's
    ``[scan]`` table, else the public server. Raises :class:`ConfigError` for a bad URL."""
    if not options.fetch_actions:
        return None
    import os

    from shipwarden.ci.github.remote import SourceError
    from shipwarden.ci.github.remote import action_source as make_source

    configured = config.commands.get("scan", {}).get("action-server")
    if configured is not None and not isinstance(configured, str):
        raise ConfigError("'[scan] action-server' must be a URL string")
    try:
        return make_source(options.action_server or os.environ.get("GITHUB_SERVER_URL") or configured)
    except SourceError as exc:
        raise ConfigError(str(exc)) from None


def scan(options: ScanOptions | None = None) -> ScanResult:
    """Run the workflow rules (and the attack-path search) over ``options.roots``::

        result = api.scan(api.ScanOptions(roots=(Path("examples/vulnerable-release"),)))
        for f in result.findings:
            print(f.tier.value, f.rule_id, f"{f.primary.path}:{f.primary.line}", f.message)
        raise SystemExit(result.exit_code("P1"))
    """
    from shipwarden.ci.github.scan import scan_roots

    options = options or ScanOptions()
    config = load_options_config(options, config_root(options.roots))
    report = scan_roots(
        [str(r) for r in options.roots],
        all_branches=options.all_branches,
        jobs=options.jobs,
        paths=options.attack_paths,
        runner_labels=_runner_labels(config),
        actions=action_source(options, config),
        progress=options.progress,
    )
    reader = file_reader(list(options.roots), report.plain_sources)
    return ScanResult(finish_report(report, options, config, reader), config)


def paths(options: PathsOptions | None = None) -> PathsResult:
    """Only the attack paths of ``options.roots`` (rule ``attack-path``, and the ways in that tell a
    path within their own job)::

        for path in api.paths(api.PathsOptions(roots=(Path("."),))).findings:
            print(path.message, [hop.location.path for hop in path.hops])
    """
    from shipwarden.ci.github.scan import scan_roots
    from shipwarden.paths.rule import tells_a_path

    options = options or PathsOptions()
    config = load_options_config(options, config_root(options.roots))
    full = scan_roots(
        [str(r) for r in options.roots],
        all_branches=options.all_branches,
        jobs=options.jobs,
        runner_labels=_runner_labels(config),
        actions=action_source(options, config),
        progress=options.progress,
    )
    report = Report(
        command="paths",
        roots=full.roots,
        errors=full.errors,
        stats=dict(full.stats),
        coverage=full.coverage,
        plain_sources=full.plain_sources,
    )
    report.findings = [f for f in full.findings if tells_a_path(f)]
    report.stats["paths"] = len(report.findings)
    reader = file_reader(list(options.roots), report.plain_sources)
    return PathsResult(finish_report(report, options, config, reader), config)
