"""Find what ``deps`` reads under a root: lockfiles, project folders, node_modules, site-packages."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from shipwarden.deps.lockfiles import is_lockfile

#: Folders never descended into.
_PRUNE = frozenset({".git", ".hg", ".svn", "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache",
                    ".shipwarden-cache", ".yarn", ".pnpm-store", ".npm", ".cache", ".hypothesis", ".tox"})
_SITE = frozenset({"site-packages", "dist-packages"})
MAX_DEPTH = 12


@dataclass(slots=True)
class Layout:
    root: Path
    #: Root-relative POSIX paths.
    lockfiles: list[str] = field(default_factory=list)
    manifests: list[str] = field(default_factory=list)  # project package.json files
    node_modules: list[str] = field(default_factory=list)
    site_packages: list[str] = field(default_factory=list)


def discover(root: Path, excluded: Callable[[str], bool] = lambda _p: False) -> Layout:
    layout = Layout(root)
    if root.name in _SITE or any(p.name.endswith(".dist-info") for p in _first_entries(root)):
        layout.site_packages.append("")
        return layout
    if root.name == "node_modules":
        layout.node_modules.append("")
        return layout
    for current, dirs, files in os.walk(root):
        rel_dir = Path(current).relative_to(root).as_posix()
        rel_dir = "" if rel_dir == "." else rel_dir
        depth = rel_dir.count("/") + 1 if rel_dir else 0
        keep = []
        for d in dirs:
            rel = f"{rel_dir}/{d}" if rel_dir else d
            if d == ".yarn" and not excluded(rel):
                layout.node_modules.extend(_unplugged(root, rel))
            if d in _PRUNE or excluded(rel) or os.path.islink(os.path.join(current, d)):
                continue
            if d == "node_modules":
                layout.node_modules.append(rel)
                continue
            if d in _SITE:
                layout.site_packages.append(rel)
                continue
            if depth < MAX_DEPTH:
                keep.append(d)
        dirs[:] = sorted(keep)
        for name in sorted(files):
            rel = f"{rel_dir}/{name}" if rel_dir else name
            if excluded(rel):
                continue
            if is_lockfile(rel):
                layout.lockfiles.append(rel)
            elif name == "package.json":
                layout.manifests.append(rel)
    return layout


def _unplugged(root: Path, yarn_dir: str) -> list[str]:
    """Yarn berry's ``.yarn/unplugged/<pkg>/node_modules``: the packages Plug'n'Play extracts to disk
    (every package with a build script among them); the rest stay in zip archives."""
    base = root / yarn_dir / "unplugged"
    if base.is_symlink() or not base.is_dir():
        return []
    out = []
    for entry in sorted(_first_entries(base, limit=20000), key=lambda p: p.name):
        nm = entry / "node_modules"
        if not entry.is_symlink() and nm.is_dir() and not nm.is_symlink():
            out.append(f"{yarn_dir}/unplugged/{entry.name}/node_modules")
    return out


def _first_entries(root: Path, limit: int = 200) -> list[Path]:
    out = []
    try:
        with os.scandir(root) as it:
            for entry in it:
                out.append(Path(entry.path))
                if len(out) >= limit:
                    break
    except OSError:
        pass
    return out
