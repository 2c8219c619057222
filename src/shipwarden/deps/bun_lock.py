"""``bun.lock``: Bun's text lockfile (JSON with comments and trailing commas).

Each ``packages`` value is an array whose first element is ``name@spec``:
``["lodash@4.17.21", "", {…}, "sha512-…"]`` for the registry,
``["x@github:owner/repo#sha", {…}, "owner-repo-sha"]`` for git. The binary
``bun.lockb`` is not read.
"""

from __future__ import annotations

import json
import re
from typing import Any

from shipwarden.deps.model import Dependency, Ecosystem, Lockfile, LockfileError, SourceKind
from shipwarden.deps.sources import classify_npm, split_npm_ident
from shipwarden.deps.text import LineIndex, location

_JSONC = re.compile(r'("(?:[^"\\]|\\.)*")|(//[^\n]*|/\*.*?\*/)|,(\s*[}\]])', re.S)
_PKG_LINE = re.compile(r'^[ \t]*"((?:[^"\\]|\\.)*)"[ \t]*:[ \t]*\[', re.M)


def strip_jsonc(text: str) -> str:
    """JSON text from JSONC: comments removed, trailing commas dropped, strings untouched."""

    def repl(m: re.Match[str]) -> str:
        if m.group(1) is not None:
            return m.group(1)
        if m.group(2) is not None:
            # Keep line numbers stable for error messages.
            return "\n" * m.group(2).count("\n")
        return m.group(3)

    return _JSONC.sub(repl, text)


def parse(text: str, path: str) -> Lockfile:
    try:
        data = json.loads(strip_jsonc(text))
    except json.JSONDecodeError as exc:
        raise LockfileError(f"invalid JSON: {exc.msg}", exc.lineno, "json") from None
    if not isinstance(data, dict):
        raise LockfileError("not a bun lockfile object")
    lock = Lockfile(path, "bun-lock", Ecosystem.NPM, str(data.get("lockfileVersion", "")))
    packages = data.get("packages") or {}
    if not isinstance(packages, dict):
        raise LockfileError("'packages' is not an object")
    index = LineIndex(text)
    lines: dict[str, int] = {}
    for m in _PKG_LINE.finditer(text):
        lines.setdefault(m.group(1), index.line(m.start()))
    optional = _optional_names(data)
    for key, entry in packages.items():
        if not isinstance(entry, list) or not entry or not isinstance(entry[0], str):
            continue
        name, spec = split_npm_ident(entry[0])
        source = classify_npm(spec) if spec and not spec[0].isdigit() else classify_npm("")
        if source.kind is SourceKind.WORKSPACE:
            continue
        integrity = entry[3] if len(entry) > 3 and isinstance(entry[3], str) else ""
        lock.dependencies.append(
            Dependency(
                name=name,
                version=spec if source.kind is SourceKind.REGISTRY else "",
                ecosystem=Ecosystem.NPM,
                source=source,
                origin=location(path, lines.get(str(key), 0), label=str(key)),
                optional=name in optional,
                hashes=(integrity,) if integrity else (),
                lockfile="bun-lock",
            )
        )
    return lock


def _optional_names(data: dict[str, Any]) -> set[str]:
    names: set[str] = set()
    workspaces = data.get("workspaces")
    if isinstance(workspaces, dict):
        for ws in workspaces.values():
            if isinstance(ws, dict) and isinstance(ws.get("optionalDependencies"), dict):
                names.update(ws["optionalDependencies"])
    return names
