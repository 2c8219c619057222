"""Installed Python environments: ``site-packages`` ``*.dist-info`` and root-level ``.pth`` files.

Python's ``site`` module executes every line of a ``.pth`` file that starts
with ``import`` at each interpreter start — no import of the package needed
(LiteLLM 1.82.8's ``litellm_init.pth``). Other lines only add folders to
``sys.path``.
"""

from __future__ import annotations

import ast
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from shipwarden.core import safeio
from shipwarden.deps.model import REGISTRY, Source, SourceKind
from shipwarden.deps.requirements import normalize

MAX_PTH_BYTES = 4 * 1024 * 1024
#: Largest dist-info RECORD read (one line per installed file).
MAX_RECORD_BYTES = 16 * 1024 * 1024
_DIST = re.compile(r"^(?P<name>.+?)-(?P<version>[^-]+)\.(?:dist-info|egg-info)$")


@dataclass(slots=True)
class PthFile:
    name: str
    #: Root-relative path of the file.
    path: str
    #: (line number, text) of each executable line.
    exec_lines: list[tuple[int, str]] = field(default_factory=list)
    #: Folders it adds to sys.path.
    path_lines: int = 0
    #: The distribution whose RECORD lists it ("" when none does).
    owner: str = ""
    owner_version: str = ""


@dataclass(slots=True)
class Distribution:
    name: str
    version: str
    #: The dist-info folder, root-relative.
    path: str
    source: Source = REGISTRY


@dataclass(slots=True)
class SitePackages:
    #: Root-relative folder.
    path: str
    distributions: list[Distribution] = field(default_factory=list)
    pth_files: list[PthFile] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)


def read_pth(text: str) -> tuple[list[tuple[int, str]], int]:
    execs: list[tuple[int, str]] = []
    paths = 0
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        if line.startswith(("import ", "import\t")):
            execs.append((lineno, line.rstrip()))
        else:
            paths += 1
    return execs, paths


def _direct_url(folder: Path, root: Path) -> Source:
    try:
        data = safeio.load_json(safeio.read_text(folder / "direct_url.json", root=root, limit=MAX_PTH_BYTES))
    except (OSError, ValueError):
        return REGISTRY
    if not isinstance(data, dict):
        return REGISTRY
    url = str(data.get("url", ""))
    if isinstance(data.get("vcs_info"), dict):
        commit = str(data["vcs_info"].get("commit_id", ""))
        return Source(SourceKind.GIT, f"{url}#{commit}" if commit else url)
    if isinstance(data.get("dir_info"), dict):
        return Source(SourceKind.FILE, url)
    if url.startswith("file:"):
        return Source(SourceKind.FILE, url)
    return Source(SourceKind.URL, url) if url else REGISTRY


def read_site_packages(root: Path, folder: Path) -> SitePackages:
    rel = folder.relative_to(root).as_posix()
    site = SitePackages(rel)
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        site.errors.append((rel, f"cannot list: {exc}"))
        return site
    dist_folders: list[tuple[Distribution, Path]] = []
    for entry in entries:
        name = entry.name
        if name.endswith(".pth") and entry.is_file(follow_symlinks=False):
            try:
                text = safeio.read_text(entry.path, root=root, limit=MAX_PTH_BYTES)
            except safeio.ReadRefused as exc:
                note = "larger than the .pth limit; not analysed" if exc.kind == "too-large" else str(exc)
                site.errors.append((f"{rel}/{name}", note))
                continue
            except OSError as exc:
                site.errors.append((f"{rel}/{name}", f"unreadable: {exc}"))
                continue
            execs, paths = read_pth(text)
            site.pth_files.append(PthFile(name, f"{rel}/{name}", execs, paths))
        elif entry.is_dir(follow_symlinks=False) and (m := _DIST.match(name)):
            dist = Distribution(normalize(m.group("name")), m.group("version"), f"{rel}/{name}")
            dist.source = _direct_url(Path(entry.path), root)
            site.distributions.append(dist)
            dist_folders.append((dist, Path(entry.path)))
    if any(p.exec_lines for p in site.pth_files):
        _owners(site, dist_folders, root)
    return site


def _owners(site: SitePackages, dists: list[tuple[Distribution, Path]], root: Path) -> None:
    wanted = {p.name: p for p in site.pth_files if p.exec_lines}
    for dist, folder in dists:
        try:
            text = safeio.read_text(folder / "RECORD", root=root, limit=MAX_RECORD_BYTES)
        except OSError:
            continue
        for line in text.splitlines():
            name = line.split(",", 1)[0]
            pth = wanted.get(name)
            if pth is not None and not pth.owner:
                pth.owner, pth.owner_version = dist.name, dist.version


def stdlib_imports_only(lines: list[tuple[int, str]]) -> list[str]:
    """The modules a ``.pth`` file's import lines import when that is all they do and every
    one is in the standard library (``import os``), else ``[]``: such lines run no third-party code.

    (poetry's test site-packages has an ``editable-with-import.pth`` that is only
    ``import os``: python-poetry/poetry@f46702336862f30050d5c641d5ed6f7568ded793.)
    """
    modules: list[str] = []
    for _, text in lines:
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError):
            return []
        for node in tree.body:
            if not isinstance(node, ast.Import):
                return []
            modules += [alias.name for alias in node.names]
    top = {m.split(".", 1)[0] for m in modules}
    return sorted(set(modules)) if modules and top <= sys.stdlib_module_names else []
