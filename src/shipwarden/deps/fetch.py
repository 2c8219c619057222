"""``--fetch``: read a locked version's manifest and files from the user's configured registry.

Used only when nothing local describes a dependency (not installed, lockfile
without scripts). Look-ups go through :mod:`shipwarden.registry` (cached,
anonymous, integrity-checked); archives are read in memory with
:func:`shipwarden.artifacts.open_archive`, never extracted.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import posixpath
import threading
from dataclasses import dataclass, field
from pathlib import Path

from shipwarden.artifacts import ArchiveError, open_archive
from shipwarden.core import safeio
from shipwarden.core.findings import ScanError
from shipwarden.deps.hooks import FetchedPackage
from shipwarden.deps.model import Dependency, Ecosystem, SourceKind
from shipwarden.registry import RegistryClient, RegistryError, same_version

#: Files of a package kept for analysis (by suffix), and the byte budget.
_KEEP = (".js", ".cjs", ".mjs", ".ts", ".sh", ".py", ".json", ".gyp", ".pth", ".toml", ".cfg")
MAX_FILE = 8 * 1024 * 1024
MAX_TOTAL = 64 * 1024 * 1024


@dataclass(slots=True)
class RegistryFetcher:
    """Thread-safe: ``deps`` calls it from a bounded pool of workers."""

    client: RegistryClient
    errors: list[ScanError] = field(default_factory=list)
    #: Archives downloaded (or taken from the cache) and read.
    fetched: int = 0
    #: Version manifests looked up.
    looked_up: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, dep: Dependency) -> FetchedPackage | None:
        if dep.source.kind is not SourceKind.REGISTRY or not _exact(dep):
            return None
        try:
            if dep.ecosystem is Ecosystem.NPM:
                return self._npm(dep)
            return self._pypi(dep)
        except (RegistryError, ArchiveError, OSError, ValueError) as exc:
            with self._lock:
                self.errors.append(ScanError(dep.origin.path, f"--fetch {dep.name}@{dep.version}: {exc}", "registry"))
            return None

    def _count(self, looked_up: int = 0, fetched: int = 0) -> None:
        with self._lock:
            self.looked_up += looked_up
            self.fetched += fetched

    def _npm(self, dep: Dependency) -> FetchedPackage | None:
        info = self.client.npm_version(dep.name, dep.version)
        self._count(looked_up=1)
        manifest = info.manifest
        if manifest.get("hasInstallScript") is False or (
            "hasInstallScript" not in manifest and not _install_scripts(manifest)
        ):
            return FetchedPackage(manifest, {}, f"{dep.name}@{dep.version} (registry manifest)")
        path = self.client.npm_tarball(info)
        check_lock_hashes(dep, path)
        files = _read_archive(path, strip=1)
        self._count(fetched=1)
        with contextlib.suppress(ValueError):
            manifest = safeio.load_json(files.get("package.json", b"{}"), "package.json")
        return FetchedPackage(manifest if isinstance(manifest, dict) else {}, files, f"{dep.name}@{dep.version}.tgz")

    def _pypi(self, dep: Dependency) -> FetchedPackage | None:
        if dep.builds_from_source is None:
            # The lockfile does not say whether a wheel exists: the index's file list does.
            files = [f for f in self.client.pypi_files(dep.name) if not f.yanked and same_version(f.version, dep.version)]
            self._count(looked_up=1)
            if not files:
                raise RegistryError(f"pypi:{dep.name}=={dep.version}: no such version on the index")
            if any(f.kind == "wheel" for f in files):
                return FetchedPackage({}, {}, f"{dep.name}=={dep.version} (index: a wheel exists)", sdist_only=False)
        dist, path = self.client.pypi_download(dep.name, dep.version, prefer=("sdist",))
        if dist.kind != "sdist":
            return None
        check_lock_hashes(dep, path)
        self._count(fetched=1)
        return FetchedPackage({}, _read_archive(path, strip=1), dist.filename, sdist_only=True)


def _exact(dep: Dependency) -> bool:
    """A pinned version (``1.2.3``), not a range or a URL."""
    v = dep.version
    return bool(v) and v[0].isdigit() and not any(ch in v for ch in "<>=~^*, |")


def _digests(hashes: tuple[str, ...]) -> list[tuple[str, bytes]]:
    """(algorithm, digest) pairs from lockfile hashes: ``sha512-<base64>`` (npm
    integrity), ``sha256:<hex>`` / ``sha256=<hex>`` (pip, uv, poetry, pylock)."""
    out: list[tuple[str, bytes]] = []
    for text in hashes:
        for part in text.split():
            algo, sep, value = part.partition("-")
            try:
                if sep and algo in ("sha512", "sha384", "sha256", "sha1"):
                    out.append((algo, base64.b64decode(value, validate=True)))
                    continue
                algo, sep, value = part.replace("=", ":", 1).partition(":")
                if sep and algo.lower() in ("sha512", "sha384", "sha256", "sha1", "md5"):
                    out.append((algo.lower(), bytes.fromhex(value)))
            except ValueError:
                continue
    return out


def check_lock_hashes(dep: Dependency, path: Path) -> None:
    """The downloaded file must be one the lockfile pinned: the registry's own
    checksum only proves the registry sent what it meant to send."""
    wanted = _digests(dep.hashes)
    if not wanted:
        return
    seen: dict[str, bytes] = {}
    for algo, digest in wanted:
        if algo not in seen:
            h = hashlib.new(algo)
            with path.open("rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    h.update(chunk)
            seen[algo] = h.digest()
        if seen[algo] == digest:
            return
    raise ValueError("the registry's file does not match any hash the lockfile records; not analysed")


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
