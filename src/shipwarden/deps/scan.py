"""``deps`` end to end: discover, read lockfiles and installed trees, analyse every hook, judge, compare.

:func:`scan_deps` returns a :class:`DepsResult`: the shared :class:`Report`
plus the inventory of install-time code the human view lists first.
"""

from __future__ import annotations

import dataclasses
import os
import posixpath
import re
import shlex
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from shipwarden.core.catalogue import RULES
from shipwarden.core.findings import Finding, Location, Report, ScanError, Tier
from shipwarden.core.progress import SILENT, Progress
from shipwarden.core.safeio import ReadRefused, check_json_depth
from shipwarden.deps import bun_lockb, npm_lock, pnp_cjs
from shipwarden.deps import requirements as requirements_parser
from shipwarden.deps import rules as R
from shipwarden.deps.allowlist import Allowlist, Change, compare_hooks, compare_sources
from shipwarden.deps.analysis import DirFiles, HookAnalysis, MemoryFiles, PackageFiles, analyze_hook
from shipwarden.deps.analysis.indicators import load_indicators
from shipwarden.deps.coverage import Seen, lockfile_coverage, unreadable_coverage
from shipwarden.deps.discover import discover
from shipwarden.deps.history import HistoryError, compare_against, lockfiles_at
from shipwarden.deps.known import recognise
from shipwarden.deps.lockfiles import UNREADABLE, parse_lockfile
from shipwarden.deps.model import (
    REGISTRY,
    Dependency,
    Ecosystem,
    HookKind,
    InstallHook,
    Lockfile,
    LockfileError,
    Source,
    SourceKind,
)
from shipwarden.deps.node_tree import InstalledPackage, ManifestError, installed_packages
from shipwarden.deps.policy import Decision, Policy, read_policy
from shipwarden.deps.python_tree import read_site_packages, stdlib_imports_only
from shipwarden.deps.shapes import as_dict
from shipwarden.deps.sources import classify_npm
from shipwarden.deps.text import FileTooLarge, location, read_text
from shipwarden.deps.yarn_lock import is_berry

_ARCHIVE_SUFFIXES = (".tgz", ".tar.gz", ".zip", ".whl", ".tar")
_MANAGER_BY_LOCKFILE = {
    "package-lock.json": "npm", "npm-shrinkwrap.json": "npm", "pnpm-lock.yaml": "pnpm",
    "yarn.lock": "yarn", "bun.lock": "bun", "bun.lockb": "bun",
}


@dataclass(slots=True)
class FetchedPackage:
    """What a registry look-up returned for one locked version."""

    manifest: dict[str, object]
    files: dict[str, bytes] = field(default_factory=dict)
    label: str = ""
    #: Python: the index lists only source distributions for the pinned version.
    sdist_only: bool | None = None


Fetcher = Callable[[Dependency], "FetchedPackage | None"]


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
class HookRecord:
    hook: InstallHook
    analysis: HookAnalysis
    decision: Decision
    findings: list[Finding] = field(default_factory=list)
    #: Other install paths of the same package version (deduplicated).
    duplicates: int = 0

    @property
    def tier(self) -> Tier:
        return min((f.tier for f in self.findings), key=lambda t: t.rank, default=Tier.P2)

    @property
    def runs(self) -> bool:
        return self.decision in (Decision.RUNS, Decision.ALLOWED)


@dataclass(slots=True)
class DepsResult:
    report: Report
    hooks: list[HookRecord]
    dependencies: list[Dependency]
    lockfiles: list[Lockfile]
    policies: dict[str, Policy]


# --------------------------------------------------------------------------- reading


def _folder(path: str) -> str:
    parent = posixpath.dirname(path)
    return "" if parent == "." else parent


_INCLUDE = re.compile(r"^\s*(?:-r|--requirement)[\s=]+(\S+)", re.M)
#: Most files read through ``-r`` includes from one requirements file.
MAX_INCLUDED_FILES = 256


