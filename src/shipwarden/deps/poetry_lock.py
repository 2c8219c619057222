"""``poetry.lock``: ``[[package]]`` entries with ``files`` hashes and an optional ``[package.source]``.

A package whose locked files are all source archives is built at install time.
"""

from __future__ import annotations

from typing import Any

from shipwarden.deps.model import (
    REGISTRY,
    Dependency,
    Ecosystem,
    Lockfile,
    Source,
    SourceKind,
)
from shipwarden.deps.pylocks import array_table_lines, load_toml
from shipwarden.deps.requirements import normalize
from shipwarden.deps.shapes import as_list
from shipwarden.deps.sources import is_sdist_name
from shipwarden.deps.text import location

_SOURCE_KINDS = {"git": SourceKind.GIT, "url": SourceKind.URL, "file": SourceKind.FILE, "directory": SourceKind.FILE}


def parse(text: str, path: str) -> Lockfile:
    data = load_toml(text)
    meta = data.get("metadata", {}) if isinstance(data.get("metadata"), dict) else {}
    lock = Lockfile(path, "poetry-lock", Ecosystem.PYPI, str(meta.get("lock-version", "")))
    lines = array_table_lines(text, "package")
    for i, pkg in enumerate(as_list(data.get("package"))):
        if not isinstance(pkg, dict) or "name" not in pkg:
            continue
        source = _source(pkg.get("source"))
        if source.kind is SourceKind.REGISTRY and isinstance(pkg.get("source"), dict):
            lock.indexes.append(str(pkg["source"].get("url", "")))
        files = [f for f in as_list(pkg.get("files")) if isinstance(f, dict)]
        names = [str(f.get("file", "")) for f in files]
        if source.kind is not SourceKind.REGISTRY:
            builds: bool | None = source.kind in (SourceKind.GIT, SourceKind.FILE) or is_sdist_name(source.url)
        elif names:
            builds = all(is_sdist_name(n) for n in names)
        else:
            builds = None
        lock.dependencies.append(
            Dependency(
                name=normalize(str(pkg["name"])),
                version=str(pkg.get("version", "")),
                ecosystem=Ecosystem.PYPI,
                source=source,
                origin=location(path, lines[i] if i < len(lines) else 0, label=str(pkg["name"])),
                builds_from_source=builds,
                optional=bool(pkg.get("optional", False)),
                dev=str(pkg.get("category", "main")) == "dev",
                hashes=tuple(str(f["hash"]) for f in files if f.get("hash")),
                lockfile=lock.format,
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
