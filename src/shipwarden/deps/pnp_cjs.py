"""Yarn berry Plug'n'Play: the package list ``.pnp.cjs`` (or ``.pnp.data.json``) embeds, read as data.

``yarn install`` with ``nodeLinker: pnp`` writes ``.pnp.cjs``, a Node.js
loader holding the resolved dependency tree as one JSON document inside a
single-quoted JavaScript string: ``const RAW_RUNTIME_STATE = '{\\ …}'`` (yarn
4) or ``hydrateRuntimeState(JSON.parse('{\\ …}'))`` (yarn 2/3); with
``pnpEnableInlining: false`` the same JSON sits in ``.pnp.data.json``. Its
``packageRegistryData`` lists ``[name, [[reference, {packageLocation, …}]]]``
where a reference is ``npm:1.2.3``, ``virtual:<hash>#npm:1.2.3``,
``workspace:…``, ``patch:…`` or a URL.

The file is never executed: the string literal is located in the text (already
read with a size limit), unescaped, and parsed as JSON after its nesting is
measured. Like ``yarn.lock`` it records no install-script flag.
"""

from __future__ import annotations

import json
import re

from shipwarden.core import safeio
from shipwarden.deps.model import Dependency, Ecosystem, Lockfile, LockfileError, SourceKind
from shipwarden.deps.text import LineIndex, location
from shipwarden.deps.yarn_lock import berry_source

NAMES = (".pnp.cjs", ".pnp.data.json")
FORMAT = "yarn-pnp"
_START = re.compile(r"(?:\bRAW_RUNTIME_STATE\s*=\s*|\bhydrateRuntimeState\(\s*JSON\.parse\(\s*)'")
#: A single-quoted string's body (runs of plain characters or one escape each), then its escapes.
_BODY = re.compile(r"(?:[^'\\]+|\\.)*", re.S)
_ESCAPE = re.compile(r"\\(\r\n|.)", re.S)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}


def _literal(text: str, start: int) -> str:
    """The value of the single-quoted JavaScript string whose body starts at ``start``."""
    m = _BODY.match(text, start)
    end = m.end() if m else start
    if end >= len(text) or text[end] != "'":
        raise LockfileError("the embedded runtime state string is not terminated", 0, "pnp")
    return _ESCAPE.sub(_unescape, text[start:end])


def _unescape(m: re.Match[str]) -> str:
    ch = m.group(1)
    return "" if ch in ("\n", "\r\n") else _ESCAPES.get(ch, ch)  # a line continuation, or one escape


def runtime_state(text: str, path: str) -> tuple[dict[str, object], int]:
    """The runtime-state JSON of a ``.pnp.cjs`` / ``.pnp.data.json`` and the line it starts on."""
    if path.endswith(".json"):
        body, offset = text, 0
    else:
        m = _START.search(text)
        if m is None:
            raise LockfileError("no RAW_RUNTIME_STATE / JSON.parse('…') runtime state found (not a yarn PnP loader?)",
                                0, "pnp")
        body, offset = _literal(text, m.end()), m.start()
    safeio.check_json_depth(body, what=path.rsplit("/", 1)[-1])
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise LockfileError(f"the embedded runtime state is not JSON: {exc}", 0, "pnp") from None
    if not isinstance(data, dict):
        raise LockfileError("the embedded runtime state is not a JSON object", 0, "pnp")
    return data, LineIndex(text).line(offset) if offset else 1


def _version(reference: str) -> str:
    ref = reference.rsplit("#", 1)[-1] if reference.startswith("virtual:") else reference
    if ref.startswith("npm:"):
        return ref[4:]
    if ref.startswith("patch:"):
        inner = ref.split("#", 1)[0]
        m = re.search(r"@npm(?:%3A|:)([^#&]+)$", inner)
        return m.group(1) if m else ""
    return ""


def parse(text: str, path: str) -> Lockfile:
    """The third-party packages a PnP runtime state resolves (workspaces and the root left out)."""
    data, line = runtime_state(text, path)
    lock = Lockfile(path, FORMAT, Ecosystem.NPM, "")
    registry = data.get("packageRegistryData")
    if not isinstance(registry, list):
        raise LockfileError("the runtime state has no packageRegistryData list", line, "pnp")
    seen: set[tuple[str, str]] = set()
    for entry in registry:
        if not (isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], str) and isinstance(entry[1], list)):
            continue
        name = entry[0]
        for store in entry[1]:
            if not (isinstance(store, list) and store and isinstance(store[0], str)):
                continue
            reference = store[0]
            # virtual:… entries repeat a package once per peer-dependency set; keep the real one.
            real = reference.rsplit("#", 1)[-1] if reference.startswith("virtual:") else reference
            source = berry_source(real)
            if source.kind is SourceKind.WORKSPACE or (name, real) in seen:
                continue
            seen.add((name, real))
            lock.dependencies.append(Dependency(
                name=name, version=_version(real), ecosystem=Ecosystem.NPM, source=source,
                origin=location(path, line, label=f"{name}@{real}"[:120]), lockfile=FORMAT,
            ))
    return lock


def missing_from(pnp: Lockfile, lock: Lockfile) -> list[str]:
    """``name@version`` of packages the PnP state resolves that ``lock`` (the yarn.lock beside it) does not list."""
    listed = {(d.name, d.version) for d in lock.dependencies}
    return sorted({f"{d.name}@{d.version or d.source.url}" for d in pnp.dependencies
                   if d.version and (d.name, d.version) not in listed})
