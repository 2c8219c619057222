"""``shipwarden detonate``: watch what install-time code does, in the sandbox, with bait.

:func:`run_detonate` takes npm package folders or tarballs (or ``npm:NAME@VERSION``
through the user's registry configuration), runs each one's install scripts the
way npm would inside :mod:`shipwarden.sandbox` with a fake home and environment
full of canaries (:mod:`.bait`), a network sink in the sandbox's own network
namespace (:mod:`.sinkserver`) and ``strace -f`` (:mod:`.trace`), and turns
what happened into findings (:mod:`.rules`) joined with the static verdict of
``deps`` for the same scripts.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from shipwarden import sandbox
from shipwarden.core.findings import Location, Report, ScanError
from shipwarden.deps.analysis import DirFiles, analyze_hook
from shipwarden.deps.model import Dependency, Ecosystem, HookKind, InstallHook
from shipwarden.deps.records import HookRecord
from shipwarden.detonate.bait import Profile
from shipwarden.detonate.inventory import plan
from shipwarden.detonate.package import DetonateError, Package, fetch_build_wheels, install_dependencies, prepare
from shipwarden.detonate.rules import judge
from shipwarden.detonate.run import LINGER_SECONDS, Observation, detonate
from shipwarden.registry import RegistryClient, RegistryError, parse_spec
from shipwarden.secrets.redactor import redact_finding

__all__ = ["DetonateOptions", "DetonateResult", "Profile", "detonate_hooks", "run_detonate", "static_verdict"]


@dataclass(slots=True)
class DetonateOptions:
    targets: list[str]
    profiles: list[Profile] = field(default_factory=lambda: [Profile.LAPTOP])
    limits: sandbox.Limits = field(
        default_factory=lambda: sandbox.Limits(
            wall_seconds=120, cpu_seconds=120, memory_bytes=8 << 30, processes=512, output_bytes=96 << 20
        )
    )
    jobs: int = 1
    cache_dir: Path | None = None
    #: install the package's dependencies (npm --ignore-scripts, outside the sandbox) beside it first
    with_deps: bool = False
    #: seconds background processes are still watched after the scripts end
    linger: float = LINGER_SECONDS
    #: what each target's findings name it (``deps --detonate``: ``pypi:NAME-VERSION.tar.gz`` for a fetched sdist)
    labels: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class DetonateResult:
    report: Report
    observations: list[Observation] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def static_verdict(package: Package) -> list[str]:
    """What ``deps`` concludes from reading the same install-time code (rule ids with tiers)."""
    files = DirFiles(package.source, "")
    hooks: list[InstallHook] = []
    if package.manifest.get("sdist"):
        hooks = [InstallHook(Ecosystem.PYPI, package.name, package.version, HookKind.PYTHON_BUILD, "build",
                             package.scripts.get("build", ""), Location("setup.py"))]
    elif package.ecosystem == "pypi":
        hooks = [InstallHook(Ecosystem.PYPI, package.name, package.version, HookKind.PTH, str(pth), "",
                             Location(str(pth))) for pth in package.manifest.get("pth", [])]
    else:
        for event, command in package.scripts.items():
            native = command == "node-gyp rebuild" and event == "install"
            hooks.append(InstallHook(Ecosystem.NPM, package.name, package.version,
                                     HookKind.NATIVE_BUILD if native else HookKind.NPM_SCRIPT, event, command,
                                     Location("package.json")))
    out: list[str] = []
    for hook in hooks:
        try:
            analysis = analyze_hook(hook, files)
        except (OSError, ValueError, RecursionError):
            continue
        out += [f"{j.rule} {j.tier.value}" for j in analysis.judgements]
    return list(dict.fromkeys(out))


def _spec_text(text: str) -> str:
    """``npm:``/``pypi:`` as given; ``name==version`` is Python's way of naming a version, ``name@version`` npm's."""
    if text.startswith(("npm:", "pypi:")):
        return text
    return f"pypi:{text}" if "==" in text else f"npm:{text}"


def _resolve(spec_text: str, work: Path, options: DetonateOptions) -> tuple[Path, str | None]:
    """A local target as is; a registry spec fetched through the user's configuration (explicit, cached)."""
    path = Path(spec_text)
    if path.exists():
        return path.resolve(), None
    try:
        spec = parse_spec(_spec_text(spec_text))
    except RegistryError as exc:
        raise DetonateError(str(exc)) from None
    if spec is None:
        raise DetonateError(f"{spec_text}: not a path nor a registry spec (npm:NAME@VERSION, pypi:NAME==VERSION)")
    client = RegistryClient(cache_dir=options.cache_dir, cwd=work)
    try:
        # pip takes a wheel when there is one and builds the sdist otherwise: so does detonate
        label, fetched = client.fetch(spec, prefer=("wheel", "sdist"))
    except RegistryError as exc:
        raise DetonateError(f"{spec_text}: {exc}") from None
    return fetched, f"{spec.ecosystem}:{label}"


