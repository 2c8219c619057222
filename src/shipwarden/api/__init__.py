"""shipwarden's public library API: one options → result shape for every analysis.

Each analysis takes one frozen options dataclass and returns one result
dataclass. Every result holds the :class:`~shipwarden.core.findings.Report`
(findings, per-file errors, counters), the :class:`~shipwarden.core.config.Config`
that applied, and :meth:`Result.exit_code`; some add what only that analysis
knows (the artifacts ``gate`` reviewed, the install hooks ``deps`` found).

By default the same pipeline as the command line runs over the findings:
configuration ``exclude`` and ``select``/``ignore``, inline
``shipwarden: ignore`` comments, and the baseline (``Options.pipeline=False``
returns every finding the analysis produced).

Workflows of a checkout, attack paths included::

    from pathlib import Path
    from shipwarden import api

    result = api.scan(api.ScanOptions(roots=(Path("examples/vulnerable-release"),)))
    for finding in result.findings:
        print(finding.tier.value, finding.rule_id, finding.primary.path, finding.message)
    raise SystemExit(result.exit_code("P1"))   # 0, 1 (a P0/P1 remains), +4 when incomplete

The attack paths alone, what a release would publish, install-time code, and
the machine's credential stores::

    paths = api.paths(api.PathsOptions(roots=(Path("."),)))
    gate = api.gate(api.GateOptions(target=Path("dist")))          # gate.artifacts, gate.verdict("P1")
    deps = api.deps(api.DepsOptions(path=Path(".")))               # deps.hooks, deps.inventory()
    home = api.endpoint(api.EndpointOptions(home=Path.home()))     # reads files under home only

Errors: :class:`~shipwarden.core.config.ConfigError` for an invalid configuration,
:class:`~shipwarden.core.baseline.BaselineError` for an unreadable baseline,
:class:`~shipwarden.deps.allowlist.AllowlistError` for an unreadable allowlist.
Per-file problems never raise: they are ``result.errors`` and the analysis goes on.

Everything not named in ``__all__`` here is private to shipwarden and may change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shipwarden.ci.github.model import RunnerLabels
from shipwarden.core.baseline import BaselineError
from shipwarden.core.config import Config, ConfigError, load_config
from shipwarden.core.findings import Finding, Report, ScanError, Tier
from shipwarden.core.pipeline import apply_pipeline, exit_code
from shipwarden.core.suppress import SourceReader, file_reader

if TYPE_CHECKING:  # the analyses are imported when called: each command starts with only its own
    from shipwarden.ci.github.remote import ActionSource
    from shipwarden.core.progress import Progress
    from shipwarden.deps.allowlist import Allowlist
    from shipwarden.deps.model import Dependency, Lockfile
    from shipwarden.deps.policy import Policy
    from shipwarden.deps.scan import DepsResult as _DepsRun
    from shipwarden.deps.scan import HookRecord
    from shipwarden.packaging.gate import GateResult as _GateRun
    from shipwarden.packaging.inspect import ArtifactResult
    from shipwarden.packaging.summary import ReleaseDiff

__all__ = [
    "BaselineError",
    "Config",
    "ConfigError",
    "DepsOptions",
    "DepsResult",
    "EndpointOptions",
    "EndpointResult",
    "Finding",
    "GateOptions",
    "GateResult",
    "Options",
    "PathsOptions",
    "PathsResult",
    "Report",
    "Result",
    "ScanError",
    "ScanOptions",
    "ScanResult",
    "Tier",
    "deps",
    "endpoint",
    "gate",
    "paths",
    "scan",
]

#: Keys accepted in ``[tool.shipwarden.deps]``.
DEPS_CONFIG_KEYS = frozenset({"allowlist", "fetch"})


# --------------------------------------------------------------------------- shapes


@dataclass(frozen=True, kw_only=True)
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


@dataclass(slots=True)
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


@dataclass(frozen=True, kw_only=True)
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


@dataclass(slots=True)
class ScanResult(Result):
    pass


@dataclass(frozen=True, kw_only=True)
class PathsOptions(Options):
    """``paths``: only the attack paths (outsider → publish capability or secret)."""

    roots: tuple[Path, ...] = (Path("."),)
    all_branches: bool = False
    jobs: int | None = None
    fetch_actions: bool = False
    action_server: str | None = None
    #: progress over several roots (default: silent)
    progress: Progress | None = None


@dataclass(slots=True)
class PathsResult(Result):
    pass


@dataclass(frozen=True, kw_only=True)
class GateOptions(Options):
    """``gate``: the files a release would publish.

    ``target`` is an npm package folder, a tarball, wheel or sdist, or a
    folder of them. ``against`` is a previous release (a file, a folder, or
    ``npm:NAME@TAG`` / ``pypi:NAME==VERSION`` through the configured registry —
    the only network use). ``build=True`` builds a Python project in an
    isolated, offline environment. ``packlist``: ``auto`` | ``npm`` | ``builtin``.
    """

    target: Path = Path(".")
    against: str | None = None
    build: bool = False
    packlist: str = "auto"
    cache_dir: Path | None = None
    #: also report generic ``token = …`` guesses in minified code (else the configuration's
    #: ``gate.low-confidence-secrets``)
    low_confidence_secrets: bool = False
    #: progress of long phases (default: silent)
    progress: Progress | None = None


@dataclass(slots=True)
class GateResult(Result):
    artifacts: list[ArtifactResult] = field(default_factory=list)
    diffs: list[ReleaseDiff] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    run: _GateRun | None = None

    def verdict(self, fail_on: str | None = None) -> str:
        """The human verdict ``shipwarden gate`` prints on stderr."""
        from shipwarden.packaging.verdict import render_verdict

        assert self.run is not None
        return render_verdict(self.run, self.findings, fail_on or self.config.fail_on or "P1")


@dataclass(frozen=True, kw_only=True)
class DepsOptions(Options):
    """``deps``: the code dependencies run at install time.

    ``path`` is a project folder, ``node_modules`` or ``site-packages``.
    ``allowlist`` defaults to the configuration's, else
    ``shipwarden-deps-allowlist.toml`` in ``path`` when present.
    ``against`` compares the lockfiles with a git ref. ``fetch`` reads locked
    versions nothing local describes from the configured registry (default:
    the configuration's ``deps.fetch``).
    """

    path: Path = Path(".")
    allowlist: Path | None = None
    use_allowlist: bool = True
    against: str | None = None
    fetch: bool | None = None
    #: concurrent registry look-ups with ``fetch``
    fetch_workers: int = 16
    #: progress of long phases (default: silent)
    progress: Progress | None = None


@dataclass(slots=True)
class DepsResult(Result):
    hooks: list[HookRecord] = field(default_factory=list)
    dependencies: list[Dependency] = field(default_factory=list)
    lockfiles: list[Lockfile] = field(default_factory=list)
    policies: dict[str, Policy] = field(default_factory=dict)
    run: _DepsRun | None = None

    def inventory(self) -> str:
        """The inventory of install-time code ``shipwarden deps`` prints first."""
        from shipwarden.deps.render import render_inventory

        assert self.run is not None
        return render_inventory(self.run)


@dataclass(frozen=True, kw_only=True)
class EndpointOptions(Options):
    """``endpoint``: credential stores a supply-chain worm would harvest (read-only).

    ``home`` defaults to the user's home. ``include`` adds project trees whose
    ``.env`` files are read. ``env`` is the environment to inspect (``None``:
    none). ``fix_permissions`` chmods 600 the readable credential files you own.
    The configuration is looked up in the working directory (a home is not a project).
    """

    home: Path | None = None
    include: tuple[Path, ...] = ()
    env: Mapping[str, str] | None = None
    fix_permissions: bool = False
    #: progress over the catalogue's stores (default: silent)
    progress: Progress | None = None


@dataclass(slots=True)
class EndpointResult(Result):
    pass


# --------------------------------------------------------------------------- pipeline


def load_options_config(options: Options, root: Path) -> Config:
    """The configuration an analysis of ``root`` uses (see :class:`Options`)."""
    if isinstance(options.config, Config):
        return options.config
    return load_config(root, options.config)


def _finish(report: Report, options: Options, config: Config, reader: SourceReader | None) -> Report:
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


def _config_root(roots: tuple[Path, ...]) -> Path:
    return roots[0] if len(roots) == 1 else Path.cwd()


# --------------------------------------------------------------------------- analyses


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
    """Run the workflow rules (and the attack-path search) over ``options.roots``."""
    from shipwarden.ci.github.scan import scan_roots

    options = options or ScanOptions()
    config = load_options_config(options, _config_root(options.roots))
    report = scan_roots(
        [str(r) for r in options.roots],
        all_branches=options.all_branches,
        jobs=options.jobs,
        paths=options.attack_paths,
        runner_labels=_runner_labels(config),
        actions=action_source(options, config),
        progress=options.progress,
    )
    return ScanResult(_finish(report, options, config, file_reader(list(options.roots))), config)


def paths(options: PathsOptions | None = None) -> PathsResult:
    """Only the attack paths of ``options.roots`` (rule ``attack-path``)."""
    from shipwarden.ci.github.scan import scan_roots

    options = options or PathsOptions()
    config = load_options_config(options, _config_root(options.roots))
    full = scan_roots(
        [str(r) for r in options.roots],
        all_branches=options.all_branches,
        jobs=options.jobs,
        runner_labels=_runner_labels(config),
        actions=action_source(options, config),
        progress=options.progress,
    )
    report = Report(
        command="paths", roots=full.roots, errors=full.errors, stats=dict(full.stats), coverage=full.coverage
    )
    report.findings = [f for f in full.findings if f.rule_id == "attack-path"]
    report.stats["paths"] = len(report.findings)
    return PathsResult(_finish(report, options, config, file_reader(list(options.roots))), config)


def gate_root(target: Path) -> Path:
    """Where ``gate`` looks for configuration: the package folder, else the working directory."""
    if target.is_dir() and any((target / n).is_file() for n in ("package.json", "pyproject.toml", "setup.py")):
        return target
    return Path.cwd()


def gate(options: GateOptions | None = None) -> GateResult:
    """Review the artifacts of ``options.target`` (and diff them against ``options.against``)."""
    from shipwarden.packaging.gate import GateOptions as _RunOptions
    from shipwarden.packaging.gate import run_gate
    from shipwarden.packaging.policy import GatePolicy

    options = options or GateOptions()
    root = gate_root(options.target)
    config = load_options_config(options, root)
    policy = GatePolicy.from_config(config.gate)
    if options.low_confidence_secrets:
        policy.low_confidence_secrets = True
    run_options = _RunOptions(
        target=options.target,
        against=options.against,
        build=options.build,
        packlist=options.packlist,
        policy=policy,
        cache_dir=options.cache_dir,
    )
    if options.progress is not None:
        run_options.progress = options.progress
    run = run_gate(run_options)
    report = _finish(run.report, options, config, file_reader([root]))
    return GateResult(report, config, artifacts=run.results, diffs=run.diffs, notes=run.notes, run=run)


def deps_settings(config: Config) -> dict[str, Any]:
    """The validated ``[tool.shipwarden.deps]`` table. Raises :class:`ConfigError`."""
    table = config.deps
    unknown = sorted(set(table) - DEPS_CONFIG_KEYS)
    if unknown:
        known = ", ".join(sorted(DEPS_CONFIG_KEYS))
        raise ConfigError(f"[tool.shipwarden.deps]: unknown key {unknown[0]!r} (known: {known})")
    if "allowlist" in table and not isinstance(table["allowlist"], str):
        raise ConfigError("[tool.shipwarden.deps]: 'allowlist' must be a path string")
    if "fetch" in table and not isinstance(table["fetch"], bool):
        raise ConfigError("[tool.shipwarden.deps]: 'fetch' must be true or false")
    return table


def deps_allowlist_path(path: Path, table: Mapping[str, Any], explicit: Path | None = None) -> Path:
    """The allowlist file ``deps`` reads (or writes) for ``path``."""
    from shipwarden.deps.allowlist import DEFAULT_FILE

    if explicit is not None:
        return explicit
    return path / table["allowlist"] if "allowlist" in table else path / DEFAULT_FILE


def deps(options: DepsOptions | None = None) -> DepsResult:
    """Inventory and judge the install-time code of ``options.path``."""
    from shipwarden.deps.allowlist import load_allowlist
    from shipwarden.deps.scan import DepsOptions as _RunOptions
    from shipwarden.deps.scan import scan_deps

    options = options or DepsOptions()
    path = options.path
    root = path if path.is_dir() else path.parent
    config = load_options_config(options, root)
    table = deps_settings(config)
    allowlist: Allowlist | None = None
    allow_path = deps_allowlist_path(path, table, options.allowlist)
    if options.use_allowlist and (options.allowlist is not None or allow_path.is_file()):
        allowlist = load_allowlist(allow_path)

    fetcher = None
    if options.fetch or (options.fetch is None and table.get("fetch", False)):
        from shipwarden.deps.fetch import RegistryFetcher
        from shipwarden.registry import RegistryClient

        fetcher = RegistryFetcher(RegistryClient(cwd=root if path.is_dir() else None))
    run_options = _RunOptions(
        allowlist=allowlist,
        against=options.against,
        fetcher=fetcher,
        excluded=config.is_excluded,
        fetch_workers=max(1, options.fetch_workers),
        root_arg=str(path),
    )
    if options.progress is not None:
        run_options.progress = options.progress
    run = scan_deps(path, run_options)
    if fetcher is not None:
        run.report.errors.extend(fetcher.errors)
        run.report.stats["fetched"] = fetcher.fetched
        run.report.stats["looked_up"] = fetcher.looked_up
    report = _finish(run.report, options, config, file_reader([root]) if path.is_dir() else None)
    return DepsResult(
        report,
        config,
        hooks=run.hooks,
        dependencies=run.dependencies,
        lockfiles=run.lockfiles,
        policies=run.policies,
        run=run,
    )


def home_reader(home: Path) -> SourceReader:
    """Read ``~/…`` finding paths from ``home`` (for inline ignore comments)."""
    inner = file_reader([home])

    def read(path: str) -> str | None:
        return inner(path[2:]) if path.startswith("~/") else None

    return read


def endpoint(options: EndpointOptions | None = None) -> EndpointResult:
    """Sweep a home directory for the credentials a supply-chain worm would harvest."""
    from shipwarden.core.progress import SILENT
    from shipwarden.endpoint import sweep

    options = options or EndpointOptions()
    home = options.home or Path.home()
    config = load_options_config(options, Path.cwd())
    report = sweep(
        home,
        include=list(options.include),
        env=dict(options.env) if options.env is not None else None,
        fix_permissions=options.fix_permissions,
        progress=options.progress or SILENT,
    )
    return EndpointResult(_finish(report, options, config, home_reader(home)), config)
