"""``deps`` end to end: discover, read lockfiles and installed trees, analyse every hook, judge, compare.

:func:`scan_deps` returns a :class:`DepsResult`: the shared :class:`Report`
plus the inventory of install-time code the human view lists first. Reading is
in :mod:`~shipwarden.deps.inputs`, the hooks of a package in
:mod:`~shipwarden.deps.hooks`, the judgements in the rule modules of
:mod:`~shipwarden.deps.rules`.
"""

from __future__ import annotations

import dataclasses
import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from shipwarden.core.findings import Finding, Report, ScanError
from shipwarden.core.progress import SILENT, Progress
from shipwarden.deps import rules
from shipwarden.deps.allowlist import Allowlist, Change, compare_hooks, compare_sources
from shipwarden.deps.analysis import DirFiles, MemoryFiles, PackageFiles, analyze_hook
from shipwarden.deps.analysis.indicators import load_indicators
from shipwarden.deps.coverage import Seen, lockfile_coverage, unreadable_coverage
from shipwarden.deps.discover import discover
from shipwarden.deps.history import HistoryError, compare_against, lockfiles_at
from shipwarden.deps.hooks import (
    FetchedPackage,
    Fetcher,
    fetch_all,
    flag_hook,
    manifest_hooks,
    npm_hooks,
    python_build_hook,
    python_local_dir,
)
from shipwarden.deps.inputs import (
    MANAGER_BY_LOCKFILE,
    bun_lockb_header,
    cross_check_pnp,
    folder_of,
    hidden_lockfile,
    manager_of,
    project_of_node_modules,
    read_lockfiles,
    unreadable_fix,
)
from shipwarden.deps.known import recognise
from shipwarden.deps.model import REGISTRY, Dependency, Ecosystem, HookKind, InstallHook, Lockfile, SourceKind
from shipwarden.deps.node_tree import ManifestError, installed_packages
from shipwarden.deps.policy import Decision, Policy, read_policy
from shipwarden.deps.python_tree import read_site_packages, stdlib_imports_only
from shipwarden.deps.records import HookRecord, owning_project, policy_text
from shipwarden.deps.rules import non_registry_source, scripts_not_gated
from shipwarden.deps.sources import classify_npm
from shipwarden.deps.text import location

__all__ = ["DepsOptions", "DepsResult", "FetchedPackage", "Fetcher", "HookRecord", "policy_text", "scan_deps"]


@dataclass(slots=True)
class DepsOptions:
    allowlist: Allowlist | None = None
    against: str | None = None
    #: Registry look-ups for locked versions nothing local describes (``--fetch``).
    fetcher: Fetcher | None = None
    excluded: Callable[[str], bool] = field(default=lambda _p: False)
    #: Concurrent registry look-ups (``--fetch``).
    fetch_workers: int = 16
    #: Progress of long phases (``--fetch`` downloads, analysis); silent by default.
    progress: Progress = field(default_factory=lambda: SILENT)
    #: The path as the user gave it, for the commands the coverage statement prints.
    root_arg: str = "."


@dataclass(slots=True)
class DepsResult:
    report: Report
    hooks: list[HookRecord]
    dependencies: list[Dependency]
    lockfiles: list[Lockfile]
    policies: dict[str, Policy]


