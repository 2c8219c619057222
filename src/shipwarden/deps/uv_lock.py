"""``uv.lock``: ``[[package]]`` entries with a ``source`` table, ``sdist`` and ``wheels``.

A registry package locked with an sdist and no wheel builds from source at install.
"""

from __future__ import annotations

from typing import Any

from shipwarden.deps.model import REGISTRY, Ecosystem, Lockfile, Source, SourceKind
from shipwarden.deps.pylocks import dependency, load_toml, local_source_builds, packages
from shipwarden.deps.shapes import as_dict, as_list


def parse(text: str, path: str) -> Lockfile:
    data = load_toml(text)
    lock = Lockfile(path, "uv-lock", Ecosystem.PYPI, str(data.get("version", "")))
    for pkg, line in packages(data, text, "package"):
        raw = as_dict(pkg.get("source"))
        source = _source(raw)
        if source.kind is SourceKind.WORKSPACE:
            continue  # the project itself (editable / virtual)
        if raw.get("registry"):
            lock.indexes.append(str(raw["registry"]))
        wheels = as_list(pkg.get("wheels"))
        sdist = pkg.get("sdist")
        if source.kind in (SourceKind.GIT, SourceKind.FILE):
            builds: bool | None = local_source_builds(source)
        elif sdist or wheels:
            builds = bool(sdist) and not wheels
        else:
            builds = None
        hashes = [str(w.get("hash")) for w in wheels if isinstance(w, dict) and w.get("hash")]
        if isinstance(sdist, dict) and sdist.get("hash"):
            hashes.append(str(sdist["hash"]))
        lock.dependencies.append(dependency(lock, pkg, line, source, builds, tuple(hashes)))
    lock.indexes = list(dict.fromkeys(lock.indexes))
    return lock


def _source(raw: dict[str, Any]) -> Source:
    if not raw or raw.get("registry"):
        return REGISTRY
    if raw.get("git"):
        return Source(SourceKind.GIT, str(raw["git"]))
    if raw.get("url"):
        return Source(SourceKind.URL, str(raw["url"]))
    if raw.get("editable") is not None or raw.get("virtual") is not None:
        return Source(SourceKind.WORKSPACE, str(raw.get("editable") or raw.get("virtual")))
    for key in ("path", "directory"):
        if raw.get(key):
            return Source(SourceKind.FILE, str(raw[key]))
    return REGISTRY
