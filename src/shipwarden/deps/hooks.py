"""The install hooks of a package: its npm scripts and ``binding.gyp``, a lockfile's bare script
flag, a manifest read from the registry (``--fetch``), a Python source build."""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from shipwarden.core.findings import Location
from shipwarden.core.progress import Progress
from shipwarden.deps.analysis.indicators import load_indicators
from shipwarden.deps.inputs import folder_of
from shipwarden.deps.model import Dependency, Ecosystem, HookKind, InstallHook, Source, SourceKind
from shipwarden.deps.node_tree import InstalledPackage
from shipwarden.deps.shapes import as_dict
from shipwarden.deps.text import location


@dataclass(slots=True)
class FetchedPackage:
    """What a registry look-up returned for one locked version."""

    manifest: dict[str, object]
    files: dict[str, bytes] = field(default_factory=dict)
    label: str = ""
    #: Python: the index lists only source distributions for the pinned version.
    sdist_only: bool | None = None


Fetcher = Callable[[Dependency], "FetchedPackage | None"]


def npm_hooks(pkg: InstalledPackage, source: Source, optional: bool) -> list[InstallHook]:
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


def flag_hook(dep: Dependency) -> InstallHook:
    return InstallHook(
        ecosystem=dep.ecosystem, package=dep.name, version=dep.version, kind=HookKind.LOCKFILE_FLAG,
        event="install script", command="(the lockfile records an install script; its content is not available locally)",
        location=dep.origin, source=dep.source, optional=dep.optional,
    )


def manifest_hooks(dep: Dependency, fetched: FetchedPackage) -> list[InstallHook]:
    scripts = as_dict(fetched.manifest.get("scripts"))
    pkg = InstalledPackage(
        name=dep.name, version=dep.version, path="",
        scripts={str(k): str(v) for k, v in scripts.items() if isinstance(v, str)},
        has_binding_gyp="binding.gyp" in fetched.files,
        gypfile=fetched.manifest.get("gypfile") if isinstance(fetched.manifest.get("gypfile"), bool) else None,  # type: ignore[arg-type]
    )
    hooks = npm_hooks(pkg, dep.source, dep.optional)
    for hook in hooks:
        hook.location = Location(dep.origin.path, dep.origin.line, label=f"{hook.event} (from {fetched.label})",
                                  snippet=f"{hook.event}: {hook.command}"[:160])
    return hooks


def python_build_hook(dep: Dependency, root: Path, lock_path: str) -> InstallHook:
    package_dir = ""
    if dep.source.kind is SourceKind.FILE:
        raw = dep.source.url.removeprefix("file://").removeprefix("file:")
        candidate = posixpath.normpath(posixpath.join(folder_of(lock_path), raw)) if not raw.startswith("/") else ""
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


def python_local_dir(dep: Dependency, root: Path, lock_path: str) -> bool:
    return dep.builds_from_source is True and bool(python_build_hook(dep, root, lock_path).package_dir)


def fetch_all(fetcher: Fetcher | None, deps: list[Dependency], workers: int, progress: Progress) -> dict[int, FetchedPackage]:
    """Registry look-ups for ``deps`` in a pool of ``workers``; results by ``id(dep)`` (order-independent)."""
    if fetcher is None or not deps:
        return {}
    # one look-up per distinct locked version (workspaces and fixture lockfiles repeat them)
    groups: dict[tuple[object, ...], list[Dependency]] = {}
    for dep in deps:
        key = (dep.ecosystem, dep.name, dep.version, dep.source, dep.hashes, dep.builds_from_source)
        groups.setdefault(key, []).append(dep)
    out: dict[int, FetchedPackage] = {}
    task = progress.task("Reading locked versions from the registry", len(groups))
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = {pool.submit(fetcher, same[0]): same for same in groups.values()}
        for future in as_completed(futures):
            task.advance()
            result = future.result()
            if result is not None:
                for dep in futures[future]:
                    out[id(dep)] = result
    task.done()
    return out


