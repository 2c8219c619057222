"""``pnpm-lock.yaml``: lockfile versions 5.x, 6.x and 9.x.

v6 marks packages with lifecycle scripts ``requiresBuild: true``; v9 records
no build flag at all, so whether a package runs code at install comes from its
manifest (``node_modules/.pnpm/…/package.json``) or, with ``--fetch``, the registry.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from shipwarden.deps.model import (
    REGISTRY,
    Dependency,
    Ecosystem,
    Lockfile,
    LockfileError,
    Source,
    SourceKind,
)
from shipwarden.deps.shapes import as_dict
from shipwarden.deps.sources import classify_npm, split_npm_ident
from shipwarden.deps.text import LineIndex, location

try:  # pragma: no cover - depends on the wheel
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

_TOP_KEY = re.compile(r"^(\S[^:]*):", re.M)
_PKG_KEY = re.compile(r"""^  (?:'([^']+)'|"([^"]+)"|([^\s'"][^\n]*?)):[ \t]*(?:\{.*)?$""", re.M)
#: ``(peer@1.0.0)`` suffixes (v6, v9) and ``_peer@1.0.0`` suffixes (v5).
_PEER_SUFFIX = re.compile(r"\(.*\)$")


def parse(text: str, path: str) -> Lockfile:
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - CSafeLoader/SafeLoader only
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise LockfileError(f"invalid YAML: {getattr(exc, 'problem', exc)}", (mark.line + 1) if mark else 0, "yaml") from None
    if not isinstance(data, dict):
        raise LockfileError("not a pnpm lockfile mapping")
    version = str(data.get("lockfileVersion", ""))
    lock = Lockfile(path, "pnpm-lock", Ecosystem.NPM, version)
    packages = data.get("packages") or {}
    if not isinstance(packages, dict):
        raise LockfileError("'packages' is not a mapping")
    lines = _package_lines(text)
    # v5/v6 write `requiresBuild: true` on every package with a build; v9 writes nothing.
    records_build = version.split(".", 1)[0] in ("5", "6")
    snapshots = data.get("snapshots") or {}
    optional_snapshots = {
        _strip_peers(k) for k, v in snapshots.items() if isinstance(v, dict) and v.get("optional")
    } if isinstance(snapshots, dict) else set()
    for key, entry in packages.items():
        if not isinstance(entry, dict):
            entry = {}
        key = str(key)
        name, version_, source = _identify(key, entry)
        lock.dependencies.append(
            Dependency(
                name=name,
                version=version_,
                ecosystem=Ecosystem.NPM,
                source=source,
                origin=location(path, lines.get(key, 0), label=key),
                install_script=bool(entry.get("requiresBuild", False)) if records_build else None,
                dev=bool(entry.get("dev", False)),
                optional=bool(entry.get("optional", False)) or _strip_peers(key) in optional_snapshots,
                hashes=_hashes(entry),
                lockfile=lock.format,
            )
        )
    return lock


def _package_lines(text: str) -> dict[str, int]:
    """Line of every key directly under the top-level ``packages:`` mapping."""
    start = re.search(r"^packages:[ \t]*$", text, re.M)
    if not start:
        return {}
    end_match = _TOP_KEY.search(text, start.end())
    end = end_match.start() if end_match else len(text)
    index = LineIndex(text)
    lines: dict[str, int] = {}
    for m in _PKG_KEY.finditer(text, start.end(), end):
        key = m.group(1) or m.group(2) or m.group(3)
        lines.setdefault(key.strip(), index.line(m.start()))
    return lines


def _strip_peers(key: str) -> str:
    return _PEER_SUFFIX.sub("", key)


def _hashes(entry: dict[str, Any]) -> tuple[str, ...]:
    res = entry.get("resolution")
    if isinstance(res, dict) and res.get("integrity"):
        return (str(res["integrity"]),)
    return ()


def _identify(key: str, entry: dict[str, Any]) -> tuple[str, str, Source]:
    res = as_dict(entry.get("resolution"))
    source = _source(res)
    name = str(entry.get("name", "") or "")
    version = str(entry.get("version", "") or "")
    if not name:
        name, from_key = _split_key(key)
        version = version or from_key
    if source.kind is SourceKind.REGISTRY and not res:
        # No resolution: the key's own spec says where it came from (v9 non-registry keys).
        spec = key[len(name) + 1 :] if key.startswith(name + "@") else ""
        if spec and not spec[0].isdigit():
            source = classify_npm(spec)
    if source.kind is not SourceKind.REGISTRY and version and not version[0].isdigit():
        version = ""
    return name, version, source


def _source(res: dict[str, Any]) -> Source:
    if not res:
        return REGISTRY
    if res.get("type") == "git" or res.get("commit"):
        return Source(SourceKind.GIT, f"{res.get('repo', '')}#{res.get('commit', '')}")
    if res.get("directory"):
        return Source(SourceKind.FILE, str(res["directory"]))
    if res.get("tarball"):
        tarball = str(res["tarball"])
        if tarball.startswith("file:"):
            return Source(SourceKind.FILE, tarball)
        return classify_npm(tarball)
    return REGISTRY


def _split_key(key: str) -> tuple[str, str]:
    """``/lodash@4.17.21`` (v6), ``lodash@4.17.21(peer)`` (v9), ``/lodash/4.17.21`` (v5)."""
    k = _strip_peers(key)
    if k.startswith("/"):
        k = k[1:]
        if "@" not in k.lstrip("@"):
            # v5: /name/version or /@scope/name/version
            parts = k.split("/")
            if k.startswith("@") and len(parts) >= 3:
                return "/".join(parts[:2]), parts[2].split("_", 1)[0]
            if len(parts) >= 2:
                return parts[0], parts[1].split("_", 1)[0]
    name, version = split_npm_ident(k)
    return name, version