def _requirements_includes(root: Path, path: str, text: str, errors: list[ScanError]) -> dict[str, str]:
    """The text of every file ``path`` includes with ``-r`` (transitively), each read once.

    Includes are resolved inside ``root`` (links followed); a target outside it,
    or one that is not a regular file, is a note on the including file and is
    never opened. Cycles and repeated includes cost nothing: each file is read
    and scanned for includes once.
    """
    out: dict[str, str] = {}
    seen = {posixpath.normpath(path)}
    pending = [(path, text, 0)]
    while pending:
        current, body, depth = pending.pop(0)
        if depth >= requirements_parser.MAX_INCLUDE_DEPTH:
            continue
        for m in _INCLUDE.finditer(body):
            target = m.group(1)
            rel = posixpath.normpath(posixpath.join(_folder(current), target))
            if rel in seen:
                continue
            seen.add(rel)
            line = body.count("\n", 0, m.start()) + 1
            if len(out) >= MAX_INCLUDED_FILES:
                errors.append(ScanError(current, f"-r {target}: over {MAX_INCLUDED_FILES} included files; not read", "too-large", line))
                continue
            try:
                sub = read_text(root / rel, root=root)
            except FileNotFoundError:
                continue
            except (OSError, FileTooLarge) as exc:
                kind = exc.kind if isinstance(exc, ReadRefused) else "too-large" if isinstance(exc, FileTooLarge) else "io"
                errors.append(ScanError(current, f"-r {target}: {exc}", kind, line))
                continue
            out[rel] = sub
            pending.append((rel, sub, depth + 1))
    return out


def _read_lockfiles(root: Path, paths: list[str], errors: list[ScanError]) -> list[Lockfile]:
    locks: list[Lockfile] = []
    for path in paths:
        name = posixpath.basename(path)
        if name == "bun.lockb":
            errors.append(ScanError(path, _bun_lockb(root / path)[1], "unsupported"))
            continue
        if name in UNREADABLE:
            errors.append(ScanError(path, UNREADABLE[name], "unsupported"))
            continue
        try:
            text = read_text(root / path, root=root)
        except FileTooLarge as exc:
            errors.append(ScanError(path, str(exc), "too-large"))
            continue
        except ReadRefused as exc:
            errors.append(ScanError(path, str(exc), exc.kind))
            continue
        except OSError as exc:
            errors.append(ScanError(path, f"cannot read: {exc.strerror or exc}", "io"))
            continue
        includes = _requirements_includes(root, path, text, errors) if name.endswith(".txt") else None
        try:
            locks.append(parse_lockfile(path, text, includes))
        except LockfileError as exc:
            where = f" (line {exc.line})" if exc.line else ""
            errors.append(ScanError(path, f"{exc}{where}", exc.kind))
        except Exception as exc:  # noqa: BLE001 - one lockfile must not end the run
            errors.append(ScanError(path, f"not parsed: {type(exc).__name__}", "internal"))
    return locks


def _cross_check_pnp(locks: list[Lockfile]) -> tuple[list[Lockfile], dict[str, str]]:
    """A Plug'n'Play loader beside a yarn.lock is a cross-check, not a second inventory.

    Only the packages it resolves that the yarn.lock does not list stay (as a
    lockfile of their own, every one unknown); the yarn.lock's coverage line
    says the loader was read and agreed. A loader alone is the inventory.
    """
    yarn = {_folder(lock.path): lock for lock in locks if posixpath.basename(lock.path) == "yarn.lock"}
    kept: list[Lockfile] = []
    checked: dict[str, str] = {}
    for lock in locks:
        beside = yarn.get(_folder(lock.path)) if lock.format == pnp_cjs.FORMAT else None
        if beside is None:
            kept.append(lock)
            continue
        missing = set(pnp_cjs.missing_from(lock, beside))
        name = posixpath.basename(lock.path)
        if not missing:
            checked[beside.path] = f"{name} read: its {len(lock.dependencies)} package(s) all listed here"
            continue
        lock.dependencies = [d for d in lock.dependencies if f"{d.name}@{d.version or d.source.url}" in missing]
        lock.version = "not in yarn.lock"
        checked[beside.path] = f"{name} resolves {len(missing)} package(s) not listed here (see {lock.path})"
        kept.append(lock)
    return kept, checked


