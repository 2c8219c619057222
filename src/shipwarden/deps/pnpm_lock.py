"""``pnpm-lock.yaml``: lockfile versions 5.x, 6.x and 9.x (pnpm 7 to 11).

v5/v6 (pnpm 7/8) mark packages with lifecycle scripts ``requiresBuild: true``;
v9 (pnpm 9, 10, 11) records no build flag at all, so whether a package runs
code at install comes from its manifest (``node_modules/.pnpm/…/package.json``)
or, with ``--fetch``, the registry.

pnpm 11 may write the file as a YAML stream of two documents: an "env"
document first (``importers['.'].configDependencies`` and
``packageManagerDependencies``: the config dependencies and pnpm's own
binaries), then the project's lockfile. Both are read; the package manager's
own packages (``pnpm``, ``@pnpm/exe*``) are not dependencies of the project
and are left out.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from shipwarden.deps.model import REGISTRY, Dependency, Ecosystem, Lockfile, LockfileError, Source, SourceKind
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


#: A line that starts a new YAML document (pnpm writes a bare ``---``).
_DOC_START = re.compile(r"^---[ \t]*$", re.M)
#: The package manager's own packages in the env document (not project dependencies).
_PACKAGE_MANAGER = re.compile(r"^(?:pnpm|@pnpm/exe(?:\.[\w-]+)?)@")


def _load(text: str, first_line: int) -> Any:
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - CSafeLoader/SafeLoader only
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = (mark.line + first_line) if mark else 0
        raise LockfileError(f"invalid YAML: {getattr(exc, 'problem', exc)}", line, "yaml") from None


def _documents(text: str) -> list[tuple[str, int]]:
    """The YAML documents of ``text`` with the 1-based line each starts on (empty ones dropped)."""
    starts = [m.start() for m in _DOC_START.finditer(text)]
    bounds = [0, *starts, len(text)]
    docs: list[tuple[str, int]] = []
    for begin, end in zip(bounds, bounds[1:], strict=False):
        chunk = text[begin:end]
        if chunk.strip() and chunk.strip() != "---":
            docs.append((chunk, text.count("\n", 0, begin) + 1))
    return docs


def _is_env_document(data: dict[str, Any]) -> bool:
    importers = as_dict(data.get("importers"))
    keys = {k for importer in importers.values() for k in as_dict(importer)}
    return bool(keys) and keys <= {"configDependencies", "packageManagerDependencies"}


def parse(text: str, path: str) -> Lockfile:
    if not text.strip():
        # pnpm treats an empty pnpm-lock.yaml as no lockfile (pnpm/pnpm keeps such test fixtures)
        return Lockfile(path, "pnpm-lock", Ecosystem.NPM, "")
    docs = [(chunk, first, _load(chunk, first)) for chunk, first in _documents(text)] or [(text, 1, _load(text, 1))]
    project = [d for d in docs if isinstance(d[2], dict) and not _is_env_document(d[2])]
    env = [d for d in docs if isinstance(d[2], dict) and _is_env_document(d[2])]
    if not project and not env:
        raise LockfileError("not a pnpm lockfile mapping")
    main = project[-1] if project else None
    lock = _parse_document(main[0], main[1], main[2], path) if main else Lockfile(
        path, "pnpm-lock", Ecosystem.NPM, str(env[-1][2].get("lockfileVersion", "")))
    for chunk, first, data in env:
        env_lock = _parse_document(chunk, first, data, path)
        lock.dependencies.extend(d for d in env_lock.dependencies if not _PACKAGE_MANAGER.match(d.origin.label))
    return lock


def _parse_document(text: str, first_line: int, data: dict[str, Any], path: str) -> Lockfile:
    version = str(data.get("lockfileVersion", ""))
    lock = Lockfile(path, "pnpm-lock", Ecosystem.NPM, version)
    packages = data.get("packages") or {}
    if not isinstance(packages, dict):
        raise LockfileError("'packages' is not a mapping")
    lines = {k: v + first_line - 1 for k, v in _package_lines(text).items()}
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
