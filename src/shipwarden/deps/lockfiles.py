"""Which files are lockfiles, and the reader for each format."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from pathlib import PurePosixPath

from shipwarden.deps import (
    bun_lock,
    npm_lock,
    pnpm_lock,
    poetry_lock,
    pylock,
    requirements,
    uv_lock,
    yarn_lock,
)
from shipwarden.deps.model import Lockfile

Reader = Callable[[str, str], Lockfile]

#: File name → reader, for exact names.
_EXACT: dict[str, Reader] = {
    "package-lock.json": lambda text, path: npm_lock.parse(text, path, "package-lock.json"),
    "npm-shrinkwrap.json": lambda text, path: npm_lock.parse(text, path, "npm-shrinkwrap.json"),
    "pnpm-lock.yaml": pnpm_lock.parse,
    "yarn.lock": yarn_lock.parse,
    "bun.lock": bun_lock.parse,
    "poetry.lock": poetry_lock.parse,
    "uv.lock": uv_lock.parse,
    "pylock.toml": pylock.parse,
}
#: Glob → reader, for names that vary.
_GLOBS: tuple[tuple[str, Reader], ...] = (
    ("pylock.*.toml", pylock.parse),
    ("*requirements*.txt", requirements.parse),
)
#: Files that are lockfiles but are not read (binary formats).
UNREADABLE = {"bun.lockb": "bun.lockb is binary: run `bun install --save-text-lockfile` to get bun.lock"}


def reader_for(path: str) -> Reader | None:
    p = PurePosixPath(path)
    name = p.name
    if name in _EXACT:
        return _EXACT[name]
    for glob, reader in _GLOBS:
        if fnmatch.fnmatchcase(name.lower(), glob):
            return reader
    if p.suffix == ".txt" and p.parent.name in ("requirements", "reqs"):
        return requirements.parse
    return None


def is_lockfile(path: str) -> bool:
    return reader_for(path) is not None or PurePosixPath(path).name in UNREADABLE


def parse_lockfile(path: str, text: str, includes: dict[str, str] | None = None) -> Lockfile:
    """Parse ``text`` as the lockfile at root-relative ``path``. Raises LockfileError."""
    reader = reader_for(path)
    if reader is None:
        raise ValueError(f"{path}: not a lockfile")
    if reader is requirements.parse:
        return requirements.parse(text, path, includes)
    return reader(text, path)