def _one(target: str, options: DetonateOptions) -> tuple[list[Observation], str | None]:
    """Prepare ``target`` once (and its dependencies), then detonate it in every profile."""
    with tempfile.TemporaryDirectory(prefix="shipwarden-detonate-pkg-") as tmp:
        work = Path(tmp)
        try:
            source, fetched_as = _resolve(target, work, options)
            package = prepare(source, work)
            if fetched_as is not None or target in options.labels:
                package.label = fetched_as or options.labels[target]
            if not package.scripts:
                return [], f"{package.label}: no install-time scripts (preinstall, install, postinstall, binding.gyp)"
            if options.with_deps and package.ecosystem == "npm":
                install_dependencies(package, source, work)
            if package.manifest.get("sdist"):
                fetch_build_wheels(package, work)
        except DetonateError as exc:
            return [], str(exc)
        static = "static: " + (", ".join(static_verdict(package)) or "nothing flagged")
        coverage = [str(n) for n in package.manifest.get("coverage", [])]
        out = []
        for profile in options.profiles:
            obs = detonate(package, profile, options.limits, linger=options.linger)
            obs.package = dataclasses.replace(package, source=Path(package.label), dependencies=None, wheelhouse=None)
            obs.notes += [*coverage, static]
            out.append(obs)
        return out, None


def detonate_hooks(root: Path, hooks: list[object], options: DetonateOptions, *,
                   dependencies: Iterable[Dependency] = (), client: RegistryClient | None = None) -> DetonateResult:
    """``deps --detonate``: detonate what ``deps`` found runs code at install or start-up (:mod:`.inventory`):
    installed npm packages whose hook was not judged clean, Python sdists built from source (fetched through
    ``client``, checked against the hashes of ``dependencies``), and ``.pth`` start-up code. Each package once,
    in every profile, in parallel across cores, with the budgets of ``options``."""
    with tempfile.TemporaryDirectory(prefix="shipwarden-deps-detonate-") as tmp:
        if any(isinstance(r, HookRecord) for r in hooks):
            sandbox.check_available()  # before anything is fetched
        client = client or RegistryClient(cache_dir=options.cache_dir, cwd=root)
        planned = plan(root, hooks, Path(tmp), client, dependencies)
        if not planned.targets:
            report = Report(command="detonate", roots=[str(root)], errors=planned.errors)
            return DetonateResult(report, notes=planned.notes or [
                "--detonate: nothing runs code at install or start-up that could be detonated"])
        result = run_detonate(dataclasses.replace(options, targets=planned.targets, labels=planned.labels))
    result.report.errors[:0] = planned.errors
    result.notes[:0] = planned.notes
    return result


def run_detonate(options: DetonateOptions) -> DetonateResult:
    """Detonate every target in every profile; raises SandboxUnavailable when the sandbox cannot run."""
    sandbox.check_available()
    report = Report(command="detonate", roots=list(options.targets))
    result = DetonateResult(report)
    workers = max(1, min(options.jobs, len(options.targets) or 1, os.cpu_count() or 1))
    with contextlib.ExitStack() as stack:
        pool = stack.enter_context(concurrent.futures.ThreadPoolExecutor(max_workers=workers))
        futures = [pool.submit(_one, t, options) for t in options.targets]
        for target, fut in zip(options.targets, futures, strict=True):
            try:
                observations, error = fut.result()
            except DetonateError as exc:
                observations, error = [], str(exc)
            if error is not None:
                report.errors.append(ScanError(target, error, "detonate"))
            for obs in observations:
                _record(result, obs)
    report.stats["packages"] = len({(o.package.name, o.package.version) for o in result.observations})
    report.stats["detonations"] = len(result.observations)
    return result


def _record(result: DetonateResult, obs: Observation) -> None:
    result.observations.append(obs)
    static = next((n[len("static: "):] for n in obs.notes if n.startswith("static: ")), "")
    for finding in judge(obs):
        finding.properties["static"] = static
        result.report.findings.append(redact_finding(finding))
    ran = ", ".join(f"{e} (exit {c})" for e, c in obs.statuses.items()) or "nothing finished"
    result.notes.append(
        f"{obs.package.name}@{obs.package.version} [{obs.profile.value}]: ran {ran} in {obs.seconds:.1f} s; "
        + "; ".join(obs.notes)
    )
