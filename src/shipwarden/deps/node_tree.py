"""Installed npm trees: every ``node_modules/**/package.json`` (npm, yarn, bun and pnpm's ``.pnpm`` store).

Symlinks are not followed (pnpm's top-level links point into ``.pnpm``, which
is walked directly; workspace links point at the project's own code).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from shipwarden.core import safeio
from shipwarden.deps.shapes import as_dict
from shipwarden.deps.text import json_key_lines

#: Largest package.json read.
MAX_MANIFEST_BYTES = 2 * 1024 * 1024
#: Deepest node_modules nesting walked.
MAX_DEPTH = 32
_SKIP = frozenset({".bin", ".cache", ".vite", ".modules.yaml", ".package-lock.json", ".yarn-state.yml"})


@dataclass(slots=True)
class InstalledPackage:
    name: str
    version: str
    #: Folder relative to the scanned root (POSIX).
    path: str
    scripts: dict[str, str] = field(default_factory=dict)
    #: Line of each script key in package.json.
    script_lines: dict[str, int] = field(default_factory=dict)
    has_binding_gyp: bool = False
    gypfile: bool | None = None
    #: The manifest's own record of where it came from (older npm: ``_resolved``).
    resolved: str = ""

    @property
    def manifest(self) -> str:
        return f"{self.path}/package.json"


@dataclass(slots=True)
class ManifestError:
    path: str
    message: str
    kind: str = "manifest"


def _package_dirs(node_modules: Path, depth: int = 0) -> Iterator[Path]:
    """Package folders inside one node_modules folder, nested ones included."""
    if depth > MAX_DEPTH:
        return
    try:
        entries = list(os.scandir(node_modules))
    except OSError:
        return
    for entry in entries:
        if entry.name in _SKIP or entry.is_symlink() or not entry.is_dir(follow_symlinks=False):
            continue
        if entry.name == ".pnpm":
            yield from _pnpm_store(Path(entry.path), depth)
            continue
        if entry.name.startswith("@"):
            try:
                scoped = list(os.scandir(entry.path))
            except OSError:
                continue
            for sub in scoped:
                if not sub.is_symlink() and sub.is_dir(follow_symlinks=False):
                    yield from _package(Path(sub.path), depth)
            continue
        if entry.name.startswith("."):
            continue
        yield from _package(Path(entry.path), depth)


def _package(folder: Path, depth: int) -> Iterator[Path]:
    yield folder
    nested = folder / "node_modules"
    if nested.is_dir() and not nested.is_symlink():
        yield from _package_dirs(nested, depth + 1)


def _pnpm_store(store: Path, depth: int) -> Iterator[Path]:
    """``.pnpm/<name>@<version>/node_modules/<name>``: the real package folders."""
    try:
        entries = list(os.scandir(store))
    except OSError:
        return
    for entry in entries:
        if entry.name in ("node_modules", "lock.yaml") or not entry.is_dir(follow_symlinks=False):
            continue
        yield from _package_dirs(Path(entry.path) / "node_modules", depth + 1)


def read_manifest(folder: Path, rel: str, root: Path | None = None) -> InstalledPackage | ManifestError | None:
    """The installed package in ``folder``; ``None`` without a package.json.

    Read through :mod:`shipwarden.core.safeio`: only a regular file inside ``root``,
    at most the manifest limit, nesting measured before parsing.
    """
    manifest = folder / "package.json"
    if not os.path.lexists(manifest):
        return None
    try:
        text = safeio.read_text(manifest, root=root, limit=MAX_MANIFEST_BYTES)
        data = safeio.load_json(text, "package.json")
    except FileNotFoundError:
        return None
    except safeio.ReadRefused as exc:
        return ManifestError(f"{rel}/package.json", str(exc), exc.kind)
    except (OSError, ValueError) as exc:
        return ManifestError(f"{rel}/package.json", f"unreadable package.json: {exc}")
    if not isinstance(data, dict):
        return ManifestError(f"{rel}/package.json", "package.json is not an object")
    scripts = as_dict(data.get("scripts"))
    pkg = InstalledPackage(
        name=str(data.get("name", "") or folder.name),
        version=str(data.get("version", "")),
        path=rel,
        scripts={str(k): str(v) for k, v in scripts.items() if isinstance(v, str)},
        has_binding_gyp=(folder / "binding.gyp").is_file(),
        gypfile=data["gypfile"] if isinstance(data.get("gypfile"), bool) else None,
        resolved=str(data.get("_resolved", "") or ""),
    )
    if pkg.scripts:
        lines = json_key_lines(text)
        pkg.script_lines = {k: lines.get(k, 0) for k in pkg.scripts}
    return pkg


def installed_packages(root: Path, node_modules: Path) -> Iterator[InstalledPackage | ManifestError]:
    """Every package installed under ``node_modules`` (paths relative to ``root``)."""
    for folder in _package_dirs(node_modules):
        rel = folder.relative_to(root).as_posix()
        found = read_manifest(folder, rel, root)
        if found is not None:
            yield found
