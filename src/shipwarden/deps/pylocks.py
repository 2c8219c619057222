"""Shared helpers for the TOML lockfiles (``poetry.lock``, ``uv.lock``, ``pylock.toml``)."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from typing import Any

from shipwarden.deps.model import Dependency, Ecosystem, Lockfile, LockfileError, Source, SourceKind
from shipwarden.deps.requirements import normalize
from shipwarden.deps.shapes import as_list
from shipwarden.deps.text import LineIndex, location


def load_toml(text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise LockfileError(f"invalid TOML: {exc}", int(m.group(1)) if m else 0, "toml") from None


def local_source_builds(source: Source) -> bool:
    """Whether a git or local-path source builds at install: a checkout or a source tree does, a wheel file does not.

    (poetry's own test fixture ``missing_file_dependency`` locks a local ``.whl``:
    python-poetry/poetry@f46702336862f30050d5c641d5ed6f7568ded793.)
    """
    return source.kind is SourceKind.GIT or not source.url.lower().split("#", 1)[0].endswith(".whl")


def array_table_lines(text: str, table: str) -> list[int]:
    """Line of each ``[[table]]`` header, in order (the n-th entry of the parsed array)."""
    index = LineIndex(text)
    pattern = re.compile(r"^[ \t]*\[\[[ \t]*" + re.escape(table) + r"[ \t]*\]\][ \t]*(?:#.*)?$", re.M)
    return [index.line(m.start()) for m in pattern.finditer(text)]


def packages(data: dict[str, Any], text: str, table: str) -> Iterator[tuple[dict[str, Any], int]]:
    """Each ``[[table]]`` entry that names a package, with the line of its header."""
    lines = array_table_lines(text, table)
    for i, pkg in enumerate(as_list(data.get(table))):
        if isinstance(pkg, dict) and "name" in pkg:
            yield pkg, lines[i] if i < len(lines) else 0


def dependency(
    lock: Lockfile,
    pkg: dict[str, Any],
    line: int,
    source: Source,
    builds: bool | None,
    hashes: tuple[str, ...],
    *,
    optional: bool = False,
    dev: bool = False,
) -> Dependency:
    """The :class:`Dependency` of one locked Python package."""
    return Dependency(
        name=normalize(str(pkg["name"])),
        version=str(pkg.get("version", "")),
        ecosystem=Ecosystem.PYPI,
        source=source,
        origin=location(lock.path, line, label=str(pkg["name"])),
        builds_from_source=builds,
        optional=optional,
        dev=dev,
        hashes=hashes,
        lockfile=lock.format,
    )