def _bun_lockb(path: Path) -> tuple[bun_lockb.BunLockbHeader | None, str]:
    """The header of a ``bun.lockb`` (None when unreadable) and the message that says what was not read."""
    try:
        with path.open("rb") as f:
            header = bun_lockb.read_header(f.read(bun_lockb.HEADER_BYTES), os.fstat(f.fileno()).st_size)
    except bun_lockb.NotBunLockb as exc:
        return None, f"{exc}; {UNREADABLE['bun.lockb']}"
    except OSError as exc:
        return None, f"cannot read: {exc}"
    return header, (f"bun.lockb (binary, format v{header.format_version}) records {header.packages} package(s), the "
                    "root and workspaces included; shipwarden reads its header only (names, versions and Bun's "
                    "has_install_script flag sit in Bun's internal column layout, which changes between Bun "
                    f"versions): {UNREADABLE['bun.lockb']}")


def _hidden_lockfile(root: Path, nm: str) -> list[Dependency]:
    """npm's ``node_modules/.package-lock.json``: sources of an installed tree that has no lockfile beside it."""
    path = (root / nm if nm else root) / ".package-lock.json"
    if not path.is_file():
        return []
    rel = f"{nm}/.package-lock.json" if nm else ".package-lock.json"
    try:
        text = read_text(path, root=root)
        check_json_depth(text, what=".package-lock.json")
        lock = npm_lock.parse(text, rel)
    except (LockfileError, OSError, ValueError, RecursionError):
        return []
    for dep in lock.dependencies:
        dep.lockfile = "hidden-lockfile"
    return lock.dependencies


def _manager(root: Path, folder: str, lockfiles: list[str]) -> str:
    names = {posixpath.basename(p) for p in lockfiles if _folder(p) == folder}
    for name, manager in _MANAGER_BY_LOCKFILE.items():
        if name in names:
            if manager == "yarn":
                try:
                    head = read_text(root / folder / "yarn.lock", root=root)[:4096]
                except (OSError, FileTooLarge):
                    head = ""
                return "yarn-berry" if is_berry(head) else "yarn"
            return manager
    nm = root / folder / "node_modules"
    if (nm / ".pnpm").is_dir():
        return "pnpm"
    if (nm / ".yarn-state.yml").is_file():
        return "yarn-berry"
    return "npm"


# --------------------------------------------------------------------------- hooks


def _npm_hooks(pkg: InstalledPackage, source: Source, optional: bool) -> list[InstallHook]:
    ind = load_indicators()
    events = list(ind.install_events)
    if source.kind is not SourceKind.REGISTRY:
        events += list(ind.source_events)
    hooks = []
    for event in events:
        command = pkg.scripts.get(event)
        if not command:
            continue
        hooks.append(InstallHook(
            ecosystem=Ecosystem.NPM, package=pkg.name, version=pkg.version, kind=HookKind.NPM_SCRIPT,
            event=event, command=command,
            location=location(pkg.manifest, pkg.script_lines.get(event, 0), label=f"{event} script", text=f'"{event}": "{command}"'),
            source=source, package_dir=pkg.path, optional=optional,
        ))
    if pkg.has_binding_gyp and pkg.gypfile is not False and not ({"install", "preinstall"} & pkg.scripts.keys()):
        hooks.append(InstallHook(
            ecosystem=Ecosystem.NPM, package=pkg.name, version=pkg.version, kind=HookKind.NATIVE_BUILD,
            event="binding.gyp", command=ind.gyp_default,
            location=location(f"{pkg.path}/binding.gyp", 1, label="binding.gyp: npm runs node-gyp rebuild"),
            source=source, package_dir=pkg.path, optional=optional,
        ))
    return hooks


