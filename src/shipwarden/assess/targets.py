"""What in a repository could be published: npm packages (workspaces expanded) and Python projects.

Only manifests are read (bounded, regular files inside the root, no symlinks);
nothing is built or run here.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from shipwarden.core import safeio

MAX_MANIFEST = 1024 * 1024
#: Folders never searched for projects.
_PRUNE = frozenset({".git", "node_modules", ".venv", "venv", ".tox", "__pycache__", "dist", "build", ".cache"})
MAX_DEPTH = 4
MAX_WORKSPACES = 2000
_ARTIFACTS = (".whl", ".tar.gz", ".zip", ".tgz")


@dataclass(slots=True)
class Package:
    """One publishable unit. ``path`` is root-relative POSIX ("" for the root)."""

    ecosystem: str  # npm | python
    path: str
    name: str
    #: what gate reviews: the package folder (npm), ``dist/`` (python), or the project with --build
    target: str | None
    #: why it is not reviewed (when ``target`` is None)
    skipped: str = ""


@dataclass(slots=True)
class Targets:
    packages: list[Package] = field(default_factory=list)
    #: npm packages skipped as ``private`` (counted in the scope)
    private: list[str] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (path, message)


def _read(root: Path, rel: str, problems: list[tuple[str, str]] | None = None) -> str | None:
    """A manifest through :mod:`shipwarden.core.safeio` (a regular file inside the root, bounded); ``None`` when absent
    or refused (a refusal is noted in ``problems``)."""
    try:
        if (root / rel).is_symlink():
            if problems is not None:
                problems.append((rel, "a symbolic link; not read"))
            return None
        return safeio.read_text(rel, root=root, limit=MAX_MANIFEST)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        if problems is not None and (root / rel).exists():
            problems.append((rel, f"not read: {exc}"))
        return None


def _join(folder: str, name: str) -> str:
    return f"{folder}/{name}" if folder else name


def _workspace_patterns(manifest: dict[str, Any], root: Path, folder: str) -> list[str]:
    raw = manifest.get("workspaces")
    if isinstance(raw, dict):
        raw = raw.get("packages")
    patterns = [p for p in raw if isinstance(p, str)] if isinstance(raw, list) else []
    text = _read(root, _join(folder, "pnpm-workspace.yaml"))
    if text is not None:
        try:
            data = safeio.load_yaml(text, "pnpm-workspace.yaml")
        except (yaml.YAMLError, ValueError):
            data = None
        if isinstance(data, dict) and isinstance(data.get("packages"), list):
            patterns += [p for p in data["packages"] if isinstance(p, str)]
    return patterns


def _expand(root: Path, folder: str, patterns: list[str]) -> list[str]:
    base = root / folder if folder else root
    found: set[str] = set()
    excluded: set[str] = set()
    for pattern in patterns:
        negate = pattern.startswith("!")
        pat = pattern[1:] if negate else pattern
        pat = pat.strip().removeprefix("./").rstrip("/")
        if not pat or pat.startswith("/") or ".." in pat.split("/"):
            continue
        try:
            matches = sorted(base.glob(pat))
        except (OSError, ValueError):
            continue
        for match in matches[:MAX_WORKSPACES]:
            if "node_modules" in match.parts or match.is_symlink() or not (match / "package.json").is_file():
                continue
            rel = match.relative_to(root).as_posix()
            (excluded if negate else found).add(rel)
    return sorted(found - excluded)[:MAX_WORKSPACES]


def _npm(root: Path, targets: Targets) -> None:
    queue = [""]
    seen: set[str] = set()
    while queue:
        folder = queue.pop(0)
        if folder in seen:
            continue
        seen.add(folder)
        rel = _join(folder, "package.json")
        text = _read(root, rel, targets.problems)
        if text is None:
            continue
        try:
            manifest = safeio.load_json(text, "package.json")
        except ValueError as exc:
            targets.problems.append((rel, f"unreadable package.json: {exc}"))
            continue
        if not isinstance(manifest, dict):
            continue
        name = manifest.get("name") if isinstance(manifest.get("name"), str) else folder or root.name
        if manifest.get("private") is True:
            targets.private.append(rel)
        elif isinstance(manifest.get("name"), str):
            targets.packages.append(Package("npm", folder, str(name), folder or "."))
        queue.extend(_expand(root, folder, _workspace_patterns(manifest, root, folder)))


def _python_name(root: Path, folder: str) -> str | None:
    text = _read(root, _join(folder, "pyproject.toml"))
    if text is not None:
        try:
            data = safeio.load_toml(text, "pyproject.toml")
        except (tomllib.TOMLDecodeError, ValueError):
            data = {}
        project = data.get("project")
        if isinstance(project, dict) and isinstance(project.get("name"), str):
            return str(project["name"])
        poetry = data.get("tool", {}).get("poetry") if isinstance(data.get("tool"), dict) else None
        if isinstance(poetry, dict) and isinstance(poetry.get("name"), str):
            return str(poetry["name"])
    if _read(root, _join(folder, "setup.py")) is not None or _read(root, _join(folder, "setup.cfg")) is not None:
        return (folder.rsplit("/", 1)[-1] if folder else root.resolve().name) or "project"
    return None


def _python(root: Path, targets: Targets, build: bool) -> None:
    for current, dirs, files in os.walk(root):
        rel = Path(current).relative_to(root).as_posix()
        folder = "" if rel == "." else rel
        depth = folder.count("/") + 1 if folder else 0
        dirs[:] = sorted(
            d for d in dirs
            if d not in _PRUNE and not d.startswith(".") and depth < MAX_DEPTH
            and not os.path.islink(os.path.join(current, d))
        )
        if not ({"pyproject.toml", "setup.py", "setup.cfg"} & set(files)):
            continue
        name = _python_name(root, folder)
        if name is None:
            continue
        dist = root / folder / "dist" if folder else root / "dist"
        has_artifacts = dist.is_dir() and not dist.is_symlink() and any(
            p.name.endswith(_ARTIFACTS) for p in dist.iterdir() if p.is_file()
        )
        if build:
            targets.packages.append(Package("python", folder, name, folder or "."))
        elif has_artifacts:
            targets.packages.append(Package("python", folder, name, _join(folder, "dist")))
        else:
            targets.packages.append(
                Package("python", folder, name, None, skipped="no built artifacts in dist/: build them or run with --build")
            )


def find_targets(root: Path, *, build: bool = False) -> Targets:
    """Every publishable package under ``root``."""
    targets = Targets()
    _npm(root, targets)
    _python(root, targets, build)
    targets.packages.sort(key=lambda p: (p.ecosystem, p.path))
    return targets
