"""pip ``requirements*.txt``: pins, ``--hash`` options, ``-e``, VCS and URL specs, ``-r`` includes.

What runs at install: anything that is not a wheel from the index is built
from source (``setup.py`` or a PEP 517 backend) — VCS checkouts, local paths,
editable installs, sdist URLs, and the pins a ``--no-binary`` option names
(``:all:`` for every one). Registry pins may be sdist-only too; only the
index knows (``--fetch``).
"""

from __future__ import annotations

import posixpath
import re
from pathlib import PurePosixPath

from shipwarden.deps.model import Dependency, Ecosystem, Lockfile, LockfileError, SourceKind
from shipwarden.deps.sources import classify_python, is_sdist_name
from shipwarden.deps.text import location

_NAME = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?")
_EGG = re.compile(r"[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)")
_HASH = re.compile(r"--hash[=\s]+(\S+)")
_INDEX_OPTS = ("--index-url", "-i", "--extra-index-url", "--find-links", "-f")
#: Most nested ``-r`` includes followed.
MAX_INCLUDE_DEPTH = 8


def normalize(name: str) -> str:
    """PEP 503 normalised project name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def logical_lines(text: str) -> list[tuple[int, str]]:
    """(first line number, text) of each logical line: continuations joined, comments dropped."""
    out: list[tuple[int, str]] = []
    buf: list[str] = []
    start = 0
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw
        if not buf:
            start = lineno
        # A comment starts at a '#' at line start or preceded by whitespace (URLs keep #egg=).
        line = re.sub(r"(^|\s)#.*$", "", line)
        if line.rstrip().endswith("\\"):
            buf.append(line.rstrip()[:-1])
            continue
        buf.append(line)
        joined = " ".join(part.strip() for part in buf).strip()
        buf = []
        if joined:
            out.append((start, joined))
    if buf:
        joined = " ".join(part.strip() for part in buf).strip()
        if joined:
            out.append((start, joined))
    return out


def parse(text: str, path: str, includes: dict[str, str] | None = None) -> Lockfile:
    """Parse one requirements file. ``includes`` maps ``-r`` targets (relative paths) to their text."""
    lock = Lockfile(path, "requirements", Ecosystem.PYPI, "")
    no_binary: dict[str, bool] = {}
    _parse_into(lock, text, path, includes or {}, 0, {path}, no_binary)
    for dep in lock.dependencies:
        if dep.source.is_registry and no_binary.get(dep.name, no_binary.get(":all:", False)):
            dep.builds_from_source = True  # pip builds the sdist: --no-binary names it
    return lock


def _binary_option(line: str, no_binary: dict[str, bool]) -> None:
    """``--no-binary X,Y`` / ``--only-binary X``: the later option wins for a name (``:all:`` and ``:none:``
    as pip reads them)."""
    option, _, value = line.replace("=", " ", 1).partition(" ")
    build = option == "--no-binary"
    for raw in value.strip().split(","):
        name = raw.strip()
        if name == ":none:":
            for key in list(no_binary):
                if no_binary[key] == build:
                    del no_binary[key]
        elif name:
            if name == ":all:":
                no_binary.clear()
            no_binary[name if name == ":all:" else normalize(name)] = build


def _parse_into(lock: Lockfile, text: str, path: str, includes: dict[str, str], depth: int, seen: set[str],
                no_binary: dict[str, bool]) -> None:
    """``seen`` holds every file already parsed: an include is parsed once (pip
    installs the same set however often it is named), which stops cycles and
    the exponential re-parse of a file that names another one many times."""
    for lineno, line in logical_lines(text):
        if line.startswith(("-r ", "--requirement", "-c ", "--constraint", "-r\t")):
            target = line.split(None, 1)[1].strip() if " " in line or "\t" in line else ""
            target = target.split("=", 1)[-1] if target.startswith("=") else target
            rel = posixpath.normpath(str(PurePosixPath(path).parent / target)) if target else ""
            if rel in includes and rel not in seen and depth < MAX_INCLUDE_DEPTH and line.startswith(("-r", "--requirement")):
                seen.add(rel)
                _parse_into(lock, includes[rel], rel, includes, depth + 1, seen, no_binary)
            continue
        if line.startswith(_INDEX_OPTS):
            parts = line.replace("=", " ", 1).split()
            if len(parts) >= 2:
                lock.indexes.append(parts[1])
            continue
        editable = False
        if line.startswith(("-e ", "--editable")):
            editable = True
            line = line.split(None, 1)[1] if " " in line else ""
            line = line.lstrip("=")
        elif line.startswith(("--no-binary", "--only-binary")):
            _binary_option(line, no_binary)
            continue
        elif line.startswith("-"):
            continue  # other global options (--require-hashes, --prefer-binary …)
        dep = _requirement(line, lock.path if path == lock.path else path, lineno, editable)
        if dep is not None:
            lock.dependencies.append(dep)


def _requirement(line: str, path: str, lineno: int, editable: bool) -> Dependency | None:
    hashes = tuple(_HASH.findall(line))
    spec = _HASH.sub("", line).strip()
    spec = spec.split(";", 1)[0].strip() if not re.match(r"^[a-z+]+://", spec) else spec.split(" ;", 1)[0].strip()
    if not spec:
        return None
    url = ""
    name = ""
    version = ""
    if " @ " in spec or re.match(r"^[A-Za-z0-9._-]+(\[[^\]]*\])?\s*@\s*\S+://", spec):
        name, _, url = spec.partition("@")
        name = name.strip().split("[", 1)[0].strip()
        url = url.strip().split()[0]
    elif re.match(r"^([a-z+]+://|\.{0,2}/|file:)", spec) or editable:
        url = spec.split()[0]
        egg = _EGG.search(url)
        name = egg.group(1) if egg else _name_from_path(url)
    else:
        m = _NAME.match(spec)
        if not m:
            raise LockfileError(f"cannot read requirement {spec[:60]!r}", lineno, "requirements")
        name = m.group(1)
        rest = spec[m.end() :].strip()
        pin = re.match(r"^===?\s*([^\s,;]+)$", rest)
        version = pin.group(1) if pin else rest
    source = classify_python(url) if url else classify_python("")
    builds = None
    if url:
        builds = source.kind in (SourceKind.GIT, SourceKind.FILE) or is_sdist_name(url) or editable
    return Dependency(
        name=normalize(name) if name else url,
        version=version,
        ecosystem=Ecosystem.PYPI,
        source=source,
        origin=location(path, lineno, label=spec[:120], text=line),
        builds_from_source=builds,
        hashes=hashes,
        lockfile="requirements",
    )


def _name_from_path(url: str) -> str:
    tail = url.rstrip("/").split("#", 1)[0].rsplit("/", 1)[-1]
    for suffix in (".git", ".tar.gz", ".zip", ".whl", ".tgz"):
        if tail.endswith(suffix):
            tail = tail[: -len(suffix)]
    return tail.split("-", 1)[0] if tail else url