def _flag_hook(dep: Dependency) -> InstallHook:
    return InstallHook(
        ecosystem=dep.ecosystem, package=dep.name, version=dep.version, kind=HookKind.LOCKFILE_FLAG,
        event="install script", command="(the lockfile records an install script; its content is not available locally)",
        location=dep.origin, source=dep.source, optional=dep.optional,
    )


def _manifest_hooks(dep: Dependency, fetched: FetchedPackage) -> list[InstallHook]:
    scripts = as_dict(fetched.manifest.get("scripts"))
    pkg = InstalledPackage(
        name=dep.name, version=dep.version, path="",
        scripts={str(k): str(v) for k, v in scripts.items() if isinstance(v, str)},
        has_binding_gyp="binding.gyp" in fetched.files,
        gypfile=fetched.manifest.get("gypfile") if isinstance(fetched.manifest.get("gypfile"), bool) else None,  # type: ignore[arg-type]
    )
    hooks = _npm_hooks(pkg, dep.source, dep.optional)
    for hook in hooks:
        hook.location = Location(dep.origin.path, dep.origin.line, label=f"{hook.event} (from {fetched.label})",
                                  snippet=f"{hook.event}: {hook.command}"[:160])
    return hooks


def _python_build_hook(dep: Dependency, root: Path, lock_path: str) -> InstallHook:
    package_dir = ""
    if dep.source.kind is SourceKind.FILE:
        raw = dep.source.url.removeprefix("file://").removeprefix("file:")
        candidate = posixpath.normpath(posixpath.join(_folder(lock_path), raw)) if not raw.startswith("/") else ""
        if candidate and not candidate.startswith("..") and (root / candidate).is_dir():
            package_dir = candidate
    what = {
        SourceKind.GIT: "a VCS checkout", SourceKind.FILE: "a local source tree or archive",
        SourceKind.URL: "a source archive URL", SourceKind.REGISTRY: "a source distribution (no wheel locked)",
    }.get(dep.source.kind, "source")
    return InstallHook(
        ecosystem=Ecosystem.PYPI, package=dep.name, version=dep.version, kind=HookKind.PYTHON_BUILD,
        event="build", command=f"builds {what}: setup.py or the PEP 517 build backend runs",
        location=dep.origin, source=dep.source, package_dir=package_dir,
    )


# --------------------------------------------------------------------------- findings


def _hook_properties(record: HookRecord) -> dict[str, object]:
    hook = record.hook
    props: dict[str, object] = {
        "ecosystem": hook.ecosystem.value,
        "package": hook.package,
        "version": hook.version,
        "hook": hook.event,
        "kind": hook.kind.value,
        "command": hook.command[:300],
        "source": hook.source.describe(),
        "policy": record.decision.value,
        "policy_reason": hook.policy_reason,
        "capabilities": record.analysis.capabilities,
        "sha256": hook.digest,
    }
    if hook.optional:
        props["optional"] = True
    if hook.known:
        props["known"] = hook.known
    if record.duplicates:
        props["also_installed"] = record.duplicates
    notes = hook.notes + record.analysis.notes
    if notes:
        props["notes"] = notes[:10]
    return props


def policy_text(record: HookRecord) -> str:
    """``runs (why)`` / ``allowed (why)`` / ``blocked (why)``."""
    return f"{record.decision.value} ({record.hook.policy_reason})"


