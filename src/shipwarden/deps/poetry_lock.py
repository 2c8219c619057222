"""``poetry.lock``: ``[[package]]`` entries with ``files`` hashes and an optional ``[package.source]``.

A package whose locked files are all source archives is built at install time.
"""

from __future__ import annotations

from typing import Any

from shipwarden.deps.model import REGISTRY, Ecosystem, Lockfile, Source, SourceKind
from shipwarden.deps.pylocks import dependency, load_toml, local_source_builds, packages
from shipwarden.deps.shapes import as_list
from shipwarden.deps.sources import is_sdist_name

_SOURCE_KINDS = {"git": SourceKind.GIT, "url": SourceKind.URL, "file": SourceKind.FILE, "directory": SourceKind.FILE}


def parse(text: str, path: str) -> Lockfile:
    data = load_toml(text)
    meta = data.get("metadata", {}) if isinstance(data.get("metadata"), dict) else {}
    lock = Lockfile(path, "poetry-lock", Ecosystem.PYPI, str(meta.get("lock-version", "")))
    for pkg, line in packages(data, text, "package"):
        source = _source(pkg.get("source"))
        if source.kind is SourceKind.REGISTRY and isinstance(pkg.get("source"), dict):
            lock.indexes.append(str(pkg["source"].get("url", "")))
        files = [f for f in as_list(pkg.get("files")) if isinstance(f, dict)]
        names = [str(f.get("file", "")) for f in files]
        if source.kind is not SourceKind.REGISTRY:
            builds: bool | None = (local_source_builds(source) if source.kind in (SourceKind.GIT, SourceKind.FILE)
                                   else is_sdist_name(source.url))
        elif names:
            builds = all(is_sdist_name(n) for n in names)
        else:
            builds = None
        hashes = tuple(str(f["hash"]) for f in files if f.get("hash"))
        lock.dependencies.append(
            dependency(
                lock,
                pkg,
                line,
                source,
                builds,
                hashes,
                optional=bool(pkg.get("optional", False)),
                dev=str(pkg.get("category", "main")) == "dev",
            )
        )
    lock.indexes = list(dict.fromkeys(lock.indexes))
    return lock


def _source(raw: Any) -> Source:
    if not isinstance(raw, dict):
        return REGISTRY
    kind = _SOURCE_KINDS.get(str(raw.get("type", "")))
    if kind is None:  # "legacy" / "explicit": a package index
        return REGISTRY
    url = str(raw.get("url", ""))
    ref = str(raw.get("resolved_reference", "") or raw.get("reference", ""))
    return Source(kind, f"{url}#{ref}" if kind is SourceKind.GIT and ref else url)
