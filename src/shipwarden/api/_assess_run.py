"""The composition behind :func:`shipwarden.api.assess`: every analysis that applies
to one repository, run through the API's own functions, and the scope as data.

One repository is one unit of work: :func:`assess_repository` returns an
:class:`~shipwarden.assess.model.Assessment` with its scope; :func:`~shipwarden.api.assess`
wraps it in the API's options → result shape and, when asked, stores it (one
database transaction, :mod:`shipwarden.assess.store`) to compare with the previous
one. The assessment model, its targets, store and report writers live in
:mod:`shipwarden.assess`, which knows nothing of the API.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shipwarden import __version__
from shipwarden.api._assess_options import AssessOptions
from shipwarden.api._machine import EndpointOptions
from shipwarden.api._machine import endpoint as run_endpoint
from shipwarden.api._packaging import DepsOptions, DepsResult, GateOptions
from shipwarden.api._packaging import deps as run_deps
from shipwarden.api._packaging import gate as run_gate
from shipwarden.api._shapes import Result, load_options_config
from shipwarden.api._workflows import ScanOptions
from shipwarden.api._workflows import scan as run_scan
from shipwarden.assess.catalogue import config_hash, rules_hash
from shipwarden.assess.model import Assessment, Input, OpenFinding, RowScope, RowStatus, Scope
from shipwarden.assess.repo import read_repository
from shipwarden.assess.report import scrub_finding
from shipwarden.assess.targets import Targets, find_targets
from shipwarden.core.baseline import BaselineError
from shipwarden.core.config import Config, ConfigError
from shipwarden.core.findings import Finding, Location, ScanError
from shipwarden.core.progress import SILENT

WORKFLOW_ROWS = (2, 3, 5, 7)
#: More npm packages than this are listed with gate's built-in packlist (``packlist="auto"``).
NPM_PACK_LIMIT = 12


def _shared(options: AssessOptions, config: Config) -> dict[str, Any]:
    """The :class:`Options` every analysis of the assessment receives."""
    return {"config": config, "select": options.select, "ignore": options.ignore, "baseline": options.baseline,
            "pipeline": options.pipeline}


@dataclass(slots=True)
class _Run:
    findings: list[OpenFinding] = field(default_factory=list)
    inputs: list[Input] = field(default_factory=list)
    errors: list[tuple[str, ScanError]] = field(default_factory=list)
    ran: dict[str, Result] = field(default_factory=dict)


def _now(options: AssessOptions) -> str:
    moment = options.clock() if options.clock else dt.datetime.now(dt.UTC)
    return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _relocate(finding: Finding, prefix: str) -> Finding:
    if not prefix:
        return finding

    def move(loc: Location) -> Location:
        return dataclasses.replace(loc, path=prefix + loc.path)

    return dataclasses.replace(
        finding,
        locations=[move(loc) for loc in finding.locations],
        hops=[dataclasses.replace(h, location=move(h.location)) for h in finding.hops],
    )


def _add(run: _Run, analysis: str, result: Result, prefix: str = "") -> None:
    run.ran[analysis] = result
    for finding in result.findings:
        clean = scrub_finding(_relocate(finding, prefix))
        run.findings.append(OpenFinding(clean, analysis, first_seen="", new=True))
    for error in result.errors:
        run.errors.append((analysis, dataclasses.replace(error, path=prefix + error.path)))


def _guard(run: _Run, analysis: str, where: str, call: Callable[[], Result], prefix: str = "") -> Result | None:
    """Run one analysis; its failure becomes an error of the scope, and the others go on."""
    try:
        result = call()
    except (ConfigError, BaselineError, ValueError, OSError) as exc:
        run.errors.append((analysis, ScanError(where, f"{analysis} did not run: {exc}", "analysis")))
        return None
    except Exception as exc:  # noqa: BLE001 - one broken analysis must not end the assessment
        message = f"{analysis} failed: {type(exc).__name__}: {exc}"
        run.errors.append((analysis, ScanError(where, message, "internal")))
        return None
    _add(run, analysis, result, prefix)
    return result


def _workflows(root: Path, options: AssessOptions, config: Config, run: _Run) -> Result | None:
    result = _guard(run, "scan", ".", lambda: run_scan(ScanOptions(
        roots=(root,), all_branches=options.all_branches, jobs=1, **_shared(options, config))))
    if result is not None:
        run.inputs.append(Input("scan", "CI files (workflows, pipelines)", ".", result.stats.get("workflows", 0)))
        if result.stats.get("files", 0) > result.stats.get("workflows", 0):
            run.inputs.append(Input("scan", "local actions and files", ".github",
                                    result.stats["files"] - result.stats.get("workflows", 0)))
    return result


def _deps(root: Path, options: AssessOptions, config: Config, run: _Run) -> DepsResult | None:
    result = _guard(run, "deps", ".", lambda: run_deps(DepsOptions(
        path=root, fetch=options.fetch, progress=options.progress, **_shared(options, config))))
    if not isinstance(result, DepsResult):
        return None
    for lock in result.lockfiles:
        run.inputs.append(Input("deps", f"lockfile ({lock.format})", lock.path, len(lock.dependencies)))
    installed = result.stats.get("installed_packages", 0)
    if installed:
        run.inputs.append(Input("deps", "installed packages", ".", installed))
    return result


def _packlist(targets: Targets, options: AssessOptions) -> str:
    """How npm packages are listed: ``npm pack --dry-run`` costs seconds each, so a monorepo of more than
    :data:`NPM_PACK_LIMIT` packages uses gate's built-in port of npm's rules unless ``packlist`` says otherwise."""
    npm = sum(1 for p in targets.packages if p.ecosystem == "npm" and p.target is not None)
    if options.packlist == "auto" and npm > NPM_PACK_LIMIT:
        return "builtin"
    return options.packlist


def _gate(root: Path, targets: Targets, options: AssessOptions, config: Config, run: _Run) -> list[str]:
    packlist = _packlist(targets, options)
    reviewed: list[str] = []
    for package in targets.packages:
        if package.target is None:
            continue
        target = (root / package.target if package.target != "." else root).resolve()
        build = options.build and package.ecosystem == "python"
        prefix = "" if package.target == "." else package.target.rstrip("/") + "/"
        label = f"gate:{package.ecosystem}:{package.path or '.'}"
        result = _guard(run, label, package.target, lambda: run_gate(GateOptions(
            target=target, build=build, packlist=packlist, **_shared(options, config))), prefix)  # noqa: B023 (_guard calls it at once)
        if result is not None:
            reviewed.append(package.name)
            run.inputs.append(Input(label, f"{package.ecosystem} package {package.name}", package.target,
                                    result.stats.get("files", 0)))
    return reviewed


def _endpoint(options: AssessOptions, config: Config, run: _Run) -> None:
    home = options.home or Path.home()
    result = _guard(run, "endpoint", "~", lambda: run_endpoint(EndpointOptions(
        home=home, env=options.env if options.env is not None else dict(os.environ), **_shared(options, config))))
    if result is not None:
        run.inputs.append(Input("endpoint", "home directory", "~", result.stats.get("files", 0)))


def _row(row: int, status: RowStatus, *reasons: str, analyses: tuple[str, ...] = ()) -> RowScope:
    return RowScope(row, status, [r for r in reasons if r], list(analyses))


def _errors_of(run: _Run, prefix: str) -> int:
    return sum(1 for analysis, _ in run.errors if analysis.startswith(prefix))


def _rows(root: Path, options: AssessOptions, run: _Run, targets: Targets, reviewed: list[str]) -> list[RowScope]:
    rows: list[RowScope] = []
    # row 1: the machine's credential stores
    if options.endpoint:
        n = _errors_of(run, "endpoint")
        rows.append(_row(1, RowStatus.PARTLY if n else RowStatus.ASSESSED,
                         f"home directory swept; {n} error(s)" if n else "home directory and environment swept",
                         analyses=("endpoint",)))
    else:
        rows.append(_row(1, RowStatus.NOT_ASSESSED, "endpoint not requested (--endpoint sweeps a home directory)"))

    # rows 2, 3, 5, 7: workflows
    scan = run.ran.get("scan")
    workflows = scan.stats.get("workflows", 0) if scan is not None else 0
    scan_errors = _errors_of(run, "scan")
    for number in WORKFLOW_ROWS:
        if scan is None:
            rows.append(_row(number, RowStatus.NOT_ASSESSED, "workflow scan did not run"))
        elif workflows == 0 and scan_errors:
            rows.append(_row(number, RowStatus.NOT_ASSESSED, f"no CI file could be read ({scan_errors} error(s))",
                             analyses=("scan",)))
        elif workflows == 0:
            rows.append(_row(number, RowStatus.NOT_APPLICABLE, "no CI files (GitHub Actions, GitLab CI, Jenkins)",
                             analyses=("scan",)))
        else:
            what = f"{workflows} CI file(s)" + (" on every branch" if options.all_branches else " of the checkout")
            rows.append(_row(number, RowStatus.PARTLY if scan_errors else RowStatus.ASSESSED, what,
                             f"{scan_errors} file(s) not fully read" if scan_errors else "", analyses=("scan",)))

    # row 4: install-time code
    deps = run.ran.get("deps")
    if not isinstance(deps, DepsResult):
        rows.append(_row(4, RowStatus.NOT_ASSESSED, "dependency analysis did not run"))
    else:
        installed = deps.stats.get("installed_packages", 0)
        if not deps.lockfiles and not installed and not _errors_of(run, "deps"):
            rows.append(_row(4, RowStatus.NOT_APPLICABLE, "no lockfile, manifest or installed tree",
                             analyses=("deps",)))
        else:
            gaps = [f"{c.path}: {c.unknown} of {c.total} {c.unit} unknown"
                    + (f" ({c.reason})" if c.reason else "") + (f": {c.resolve}" if c.resolve else "")
                    for c in deps.report.coverage if c.unknown]
            n = _errors_of(run, "deps")
            what = f"{len(deps.lockfiles)} lockfile(s), {installed} installed package(s)"
            status = RowStatus.PARTLY if gaps or n else RowStatus.ASSESSED
            rows.append(_row(4, status, what, *gaps, f"{n} input(s) not fully read" if n else "",
                             analyses=("deps",)))

    # row 6: what a release would publish
    skipped = [p for p in targets.packages if p.target is None]
    gate_errors = _errors_of(run, "gate:")
    if not targets.packages:
        private = f"{len(targets.private)} private npm package(s) skipped" if targets.private else ""
        rows.append(_row(6, RowStatus.NOT_APPLICABLE, "no publishable npm or Python package", private))
    else:
        notes = [f"{p.name} ({p.path or '.'}): {p.skipped}" for p in skipped]
        if gate_errors:
            notes.append(f"{gate_errors} error(s) while reviewing packages")
        if not reviewed:
            status = RowStatus.NOT_ASSESSED
        else:
            status = RowStatus.PARTLY if notes else RowStatus.ASSESSED
        what = f"{len(reviewed)} of {len(targets.packages)} publishable package(s) reviewed"
        if _packlist(targets, options) == "builtin" and options.packlist == "auto":
            notes.append(f"more than {NPM_PACK_LIMIT} npm packages: files listed by gate's built-in port of npm's "
                         "packlist rules, not npm itself (--packlist npm)")
        rows.append(_row(6, status, what, *notes, "not diffed against the previous release (gate --against)",
                         analyses=tuple(sorted({k for k in run.ran if k.startswith("gate:")}))))
    rows.sort(key=lambda r: r.row)
    return rows


def assess_repository(options: AssessOptions) -> Assessment:
    """Assess one repository: every analysis that applies, and the scope as data
    (:func:`assess` without the history and the result shape).

    Raises :class:`~shipwarden.core.config.ConfigError` for an invalid configuration.
    """
    root = options.root
    progress = options.progress or SILENT
    started = _now(options)
    config = load_options_config(options, root)
    run = _Run()
    run.inputs.extend(Input("config", "configuration", str(p)) for p in config.sources)
    steps = 3 + (1 if options.endpoint else 0)
    task = progress.task("assess: workflows, dependencies, packages", steps)
    _workflows(root, options, config, run)
    task.advance()
    _deps(root, options, config, run)
    task.advance()
    targets = find_targets(root, build=options.build)
    for path, message in targets.problems:
        run.errors.append(("targets", ScanError(path, message, "manifest")))
    reviewed = _gate(root, targets, options, config, run)
    task.advance()
    if options.endpoint:
        _endpoint(options, config, run)
        task.advance()
    task.done()
    scope = Scope(
        started_at=started,
        finished_at=_now(options),
        repository=read_repository(root),
        version=__version__,
        rules_hash=rules_hash(),
        config_hash=config_hash(config),
        options=_options_dict(options),
        analyses=sorted(run.ran),
        inputs=run.inputs,
        rows=_rows(root, options, run, targets, reviewed),
        errors=run.errors,
    )
    findings = sorted(run.findings, key=lambda o: o.finding.sort_key())
    return Assessment(scope=scope, findings=_dedupe(findings))


def _dedupe(findings: list[OpenFinding]) -> list[OpenFinding]:
    """Drop exact repeats (same fingerprint at the same place), keep distinct findings that share a fingerprint."""
    seen: set[tuple[str, tuple[str, int, int]]] = set()
    out: list[OpenFinding] = []
    for item in findings:
        ident = (item.finding.fingerprint, item.finding.primary.sort_key())
        if ident not in seen:
            seen.add(ident)
            out.append(item)
    return out


def _options_dict(options: AssessOptions) -> dict[str, Any]:
    return {
        "all_branches": options.all_branches,
        "build": options.build,
        "fetch": bool(options.fetch),
        "endpoint": options.endpoint,
        "packlist": options.packlist,
    }