def scan_deps(root: Path, options: DepsOptions | None = None) -> DepsResult:
    options = options or DepsOptions()
    root = root.resolve() if root.exists() else root
    errors: list[ScanError] = []
    layout = discover(root, options.excluded)
    locks = read_lockfiles(root, layout.lockfiles, errors)
    locks, pnp_checked = cross_check_pnp(locks)
    dependencies: list[Dependency] = [d for lock in locks for d in lock.dependencies]

    npm_folders = {folder_of(p) for p in layout.manifests}
    npm_folders |= {folder_of(p) for p in layout.lockfiles if posixpath.basename(p) in MANAGER_BY_LOCKFILE}
    npm_folders |= {project_of_node_modules(n) for n in layout.node_modules if n}
    policies = {f: read_policy(root, f, manager_of(root, f, layout.lockfiles)) for f in sorted(npm_folders)}
    if "" in layout.node_modules and "" not in policies:
        policies[""] = Policy("", "npm")

    hooks: list[tuple[InstallHook, PackageFiles | None]] = []
    matched: set[int] = set()
    seen: dict[int, Seen] = {}
    installed = 0
    by_folder: dict[str, list[Dependency]] = {}
    for dep in dependencies:
        if dep.ecosystem is Ecosystem.NPM:
            by_folder.setdefault(folder_of(dep.origin.path), []).append(dep)

    for nm in layout.node_modules:
        project = project_of_node_modules(nm)
        project_deps = by_folder.get(project, []) or hidden_lockfile(root, nm)
        by_path = {d.install_path: d for d in project_deps if d.install_path}
        by_version = {(d.name, d.version): d for d in project_deps}
        by_name: dict[str, Dependency] = {}
        for d in project_deps:
            by_name.setdefault(d.name, d)
        nm_path = root / nm if nm else root
        for item in installed_packages(root, nm_path):
            if isinstance(item, ManifestError):
                errors.append(ScanError(item.path, item.message, item.kind))
                continue
            installed += 1
            rel_to_project = item.path[len(project) + 1 :] if project else item.path
            match = by_path.get(rel_to_project) or by_version.get((item.name, item.version))
            if match is None:
                candidate = by_name.get(item.name)
                if candidate is not None and candidate.source.kind is not SourceKind.REGISTRY:
                    match = candidate
            if match is not None:
                matched.add(id(match))
                source, optional = match.source, match.optional
                if match.lockfile == "hidden-lockfile":
                    dependencies.append(match)
            else:
                source = classify_npm(item.resolved) if item.resolved else REGISTRY
                optional = False
                dependencies.append(Dependency(
                    name=item.name, version=item.version, ecosystem=Ecosystem.NPM, source=source,
                    origin=location(item.manifest, 1, label="installed"), lockfile="node_modules",
                ))
            item_hooks = npm_hooks(item, source, optional)
            if match is not None:
                seen[id(match)] = Seen.RUNS if item_hooks else Seen.NONE
            for hook in item_hooks:
                hooks.append((hook, DirFiles(root, item.path)))

    unmatched = [d for d in dependencies
                 if d.ecosystem is Ecosystem.NPM and id(d) not in matched and d.lockfile != "node_modules"]
    to_fetch = [d for d in unmatched if d.install_script is not False and d.source.kind is not SourceKind.FILE]
    python_builds = [d for lock in locks if lock.ecosystem is Ecosystem.PYPI for d in lock.dependencies
                     if d.builds_from_source is not False and not python_local_dir(d, root, lock.path)]
    fetched_by_id = fetch_all(options.fetcher, to_fetch + python_builds, options.fetch_workers, options.progress)
    for dep in unmatched:
        fetched = fetched_by_id.get(id(dep))
        if fetched is not None:
            from_manifest = manifest_hooks(dep, fetched)
            seen[id(dep)] = Seen.RUNS if from_manifest else Seen.NONE
            for hook in from_manifest:
                hooks.append((hook, MemoryFiles(fetched.files, fetched.label or dep.name)))
            continue
        if dep.install_script:
            hooks.append((flag_hook(dep), None))

    ind = load_indicators()
    for site_rel in layout.site_packages:
        site = read_site_packages(root, root / site_rel if site_rel else root)
        errors.extend(ScanError(p, m, "site-packages") for p, m in site.errors)
        for dist in site.distributions:
            installed += 1
            dependencies.append(Dependency(dist.name, dist.version, Ecosystem.PYPI, dist.source,
                                           location(f"{dist.path}/METADATA", 0, label="installed"), lockfile="site-packages"))
        for pth in site.pth_files:
            if not pth.exec_lines:
                continue
            first_line, first_text = pth.exec_lines[0]
            hook = InstallHook(
                ecosystem=Ecosystem.PYPI, package=pth.owner, version=pth.owner_version, kind=HookKind.PTH,
                event=pth.name, command=" ⏎ ".join(text for _, text in pth.exec_lines)[:2000],
                location=location(pth.path, first_line, label=".pth line run at every Python start-up", text=first_text),
                package_dir=site.path,
            )
            stdlib = stdlib_imports_only(pth.exec_lines)
            hook.known = ind.pth_owner(pth.name) or (
                f"imports only standard-library modules ({', '.join(stdlib)})" if stdlib else "")
            if not pth.owner:
                hook.notes.append("no installed distribution's RECORD lists this file")
            hooks.append((hook, DirFiles(root, site.path)))

    for lock in locks:
        if lock.ecosystem is not Ecosystem.PYPI:
            continue
        for dep in lock.dependencies:
            fetched = fetched_by_id.get(id(dep))
            if dep.builds_from_source is None and fetched is not None:
                # The index said whether the pinned version has a wheel.
                dep.builds_from_source = fetched.sdist_only
            if dep.builds_from_source:
                hook = python_build_hook(dep, root, lock.path)
                files: PackageFiles | None = DirFiles(root, hook.package_dir) if hook.package_dir else None
                if files is None and fetched is not None and fetched.files:
                    files = MemoryFiles(fetched.files, fetched.label or dep.name)
                hooks.append((hook, files))

    # Analyse each distinct package version once.
    records: list[HookRecord] = []
    by_key: dict[tuple[str, ...], HookRecord] = {}
    task = options.progress.task("Analysing install-time code", len(hooks))
    for hook, files in hooks:
        task.advance()
        key = (hook.ecosystem.value, hook.package, hook.version, hook.event, hook.command, hook.source.url,
               hook.location.path if hook.kind is HookKind.PTH else "")
        if key in by_key:
            by_key[key].duplicates += 1
            continue
        try:
            analysis = analyze_hook(hook, files)
        except Exception as exc:  # noqa: BLE001 - one hook must not end the run
            errors.append(ScanError(hook.location.path, f"{hook.package} {hook.event}: not analysed: "
                                    f"{type(exc).__name__}", "internal"))
            continue
        hook.file_hashes = dict(analysis.file_hashes)
        recognition = recognise(hook, analysis)
        if recognition is not None and recognition.known:
            hook.known = recognition.text
        elif recognition is not None:
            hook.notes.append(f"not the known hook: {recognition.text}")
        decision, reason = decide(hook, policies)
        hook.policy, hook.policy_reason = decision.value, reason
        record = HookRecord(hook, analysis, decision)
        record.findings = rules.hook_findings(record)
        by_key[key] = record
        records.append(record)

    task.done()
    findings: list[Finding] = [f for r in records for f in r.findings]
    findings += non_registry_source.check(dependencies, records)
    findings += scripts_not_gated.check(root, policies, records, layout.lockfiles)

    changes: list[Change] = []
    all_hooks = [r.hook for r in records]
    if options.allowlist is not None:
        changes += compare_hooks(all_hooks, options.allowlist)
        changes += compare_sources(dependencies, options.allowlist)
    if options.against:
        try:
            old, old_errors = lockfiles_at(root, options.against, [lock.path for lock in locks])
            errors.extend(old_errors)
            changes += compare_against(options.against, all_hooks, dependencies, old)
        except HistoryError as exc:
            errors.append(ScanError(".", f"--against {options.against}: {exc}", "git"))
    findings += rules.change_findings(changes, {id(r.hook): r for r in records})

    report = Report(command="deps", roots=[str(root)], findings=findings, errors=errors)
    fetched_any = options.fetcher is not None
    report.coverage = [lockfile_coverage(lock, seen, options.root_arg, fetched=fetched_any) for lock in locks]
    for e in errors:
        if e.path in set(layout.lockfiles):
            header = bun_lockb_header(root / e.path)[0] if posixpath.basename(e.path) == "bun.lockb" else None
            report.coverage.append(unreadable_coverage(e.path, e.message, unreadable_fix(e.path, options.root_arg),
                                                       packages=header.packages if header else 0))
    report.coverage = [dataclasses.replace(c, format=f"{c.format}; {pnp_checked[c.path]}") if c.path in pnp_checked
                       else c for c in report.coverage]
    report.coverage.sort(key=lambda c: c.path)
    report.stats = {
        "lockfiles": len(locks),
        "dependencies": len(dependencies),
        "installed_packages": installed,
        "install_hooks": len(records),
        "hooks_that_run": sum(1 for r in records if r.runs),
        "files_analysed": sum(len(r.analysis.file_hashes) for r in records),
        "packages_unknown": sum(c.unknown for c in report.coverage if c.format != "unread"),
    }
    return DepsResult(report, records, dependencies, locks, policies)


def decide(hook: InstallHook, policies: dict[str, Policy]) -> tuple[Decision, str]:
    if hook.kind is HookKind.PTH:
        return Decision.RUNS, "Python runs import lines of .pth files at every start-up"
    if hook.ecosystem is Ecosystem.PYPI:
        return Decision.RUNS, "pip, uv and poetry build source distributions without asking"
    project = owning_project(hook.package_dir or hook.location.path, policies)
    policy = policies.get(project) if project is not None else None
    if policy is None:
        return Decision.RUNS, "no project configuration found"
    return policy.decide(hook.package, hook.version, hook.source.kind)

