"""``--fetch``: read a locked version's manifest and files from the user's configured registry.

Used only when nothing local describes a dependency (not installed, lockfile
without scripts). Look-ups go through :mod:`shipwarden.registry` (cached,
anonymous, integrity-checked); archives are read in memory with
:func:`shipwarden.artifacts.open_archive`, never extracted.
"""

from __future__ import annotations

import json
import posixpath
from dataclasses import dataclass, field
from pathlib import Path

from shipwarden.artifacts import ArchiveError, open_archive
from shipwarden.deps.model import Dependency, Ecosystem, SourceKind
from shipwarden.deps.scan import FetchedPackage
from shipwarden.findings import ScanError
from shipwarden.registry import RegistryClient, RegistryError

#: Files of a package kept for analysis (by suffix), and the byte budget.
_KEEP = (".js", ".cjs", ".mjs", ".ts", ".sh", ".py", ".json", ".gyp", ".pth", ".toml", ".cfg")
MAX_FILE = 8 * 1024 * 1024
MAX_TOTAL = 64 * 1024 * 1024


@dataclass(slots=True)
class RegistryFetcher:
    client: RegistryClient
    errors: list[ScanError] = field(default_factory=list)
    fetched: int = 0

    def __call__(self, dep: Dependency) -> FetchedPackage | None:
        if dep.source.kind is not SourceKind.REGISTRY or not dep.version or not dep.version[0].isdigit():
            return None
        try:
            if dep.ecosystem is Ecosystem.NPM:
                return self._npm(dep)
            return self._pypi(dep)
        except (RegistryError, ArchiveError, OSError, ValueError) as exc:
            self.errors.append(ScanError(dep.origin.path, f"--fetch {dep.name}@{dep.version}: {exc}", "registry"))
            return None

    def _npm(self, dep: Dependency) -> FetchedPackage | None:
        info = self.client.npm_resolve(dep.name, dep.version)
        manifest = info.manifest
        if manifest.get("hasInstallScript") is False or (
            "hasInstallScript" not in manifest and not _install_scripts(manifest)
        ):
            return FetchedPackage(manifest, {}, f"{dep.name}@{dep.version} (registry manifest)")
        _, path = self.client.npm_download(dep.name, dep.version)
        files = _read_archive(path, strip=1)
        self.fetched += 1
        try:
            manifest = json.loads(files.get("package.json", b"{}"))
        except ValueError:
            pass
        return FetchedPackage(manifest if isinstance(manifest, dict) else {}, files, f"{dep.name}@{dep.version}.tgz")

    def _pypi(self, dep: Dependency) -> FetchedPackage | None:
        dist, path = self.client.pypi_download(dep.name, dep.version, prefer=("sdist",))
        if dist.kind != "sdist":
            return None
        self.fetched += 1
        return FetchedPackage({}, _read_archive(path, strip=1), dist.filename)


def _install_scripts(manifest: dict[str, object]) -> bool:
    scripts = manifest.get("scripts")
    return isinstance(scripts, dict) and any(k in scripts for k in ("preinstall", "install", "postinstall"))


def _read_archive(path: Path, strip: int) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    total = 0
    with open_archive(path) as archive:
        for member in archive:
            if not member.is_file or not member.name.endswith(_KEEP) or member.size > MAX_FILE:
                continue
            parts = member.name.split("/")[strip:]
            if not parts:
                continue
            total += member.size
            if total > MAX_TOTAL:
                break
            files[posixpath.normpath("/".join(parts))] = member.read()
    return files
