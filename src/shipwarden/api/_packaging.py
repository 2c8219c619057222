"""``gate`` and ``deps``: what a release publishes, what installing runs (see :mod:`shipwarden.api`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shipwarden.api._shapes import Options, Result, finish_report, load_options_config
from shipwarden.core.config import Config, ConfigError
from shipwarden.core.structs import struct
from shipwarden.core.suppress import file_reader

if TYPE_CHECKING:  # the analyses are imported when called: each command starts with only its own
    from shipwarden.core.progress import Progress
    from shipwarden.deps.allowlist import Allowlist
    from shipwarden.deps.model import Dependency, Lockfile
    from shipwarden.deps.policy import Policy
    from shipwarden.deps.scan import DepsResult as _DepsRun
    from shipwarden.deps.scan import HookRecord
    from shipwarden.packaging.gate import GateResult as _GateRun
    from shipwarden.packaging.inspect import ArtifactResult
    from shipwarden.packaging.summary import ReleaseDiff
    from shipwarden.provenance.depsverify import VerifyOutcome
    from shipwarden.registry import RegistryClient

#: Keys accepted in ``[tool.shipwarden.deps]``.
DEPS_CONFIG_KEYS = frozenset({"allowlist", "fetch"})


@struct(frozen=True, kw_only=True, slots=False)
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


@struct
class GateResult(Result):
    artifacts: list[ArtifactResult] = field(default_factory=list)
    diffs: list[ReleaseDiff] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    run: _GateRun | None = None
    #: where the configuration and inline ignore comments were read: the package folder, else the working directory
    root: Path = Path(".")

    def verdict(self, fail_on: str | None = None) -> str:
        """The human verdict ``shipwarden gate`` prints on stderr."""
        from shipwarden.packaging.verdict import render_verdict

        assert self.run is not None
        return render_verdict(self.run, self.findings, fail_on or self.config.fail_on or "P1")


@struct(frozen=True, kw_only=True, slots=False)
class DepsOptions(Options):
    """``deps``: the code dependencies run at install time.

    ``path`` is a project folder, ``node_modules`` or ``site-packages``.
    ``allowlist`` defaults to the configuration's, else
    ``shipwarden-deps-allowlist.toml`` in ``path`` when present.
    ``against`` compares the lockfiles with a git ref. ``fetch`` reads locked
    versions nothing local describes from the configured registry (default:
    the configuration's ``deps.fetch``). ``verify`` (with ``against``) verifies
    the attestations of every package whose locked version changed, judged
    against ``policy`` (a TOML file with a ``[provenance]`` table) and
    ``trusted_root``. ``detonate`` runs every installed npm package whose
    install hook is flagged in the sandbox with bait (see :func:`detonate`).
    """

    path: Path = Path(".")
    allowlist: Path | None = None
    use_allowlist: bool = True
    against: str | None = None
    fetch: bool | None = None
    #: concurrent registry look-ups with ``fetch``
    fetch_workers: int = 16
    verify: bool = False
    policy: Path | None = None
    trusted_root: Path | None = None
    detonate: bool = False
    #: progress of long phases (default: silent)
    progress: Progress | None = None


@struct
class DepsResult(Result):
    hooks: list[HookRecord] = field(default_factory=list)
    dependencies: list[Dependency] = field(default_factory=list)
    lockfiles: list[Lockfile] = field(default_factory=list)
    policies: dict[str, Policy] = field(default_factory=dict)
    run: _DepsRun | None = None
    #: the allowlist file read (or to write with :func:`shipwarden.deps.allowlist.render_allowlist`)
    allowlist_path: Path = Path(".")
    #: the provenance of the updated packages (``verify``)
    verified: VerifyOutcome | None = None
    #: what ran in the sandbox (``detonate``), redacted
    notes: list[str] = field(default_factory=list)

    def inventory(self) -> str:
        """The inventory of install-time code ``shipwarden deps`` prints first."""
        from shipwarden.deps.render import render_inventory

        assert self.run is not None
        return render_inventory(self.run)

    @property
    def empty(self) -> bool:
        """Nothing to judge: no lockfile, requirements file, ``node_modules`` or ``site-packages``."""
        return not (self.lockfiles or self.hooks or self.dependencies or self.errors)


def gate(options: GateOptions | None = None) -> GateResult:
    """Review the artifacts of ``options.target`` (and diff them against ``options.against``)::

        gate = api.gate(api.GateOptions(target=Path("dist"), against="npm:demo@latest"))
        print(gate.verdict("P1"))
        raise SystemExit(gate.exit_code("P1"))
    """
    from shipwarden.packaging.gate import GateOptions as _RunOptions
    from shipwarden.packaging.gate import config_root, run_gate
    from shipwarden.packaging.policy import GatePolicy

    options = options or GateOptions()
    root = config_root(options.target)
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
    report = finish_report(run.report, options, config, file_reader([root]))
    return GateResult(report, config, artifacts=run.results, diffs=run.diffs, notes=run.notes, run=run, root=root)


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
    """Inventory and judge the install-time code of ``options.path``::

        deps = api.deps(api.DepsOptions(path=Path("."), against="origin/main", fetch=False))
        print(deps.inventory())
        for f in deps.findings:
            print(f.tier.value, f.rule_id, f.message)

    Raises :class:`~shipwarden.deps.allowlist.AllowlistError` for an unreadable
    allowlist, ``ConfigError`` for an invalid configuration or policy, and
    ``shipwarden.sandbox.SandboxUnavailable`` when ``detonate`` cannot set up
    the sandbox.
    """
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
        # lazy for start-up speed: the registry client and its HTTP stack cost ~0.1 s, needed only with fetch
        from shipwarden.deps.fetch import RegistryFetcher
        from shipwarden.registry import RegistryClient

        client = RegistryClient(cwd=root if path.is_dir() else None)
        client.prepare()  # the npm configuration is read while the lockfiles are parsed
        fetcher = RegistryFetcher(client)
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
    result = DepsResult(
        run.report,
        config,
        hooks=run.hooks,
        dependencies=run.dependencies,
        lockfiles=run.lockfiles,
        policies=run.policies,
        run=run,
        allowlist_path=allow_path,
    )
    if options.verify and options.against:
        result.verified = _verify(path, result, options)
    if fetcher is not None:
        run.report.errors.extend(fetcher.errors)
        run.report.stats["fetched"] = fetcher.fetched
        run.report.stats["looked_up"] = fetcher.looked_up
    if options.detonate:
        _detonate(path, result, fetcher.client if fetcher is not None else None)
    result.report = finish_report(run.report, options, config, file_reader([root]) if path.is_dir() else None)
    return result


def _verify(path: Path, result: DepsResult, options: DepsOptions) -> VerifyOutcome:
    """``verify``: the provenance of the packages whose locked version changed, joined to the report."""
    # lazy for start-up speed: the Sigstore stack is needed only with verify
    from shipwarden.core.progress import SILENT
    from shipwarden.provenance.depsverify import verify_against
    from shipwarden.provenance.run import load_policy, quiet_logs
    from shipwarden.provenance.verify import trust_root
    from shipwarden.registry import RegistryClient

    assert options.against is not None
    quiet_logs()
    policy = load_policy(options.policy)
    try:
        trust = trust_root("production", str(options.trusted_root) if options.trusted_root else None)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    client = RegistryClient(cwd=path if path.is_dir() else None)
    outcome = verify_against(
        path, result.dependencies, result.lockfiles, options.against, client, trust=trust, policy=policy,
        progress=options.progress or SILENT,
    )
    result.report.findings.extend(outcome.findings)
    result.report.errors.extend(outcome.errors)
    result.report.stats.update(outcome.stats)
    return outcome


def _detonate(path: Path, result: DepsResult, client: RegistryClient | None) -> None:
    """``detonate``: dynamic findings of the flagged install hooks, the sdists built from source and the ``.pth``
    start-up code (:mod:`shipwarden.detonate.inventory`), joined to the report."""
    # lazy for start-up speed: the sandbox and detonation engine cost ~0.15 s, needed only with detonate
    import os

    from shipwarden.detonate import DetonateOptions as _RunOptions
    from shipwarden.detonate import Profile, detonate_hooks
    from shipwarden.secrets.redactor import redact_text

    dynamic = detonate_hooks(path, list(result.hooks), _RunOptions([], [Profile.LAPTOP, Profile.CI],
                                                                   jobs=os.cpu_count() or 1),
                             dependencies=result.dependencies, client=client)
    result.report.findings.extend(dynamic.report.findings)
    result.report.errors.extend(dynamic.report.errors)
    result.report.stats["detonations"] = len(dynamic.observations)
    result.notes.extend(redact_text(n) for n in dynamic.notes)