def _hook_findings(record: HookRecord) -> list[Finding]:
    hook = record.hook
    head = hook.location if hook.location.label else Location(
        hook.location.path, hook.location.line, label=f"{hook.event} hook", snippet=hook.location.snippet
    )
    props = _hook_properties(record)
    where = f"{hook.ident} ({hook.event}: `{_short(hook.command)}`)"
    findings = []
    for judgement in record.analysis.judgements:
        meta = R.BEHAVIOUR_RULES.get(judgement.rule) or RULES[judgement.rule]
        details = "; ".join(dict.fromkeys(ev.detail for ev in judgement.evidence))
        contexts = list(dict.fromkeys(ev.context for ev in judgement.evidence if ev.context))
        if contexts:
            details += f" (found {'; '.join(contexts)})"
        findings.append(meta.finding(
            f"{where}: {meta.title} — {_short(details, 400)}. Policy: {policy_text(record)}.",
            [head, *(ev.location() for ev in judgement.evidence)],
            tier=judgement.tier,
            confidence=judgement.confidence,
            key=f"{hook.ecosystem.value}:{hook.package}:{hook.event}:{judgement.rule}",
            properties={**props, "evidence_capabilities": list(judgement.capabilities)},
        ))
    if findings:
        return findings
    caps = [c for c in record.analysis.capabilities if not c.endswith("?")]
    does = ", ".join(caps) if caps else "no suspicious behaviour found"
    unseen = record.analysis.unresolved
    if hook.kind is HookKind.PTH and not hook.known and (not hook.package or unseen):
        # Start-up code nobody's RECORD lists, or whose imported code could not be read:
        # nothing vouches for it and nothing cleared it.
        meta = R.PTH_STARTUP_CODE
        why = f"; imports {', '.join(unseen[:3])}, not found as Python source, so not analysed" if unseen else ""
        message = (f"{hook.event} (from {hook.package or 'no installed distribution'}) runs code at every Python "
                   f"start-up: `{_short(hook.command)}` — {does}{why}. Policy: {policy_text(record)}.")
    else:
        meta = R.INSTALL_SCRIPT
        known = f" (known: {hook.known})" if hook.known else ""
        if hook.kind is HookKind.LOCKFILE_FLAG:
            message = f"{hook.ident} runs an install script that is not available locally{known}; read it with --fetch"
        elif hook.kind is HookKind.PTH:
            owned = "" if hook.known else " (listed in its RECORD; the code it runs was read)"
            message = f"{where} runs code at every Python start-up{known}{owned} — {does}"
        else:
            message = f"{where} runs code at install{known} — {does}"
        message += f". Policy: {policy_text(record)}."
    locations = [head] + [ev.location() for ev in record.analysis.evidence if ev.strong][:6]
    return [meta.finding(message, locations, key=f"{hook.ecosystem.value}:{hook.package}:{hook.event}:{meta.id}",
                         properties=props)]


