"""``yarn.lock``: classic (v1, its own indented format) and berry (v2+, YAML).

Neither records whether a package runs a lifecycle script; that comes from the
installed manifest or, with ``--fetch``, the registry.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

import yaml

from shipwarden.deps.model import REGISTRY, Dependency, Ecosystem, Lockfile, LockfileError, Source, SourceKind
from shipwarden.deps.shapes import as_dict
from shipwarden.deps.sources import classify_npm, split_npm_ident
from shipwarden.deps.text import LineIndex, location

try:  # pragma: no cover - depends on the wheel
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

_V1_MARKER = "# yarn lockfile v1"
_BERRY_KEY = re.compile(r"""^(?:"([^"]+)"|([^\s#"][^\n]*?)):[ \t]*$""", re.M)


def is_berry(text: str) -> bool:
    return "__metadata:" in text[:4096] and _V1_MARKER not in text[:4096]


def parse(text: str, path: str) -> Lockfile:
    return _parse_berry(text, path) if is_berry(text) else _parse_v1(text, path)


# --------------------------------------------------------------------------- classic


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1].replace('\\"', '"')
    return value


def _parse_v1(text: str, path: str) -> Lockfile:
    lock = Lockfile(path, "yarn-v1", Ecosystem.NPM, "1")
    current: dict[str, str] | None = None
    key_line = 0
    specs: list[str] = []

    def flush() -> None:
        if current is None or not specs:
            return
        lock.dependencies.append(_v1_dependency(specs, current, path, key_line))

    for lineno, raw in enumerate(text.splitlines(), 1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        if not raw[0].isspace():
            flush()
            if not raw.rstrip().endswith(":"):
                raise LockfileError(f"unexpected line {raw.strip()[:60]!r}", lineno, "yarn")
            specs = [_unquote(s) for s in raw.rstrip()[:-1].split(",") if s.strip()]
            current = {}
            key_line = lineno
            continue
        if current is None:
            raise LockfileError("indented line before any entry", lineno, "yarn")
        stripped = raw.strip()
        indent = len(raw) - len(raw.lstrip())
        if indent != 2 or stripped.endswith(":"):
            continue  # nested dependency maps; not needed
        field, _, value = stripped.partition(" ")
        current[_unquote(field)] = _unquote(value)
    flush()
    return lock


def _v1_dependency(specs: list[str], fields: dict[str, str], path: str, line: int) -> Dependency:
    name, spec = split_npm_ident(specs[0])
    if spec.startswith("npm:"):
        # An alias: ``alias@npm:real@range``; the installed name is the alias.
        spec = spec[4:]
    resolved = fields.get("resolved", "")
    source = classify_npm(resolved) if resolved else classify_npm(spec)
    if source.kind is SourceKind.REGISTRY and not resolved:
        source = classify_npm(spec)
    integrity = fields.get("integrity", "")
    return Dependency(
        name=name,
        version=fields.get("version", ""),
        ecosystem=Ecosystem.NPM,
        source=source,
        origin=location(path, line, label=", ".join(specs)[:120]),
        hashes=(integrity,) if integrity else (),
        lockfile="yarn-v1",
    )


# --------------------------------------------------------------------------- berry


def _parse_berry(text: str, path: str) -> Lockfile:
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - safe loader only
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise LockfileError(f"invalid YAML: {getattr(exc, 'problem', exc)}", (mark.line + 1) if mark else 0, "yaml") from None
    if not isinstance(data, dict):
        raise LockfileError("not a yarn lockfile mapping")
    meta = as_dict(data.get("__metadata"))
    lock = Lockfile(path, "yarn-berry", Ecosystem.NPM, str(meta.get("version", "")))
    index = LineIndex(text)
    lines = {(m.group(1) or m.group(2)): index.line(m.start()) for m in _BERRY_KEY.finditer(text)}
    for key, entry in data.items():
        if key == "__metadata" or not isinstance(entry, dict):
            continue
        resolution = str(entry.get("resolution", "") or str(key).split(",")[0].strip())
        name, spec = split_npm_ident(resolution)
        source = berry_source(spec)
        if source.kind is SourceKind.WORKSPACE:
            continue  # the project's own packages
        lock.dependencies.append(
            Dependency(
                name=name,
                version=str(entry.get("version", "")),
                ecosystem=Ecosystem.NPM,
                source=source,
                origin=location(path, lines.get(str(key), 0), label=resolution[:120]),
                hashes=(str(entry["checksum"]),) if entry.get("checksum") else (),
                lockfile="yarn-berry",
            )
        )
    return lock


def berry_source(spec: str) -> Source:
    """The protocol part of a berry resolution (``npm:1.0.0``, ``git+https://…#commit=…``)."""
    spec = spec.strip()
    if spec.startswith("npm:"):
        return REGISTRY
    if spec.startswith("workspace:"):
        return Source(SourceKind.WORKSPACE, spec[len("workspace:") :])
    if spec.startswith("patch:"):
        inner = unquote(spec[len("patch:") :].split("#", 1)[0])
        _, inner_spec = split_npm_ident(inner)
        base = berry_source(inner_spec)
        return base if base.kind is not SourceKind.REGISTRY else REGISTRY
    if spec.startswith(("exec:", "portal:", "link:", "file:")):
        return Source(SourceKind.FILE, spec)
    return classify_npm(spec)
