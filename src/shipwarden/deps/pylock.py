"""``pylock.toml`` (PEP 751): ``[[packages]]`` with ``wheels``, ``sdist``, ``vcs``, ``archive`` or ``directory``."""

from __future__ import annotations

from typing import Any

from shipwarden.deps.model import REGISTRY, Ecosystem, Lockfile, Source, SourceKind
from shipwarden.deps.pylocks import dependency, load_toml, local_source_builds, packages
from shipwarden.deps.shapes import as_list
from shipwarden.deps.sources import is_sdist_name


def parse(text: str, path: str) -> Lockfile:
    data = load_toml(text)
    lock = Lockfile(path, "pylock", Ecosystem.PYPI, str(data.get("lock-version", "")))
    for pkg, line in packages(data, text, "packages"):
        source = _source(pkg)
        if pkg.get("index"):
            lock.indexes.append(str(pkg["index"]))
        wheels = as_list(pkg.get("wheels"))
        if source.kind in (SourceKind.GIT, SourceKind.FILE):
            builds: bool | None = local_source_builds(source)
        elif source.kind is SourceKind.URL:
            builds = is_sdist_name(source.url)
        elif pkg.get("sdist") or wheels:
            builds = bool(pkg.get("sdist")) and not wheels
        else:
            builds = None
        lock.dependencies.append(dependency(lock, pkg, line, source, builds, _hashes(pkg)))
    lock.indexes = list(dict.fromkeys(lock.indexes))
    return lock


def _source(pkg: dict[str, Any]) -> Source:
    vcs = pkg.get("vcs")
    if isinstance(vcs, dict):
        url = str(vcs.get("url", "") or vcs.get("path", ""))
        commit = str(vcs.get("commit-id", ""))
        return Source(SourceKind.GIT, f"{url}#{commit}" if commit else url)
    archive = pkg.get("archive")
    if isinstance(archive, dict):
        if archive.get("url"):
            return Source(SourceKind.URL, str(archive["url"]))
        return Source(SourceKind.FILE, str(archive.get("path", "")))
    directory = pkg.get("directory")
    if isinstance(directory, dict):
        return Source(SourceKind.FILE, str(directory.get("path", "")))
    return REGISTRY


def _hashes(pkg: dict[str, Any]) -> tuple[str, ...]:
    out: list[str] = []
    for item in [*as_list(pkg.get("wheels")), pkg.get("sdist"), pkg.get("archive")]:
        if isinstance(item, dict) and isinstance(item.get("hashes"), dict):
            out.extend(f"{k}:{v}" for k, v in item["hashes"].items())
    return tuple(out)