def _short(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _source_findings(deps: list[Dependency], hooks: list[HookRecord]) -> list[Finding]:
    # by source too: two lockfiles may lock the same name from different places (a folder that builds, a wheel that does not)
    with_code = {(h.hook.ecosystem, h.hook.package, h.hook.source.url) for h in hooks}
    registry_scopes = {
        d.name.split("/", 1)[0] for d in deps if d.source.is_registry and d.name.startswith("@")
    }
    findings: list[Finding] = []
    seen: set[tuple[str, str, str]] = set()
    for dep in deps:
        kind = dep.source.kind
        if kind in (SourceKind.REGISTRY, SourceKind.WORKSPACE):
            continue
        if kind is SourceKind.FILE and not dep.source.url.lower().endswith(_ARCHIVE_SUFFIXES) and not dep.install_script:
            continue  # a folder of the project itself
        key = (dep.ecosystem.value, dep.name, dep.source.url)
        if key in seen:
            continue
        seen.add(key)
        reasons = []
        if dep.ecosystem is Ecosystem.PYPI and (dep.builds_from_source or kind is SourceKind.GIT):
            reasons.append("it is built from source at install, so its setup.py or build backend runs")
        elif (dep.ecosystem, dep.name, dep.source.url) in with_code or dep.install_script:
            reasons.append("it runs code at install (npm also runs `prepare` for git dependencies)")
        if dep.optional and kind is SourceKind.GIT:
            reasons.append("it is an optional dependency, so a failing install script goes unnoticed")
        scope = dep.name.split("/", 1)[0] if dep.name.startswith("@") else ""
        if scope and scope in registry_scopes and kind is SourceKind.GIT:
            reasons.append(f"its name sits in the {scope} scope that otherwise resolves to the registry")
        tier = Tier.P1 if reasons else Tier.P2
        why = f": {'; '.join(reasons)}" if reasons else ""
        findings.append(R.NON_REGISTRY_SOURCE.finding(
            f"{dep.name} resolves to {kind.value} {dep.source.url} instead of a registry{why}",
            [Location(dep.origin.path, dep.origin.line, label=dep.origin.label or dep.name, snippet=dep.origin.snippet)],
            tier=tier,
            key=f"{dep.ecosystem.value}:{dep.name}:{kind.value}",
            properties={"ecosystem": dep.ecosystem.value, "package": dep.name, "source": kind.value,
                        "url": dep.source.url, "optional": dep.optional, "lockfile": dep.lockfile},
        ))
    return findings


def _gating_findings(root: Path, policies: dict[str, Policy], records: list[HookRecord], lockfiles: list[str]) -> list[Finding]:
    findings = []
    for folder, policy in sorted(policies.items()):
        running = [r for r in records if r.hook.ecosystem is Ecosystem.NPM and _project_of(r.hook, folder, policies)
                   and r.decision is Decision.RUNS]
        if not running or policy.gated:
            continue
        names = ", ".join(sorted({r.hook.ident for r in running})[:8])
        manifest = f"{folder}/package.json" if folder else "package.json"
        if not (root / manifest).is_file():
            manifest = next((p for p in lockfiles if _folder(p) == folder), manifest)
        fixes = {
            "npm": "set allowScripts in package.json (npm approve-scripts) or ignore-scripts=true in .npmrc",
            "pnpm": "list reviewed packages in allowBuilds (pnpm approve-builds) instead of allowing all",
            "yarn": "set ignore-scripts true in .yarnrc and run reviewed builds explicitly",
            "yarn-berry": "set enableScripts: false in .yarnrc.yml and dependenciesMeta.<pkg>.built: true for reviewed ones",
        }
        findings.append(R.SCRIPTS_NOT_GATED.finding(
            f"{policy.manager} runs the install scripts of every dependency in this project: "
            f"{len(running)} hook(s) would run ({names}{'…' if len(running) > 8 else ''}); "
            f"{fixes.get(policy.manager, 'gate install scripts with an allowlist')}",
            [Location(manifest, 0, label=f"{policy.manager} project")],
            key=f"{folder}:{policy.manager}",
            properties={"manager": policy.manager, "hooks": len(running), "config_files": policy.files},
        ))
    return findings


def _project_of(hook: InstallHook, folder: str, policies: dict[str, Policy]) -> bool:
    return _owning_project(hook.location.path if not hook.package_dir else hook.package_dir, policies) == folder


def _owning_project(path: str, policies: dict[str, Policy]) -> str | None:
    """The deepest project folder that contains ``path`` (or holds its node_modules)."""
    best: str | None = None
    for folder in policies:
        if (folder == "" or path == folder or path.startswith(folder + "/")) and (best is None or len(folder) > len(best)):
            best = folder
    return best


def _change_findings(changes: list[Change], records: dict[int, HookRecord]) -> list[Finding]:
    findings = []
    for change in changes:
        meta = RULES[change.rule]
        if change.hook is not None:
            hook = change.hook
            record = records.get(id(hook))
            caps = record.analysis.capabilities if record else []
            found = f" Found: {', '.join(caps)}." if caps else ""
            findings.append(meta.finding(
                f"{change.message}.{found}",
                [hook.location],
                key=f"{hook.ecosystem.value}:{hook.package}:{hook.event}:{change.rule}",
                properties={"ecosystem": hook.ecosystem.value, "package": hook.package, "version": hook.version,
                            "hook": hook.event, "sha256": hook.digest},
            ))
        elif change.dependency is not None:
            dep = change.dependency
            findings.append(meta.finding(
                change.message + ".",
                [dep.origin],
                key=f"{dep.ecosystem.value}:{dep.name}:{change.rule}",
                properties={"ecosystem": dep.ecosystem.value, "package": dep.name, "source": dep.source.kind.value,
                            "url": dep.source.url},
            ))
    return findings


# --------------------------------------------------------------------------- the scan


def scan_deps(root: Path, options: DepsOptions | None = None) -> DepsResult:
    options = options or DepsOptions()
    root = root.resolve() if root.exists() else root
    errors: list[ScanError] = []
    layout = discover(root, options.excluded)
    locks = _read_lockfiles(root, layout.lockfiles, errors)
    locks, pnp_checked = _cross_check_pnp(locks)
    dependencies: list[Dependency] = [d for lock in locks for d in lock.dependencies]

    npm_folders = {_folder(p) for p in layout.manifests}
    npm_folders |= {_folder(p) for p in layout.lockfiles if posixpath.basename(p) in _MANAGER_BY_LOCKFILE}
    npm_folders |= {_project_of_node_modules(n) for n in layout.node_modules if n}
    policies = {f: read_policy(root, f, _manager(root, f, layout.lockfiles)) for f in sorted(npm_folders)}
    if "" in layout.node_modules and "" not in policies:
        policies[""] = Policy("", "npm")

    hooks: list[tuple[InstallHook, PackageFiles | None]] = []
    matched: set[int] = set()
    seen: dict[int, Seen] = {}
    installed = 0
    by_folder: dict[str, list[Dependency]] = {}
    for dep in dependencies:
        if dep.ecosystem is Ecosystem.NPM:
            by_folder.setdefault(_folder(dep.origin.path), []).append(dep)

    for nm in layout.node_modules:
        project = _project_of_node_modules(nm)
        project_deps = by_folder.get(project, []) or _hidden_lockfile(root, nm)
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
            item_hooks = _npm_hooks(item, source, optional)
            if match is not None:
                seen[id(match)] = Seen.RUNS if item_hooks else Seen.NONE
            for hook in item_hooks:
                hooks.append((hook, DirFiles(root, item.path)))

    unmatched = [d for d in dependencies
                 if d.ecosystem is Ecosystem.NPM and id(d) not in matched and d.lockfile != "node_modules"]
    to_fetch = [d for d in unmatched if d.install_script is not False and d.source.kind is not SourceKind.FILE]
    python_builds = [d for lock in locks if lock.ecosystem is Ecosystem.PYPI for d in lock.dependencies
                     if d.builds_from_source is not False and not _python_local_dir(d, root, lock.path)]
    fetched_by_id = _fetch_all(options, to_fetch + python_builds) if options.fetcher is not None else {}
    for dep in unmatched:
        fetched = fetched_by_id.get(id(dep))
        if fetched is not None:
            manifest_hooks = _manifest_hooks(dep, fetched)
            seen[id(dep)] = Seen.RUNS if manifest_hooks else Seen.NONE
            for hook in manifest_hooks:
                hooks.append((hook, MemoryFiles(fetched.files, fetched.label or dep.name)))
            continue
        if dep.install_script:
            hooks.append((_flag_hook(dep), None))

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
                hook = _python_build_hook(dep, root, lock.path)
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
        decision, reason = _decide(hook, policies)
        hook.policy, hook.policy_reason = decision.value, reason
        record = HookRecord(hook, analysis, decision)
        record.findings = _hook_findings(record)
        by_key[key] = record
        records.append(record)

    task.done()
    findings: list[Finding] = [f for r in records for f in r.findings]
    findings += _source_findings(dependencies, records)
    findings += _gating_findings(root, policies, records, layout.lockfiles)

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
    hook_records = {id(r.hook): r for r in records}
    change_findings = _change_findings(changes, hook_records)
    seen_keys: set[tuple[str, str]] = set()
    for f in change_findings:
        if (f.rule_id, f.key) not in seen_keys:
            seen_keys.add((f.rule_id, f.key))
            findings.append(f)

    report = Report(command="deps", roots=[str(root)], findings=findings, errors=errors)
    fetched_any = options.fetcher is not None
    report.coverage = [lockfile_coverage(lock, seen, options.root_arg, fetched=fetched_any) for lock in locks]
    for e in errors:
        if e.path in set(layout.lockfiles):
            header = _bun_lockb(root / e.path)[0] if posixpath.basename(e.path) == "bun.lockb" else None
            report.coverage.append(unreadable_coverage(e.path, e.message, _unreadable_fix(e.path, options.root_arg),
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


def _project_of_node_modules(nm: str) -> str:
    """The project folder a ``node_modules`` belongs to (yarn berry's unplugged ones: the folder of ``.yarn``)."""
    if not nm:
        return ""
    marker = nm.find(".yarn/unplugged/")
    if marker == 0 or (marker > 0 and nm[marker - 1] == "/"):
        return nm[: max(marker - 1, 0)]
    return _folder(nm)


def _fetch_all(options: DepsOptions, deps: list[Dependency]) -> dict[int, FetchedPackage]:
    """Registry look-ups for ``deps`` in a bounded pool; results by ``id(dep)`` (order-independent)."""
    fetcher = options.fetcher
    if fetcher is None or not deps:
        return {}
    # one look-up per distinct locked version (workspaces and fixture lockfiles repeat them)
    groups: dict[tuple[object, ...], list[Dependency]] = {}
    for dep in deps:
        key = (dep.ecosystem, dep.name, dep.version, dep.source, dep.hashes, dep.builds_from_source)
        groups.setdefault(key, []).append(dep)
    out: dict[int, FetchedPackage] = {}
    task = options.progress.task("Reading locked versions from the registry", len(groups))
    with ThreadPoolExecutor(max_workers=max(1, options.fetch_workers)) as pool:
        futures = {pool.submit(fetcher, same[0]): same for same in groups.values()}
        for future in as_completed(futures):
            task.advance()
            result = future.result()
            if result is not None:
                for dep in futures[future]:
                    out[id(dep)] = result
    task.done()
    return out


def _python_local_dir(dep: Dependency, root: Path, lock_path: str) -> bool:
    return dep.builds_from_source is True and bool(_python_build_hook(dep, root, lock_path).package_dir)


def _unreadable_fix(path: str, root_arg: str) -> str:
    name = posixpath.basename(path)
    if name == "bun.lockb":
        folder = _folder(path)
        where = posixpath.join(root_arg, folder) if folder and root_arg not in ("", ".") else (folder or "")
        bun = "bun install --save-text-lockfile --frozen-lockfile --lockfile-only"
        return (f"{f'(cd {shlex.quote(where)} && {bun})' if where else bun} (writes bun.lock beside it, "
                f"runs no script), then shipwarden deps {shlex.quote(root_arg or '.')}")
    return "fix the error above, then run shipwarden deps again"


def _decide(hook: InstallHook, policies: dict[str, Policy]) -> tuple[Decision, str]:
    if hook.kind is HookKind.PTH:
        return Decision.RUNS, "Python runs import lines of .pth files at every start-up"
    if hook.ecosystem is Ecosystem.PYPI:
        return Decision.RUNS, "pip, uv and poetry build source distributions without asking"
    project = _owning_project(hook.package_dir or hook.location.path, policies)
    policy = policies.get(project) if project is not None else None
    if policy is None:
        return Decision.RUNS, "no project configuration found"
    return policy.decide(hook.package, hook.version, hook.source.kind)
