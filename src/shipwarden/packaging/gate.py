"""``shipwarden gate``: review what a release would publish, before it is published.

:func:`run_gate` collects the artifacts of a TARGET (an npm package directory,
an npm tarball, a wheel, an sdist, or a folder of them; a Python project with
``build=True``), reviews each one (:mod:`shipwarden.packaging.inspect`),
optionally diffs it against the previous release, and returns a
:class:`~shipwarden.core.findings.Report` plus what the verdict needs.
"""

from __future__ import annotations

import contextlib
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from shipwarden.artifacts import Limits
from shipwarden.core.findings import Coverage, Report, ScanError
from shipwarden.core.progress import SILENT, Progress
from shipwarden.packaging.collect import Collected, archive_artifact, archive_kind, collect
from shipwarden.packaging.diffcheck import diff_findings
from shipwarden.packaging.inspect import ArtifactResult, InspectOptions, inspect_artifact
from shipwarden.packaging.model import Artifact, ArtifactKind
from shipwarden.packaging.policy import GatePolicy
from shipwarden.packaging.pybuild import BuildError, build_python
from shipwarden.packaging.secretscan import Budget
from shipwarden.packaging.summary import ReleaseDiff, ReleaseSummary, diff_releases
from shipwarden.registry import NotFoundError, RegistryClient, RegistryError, Transport, parse_spec
from shipwarden.secrets.redactor import redact_finding


@dataclass(slots=True)
class GateOptions:
    target: Path
    against: str | None = None
    build: bool = False
    #: auto (npm when installed, else built-in) | npm | builtin
    packlist: str = "auto"
    policy: GatePolicy = field(default_factory=GatePolicy)
    limits: Limits = field(default_factory=Limits)
    cache_dir: Path | None = None
    transport: Transport | None = None
    progress: Progress = field(default_factory=lambda: SILENT)


@dataclass(slots=True)
class GateResult:
    report: Report
    results: list[ArtifactResult] = field(default_factory=list)
    diffs: list[ReleaseDiff] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def config_root(target: Path) -> Path:
    """Where ``gate`` looks for configuration: the package folder, else the working directory."""
    if target.is_dir() and any((target / n).is_file() for n in ("package.json", "pyproject.toml", "setup.py")):
        return target
    return Path.cwd()


def run_gate(options: GateOptions) -> GateResult:
    target = options.target
    report = Report(command="gate", roots=[str(target)])
    result = GateResult(report)
    with contextlib.ExitStack() as stack:
        collected = _collect(options, stack)
        report.errors.extend(collected.errors)
        result.notes.extend(collected.notes)
        budget = Budget(options.policy.secret_scan_budget)
        for artifact in collected.artifacts:
            res = inspect_artifact(artifact, InspectOptions(policy=options.policy, budget=budget,
                                                            progress=options.progress,
                                                            file_secret_limit=options.policy.secret_scan_file_limit))
            result.results.append(res)
            report.findings.extend(res.findings)
            report.errors.extend(res.errors)
            result.notes.extend(dict.fromkeys(res.notes))
        if options.against and result.results:
            _against(options, result, stack)
    # install scripts, dependency URLs and manifest snippets are quoted from the package:
    # no report format may carry a whole secret value
    report.findings[:] = [f if f.rule_id == "gate-secret" else redact_finding(f) for f in report.findings]
    if result.results:
        report.coverage.append(_secret_coverage(str(target), result.results, options.policy.secret_scan_budget,
                                                 options.policy.secret_scan_file_limit))
    stats = report.stats
    stats["artifacts"] = len(result.results)
    stats["files"] = sum(len(r.files) for r in result.results)
    stats["bytes"] = sum(r.total_size for r in result.results)
    stats["source_maps"] = sum(len(r.maps) for r in result.results)
    return result


