"""``package-lock.json`` and ``npm-shrinkwrap.json``, lockfile versions 1, 2 and 3.

v2 and v3 list every install path under ``packages`` and mark packages that
run a lifecycle script with ``hasInstallScript``. v1 nests ``dependencies``
and records no script flag.
"""

from __future__ import annotations

import json
from typing import Any

from shipwarden.deps.model import Dependency, Ecosystem, Lockfile, LockfileError, Source, SourceKind
from shipwarden.deps.sources import classify_npm
from shipwarden.deps.text import json_key_lines, location

FORMATS = {"package-lock.json": "package-lock", "npm-shrinkwrap.json": "npm-shrinkwrap"}


def parse(text: str, path: str, filename: str = "package-lock.json") -> Lockfile:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LockfileError(f"invalid JSON: {exc.msg}", exc.lineno, "json") from None
    if not isinstance(data, dict):
        raise LockfileError("not a lockfile object")
    version = data.get("lockfileVersion", 1)
    lock = Lockfile(path, FORMATS.get(filename, "package-lock"), Ecosystem.NPM, str(version))
    lines = json_key_lines(text)
    packages = data.get("packages")
    if isinstance(packages, dict) and packages:
        _packages(packages, lock, lines)
    else:
        deps = data.get("dependencies")
        if isinstance(deps, dict):
            _v1(deps, lock, lines, "node_modules")
    return lock


def _name_from_path(install_path: str) -> str:
    tail = install_path.rsplit("node_modules/", 1)[-1]
    return tail


def _packages(packages: dict[str, Any], lock: Lockfile, lines: dict[str, int]) -> None:
    for install_path, entry in packages.items():
        if not install_path or not isinstance(entry, dict):
            continue  # "" is the project itself
        if "node_modules/" not in install_path and not entry.get("link"):
            # A workspace folder (``packages/a``): the project's own code.
            continue
        name = str(entry.get("name") or _name_from_path(install_path))
        if entry.get("link"):
            source = Source(SourceKind.WORKSPACE if not str(entry.get("resolved", "")).startswith("..") else SourceKind.FILE, str(entry.get("resolved", "")))
        else:
            resolved = str(entry.get("resolved", "") or "")
            source = classify_npm(resolved) if resolved else classify_npm(str(entry.get("version", "")))
        version = str(entry.get("version", ""))
        if source.kind is SourceKind.GIT and version.startswith(("git", "github:")):
            version = ""
        lock.dependencies.append(
            Dependency(
                name=name,
                version=version,
                ecosystem=Ecosystem.NPM,
                source=source,
                origin=location(lock.path, lines.get(install_path, 0), label=install_path),
                install_script=bool(entry.get("hasInstallScript", False)),
                dev=bool(entry.get("dev", False) or entry.get("devOptional", False)),
                optional=bool(entry.get("optional", False)),
                hashes=(str(entry["integrity"]),) if entry.get("integrity") else (),
                install_path=install_path,
                lockfile=lock.format,
            )
        )


def _v1(deps: dict[str, Any], lock: Lockfile, lines: dict[str, int], prefix: str, depth: int = 0) -> None:
    if depth > 64:
        return
    for name, entry in deps.items():
        if not isinstance(entry, dict):
            continue
        version = str(entry.get("version", ""))
        resolved = str(entry.get("resolved", "") or "")
        spec_like = version.startswith(("git", "github:", "file:", "http", "link:"))
        source = classify_npm(version if spec_like or not resolved else resolved)
        install_path = f"{prefix}/{name}"
        lock.dependencies.append(
            Dependency(
                name=name,
                version=version if source.kind is SourceKind.REGISTRY else _version_hint(entry),
                ecosystem=Ecosystem.NPM,
                source=source,
                origin=location(lock.path, lines.get(name, 0), label=name),
                install_script=None,
                dev=bool(entry.get("dev", False)),
                optional=bool(entry.get("optional", False)),
                hashes=(str(entry["integrity"]),) if entry.get("integrity") else (),
                install_path=install_path,
                lockfile=lock.format,
            )
        )
        nested = entry.get("dependencies")
        if isinstance(nested, dict):
            _v1(nested, lock, lines, f"{install_path}/node_modules", depth + 1)


def _version_hint(entry: dict[str, Any]) -> str:
    version = str(entry.get("version", ""))
    if "#" in version:
        return version.rsplit("#", 1)[1][:12]
    return ""
