"""Which files are lockfiles, and the reader for each format."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from pathlib import PurePosixPath

from shipwarden.core import safeio
from shipwarden.deps import (
    bun_lock,
    npm_lock,
    pnp_cjs,
    pnpm_lock,
    poetry_lock,
    pylock,
    requirements,
    uv_lock,
    yarn_lock,
)
from shipwarden.deps.model import Lockfile, LockfileError

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
    # yarn berry Plug'n'Play loaders: their embedded package list, read as data, never run
    ".pnp.cjs": pnp_cjs.parse,
    ".pnp.data.json": pnp_cjs.parse,
}
#: Glob → reader, for names that vary.
_GLOBS: tuple[tuple[str, Reader], ...] = (
    ("pylock.*.toml", pylock.parse),
    ("*requirements*.txt", requirements.parse),
)
#: Files that are lockfiles but are not read (binary formats).
UNREADABLE = {"bun.lockb": "run `bun install --save-text-lockfile --frozen-lockfile --lockfile-only` to write bun.lock"}


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


def _check_depth(path: str, text: str) -> None:
    """Measure the nesting of a structured lockfile before its reader parses it."""
    name = PurePosixPath(path).name
    if name == ".pnp.cjs":
        return  # JavaScript; the reader measures the JSON it embeds
    if name.endswith(".json") or name == "bun.lock":
        safeio.check_json_depth(text, what=name)
    elif name.endswith(".toml") or name in ("poetry.lock", "uv.lock"):
        safeio.check_toml_depth(text, what=name)
    elif name.endswith(".yaml") or (name == "yarn.lock" and yarn_lock.is_berry(text)):
        safeio.check_yaml_depth(text, what=name)


def parse_lockfile(path: str, text: str, includes: dict[str, str] | None = None) -> Lockfile:
    """Parse ``text`` as the lockfile at root-relative ``path``. Raises LockfileError.

    Nesting is measured before any reader parses the text: a deep file is a
    ``too-deep`` LockfileError, never a RecursionError or a native crash.
    """
    reader = reader_for(path)
    if reader is None:
        raise ValueError(f"{path}: not a lockfile")
    try:
        _check_depth(path, text)
        if reader is requirements.parse:
            return requirements.parse(text, path, includes)
        return reader(text, path)
    except safeio.ReadRefused as exc:
        raise LockfileError(str(exc), exc.line, exc.kind) from None
    except RecursionError:
        raise LockfileError("nests deeper than the reader can follow; not parsed", 0, "too-deep") from None