def _secret_coverage(target: str, results: list[ArtifactResult], run_budget: int, file_limit: int) -> Coverage:
    """What the secret scan read, and the exact setting that makes it read the rest."""
    scanned = sum(r.secret_scanned_bytes for r in results)
    unscanned = sum(r.secret_unscanned_bytes for r in results)
    files = sum(r.secret_unscanned_files for r in results)
    found = sum(1 for r in results for f in r.findings if f.rule_id == "gate-secret")
    if not unscanned:
        return Coverage(target, "secrets", "bytes", scanned, found, 0)
    wanted = -(-(run_budget + unscanned) // (1024 * 1024))  # MiB, rounded up
    return Coverage(
        target, "secrets", "bytes", scanned + unscanned, found, unscanned,
        reason=(f"{files} text file(s) were not read to the end: each file is read up to "
                f"{file_limit / 1048576:g} MiB (gate.secret-scan-file-limit) and the run up to "
                f"{run_budget / 1048576:g} MiB (gate.secret-scan-budget)"),
        resolve=(f'secret-scan-budget = "{wanted} MiB" in the [tool.shipwarden.gate] table of pyproject.toml '
                 f"(or [gate] in .shipwarden.toml), and secret-scan-file-limit for files over "
                 f"{file_limit / 1048576:g} MiB"),
    )


def _collect(options: GateOptions, stack: contextlib.ExitStack) -> Collected:
    target = options.target
    if not options.build or not target.is_dir() or (target / "package.json").is_file():
        if options.build and (target / "package.json").is_file():
            pass  # npm packages are listed, never built
        return collect(target, packlist=options.packlist, limits=options.limits)
    out = Collected()
    workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="shipwarden-build-")))
    try:
        built = build_python(target.resolve(), workdir)
    except BuildError as exc:
        out.errors.append(ScanError(".", str(exc), "build"))
        return out
    if built.sdist is not None:
        # sdist members map onto the project tree: report them at their source paths
        artifact = archive_artifact(built.sdist, built.sdist.name, ArtifactKind.SDIST, options.limits)
        artifact.prefix = ""
        artifact.label = built.sdist.name
        artifact.origin = "python -m build"
        out.artifacts.append(artifact)
    if built.wheel is not None:
        artifact = archive_artifact(built.wheel, built.wheel.name, ArtifactKind.WHEEL, options.limits)
        artifact.origin = "python -m build"
        out.artifacts.append(artifact)
    return out


def _previous_artifacts(
    options: GateOptions, current: list[ArtifactResult], stack: contextlib.ExitStack
) -> list[Artifact]:
    spec_text = options.against or ""
    spec = parse_spec(spec_text)
    if spec is None:
        path = Path(spec_text)
        if path.is_dir():
            return collect(path, packlist=options.packlist, limits=options.limits).artifacts
        kind = archive_kind(path) if path.is_file() else None
        if kind is None:
            raise RegistryError(f"--against {spec_text}: not a package archive, folder or registry spec")
        return [archive_artifact(path, path.name, kind, options.limits)]
    client = RegistryClient(
        cache_dir=options.cache_dir,
        transport=options.transport,
        cwd=options.target if options.target.is_dir() else None,
    )
    if spec.ecosystem == "npm":
        label, path = client.fetch(spec)
        return [archive_artifact(path, label, ArtifactKind.NPM_TARBALL, options.limits)]
    kinds = [r.artifact.kind for r in current if r.artifact.kind.ecosystem == "python"] or [ArtifactKind.WHEEL]
    out = []
    for kind in dict.fromkeys(kinds):
        prefer = ("wheel", "sdist") if kind is ArtifactKind.WHEEL else ("sdist", "wheel")
        label, path = client.fetch(spec, prefer)
        out.append(archive_artifact(path, label, archive_kind(path) or kind, options.limits))
    return out


def _pair(previous: list[ReleaseSummary], current: ArtifactResult, single: bool) -> ReleaseSummary | None:
    kind = current.artifact.kind
    same = [p for p in previous if p.kind == kind.value]
    if same:
        return same[0]
    if kind.ecosystem == "npm":
        npm = [p for p in previous if p.kind in (ArtifactKind.NPM_DIR.value, ArtifactKind.NPM_TARBALL.value)]
        if npm:
            return npm[0]
    return previous[0] if single and previous else None


def _against(options: GateOptions, result: GateResult, stack: contextlib.ExitStack) -> None:
    report = result.report
    try:
        previous_artifacts = _previous_artifacts(options, result.results, stack)
    except NotFoundError as exc:
        result.notes.append(f"--against {options.against}: no previous release on the registry ({exc}); diff skipped")
        return
    except RegistryError as exc:
        report.errors.append(ScanError(options.against or "", str(exc), "against"))
        return
    previous: list[ReleaseSummary] = []
    for artifact in previous_artifacts:
        res = inspect_artifact(artifact, InspectOptions(policy=options.policy, checks=False))
        report.errors.extend(res.errors)
        if res.summary is not None and res.complete:
            previous.append(res.summary)
    single = len(result.results) == 1
    for res in result.results:
        if res.summary is None:
            continue
        before = _pair(previous, res, single)
        if before is None:
            result.notes.append(f"--against: no previous release of the same kind for {res.artifact.label}")
            continue
        diff = diff_releases(before, res.summary)
        result.diffs.append(diff)
        report.findings.extend(diff_findings(diff, res.artifact, options.policy))
