"""What ``deps`` reads before judging: lockfiles (with ``-r`` includes, yarn Plug'n'Play
cross-checks and bun.lockb's header), npm's hidden lockfile, and each project's package manager."""

from __future__ import annotations

import os
import posixpath
import re
import shlex
from pathlib import Path

from shipwarden.core.findings import ScanError
from shipwarden.core.safeio import ReadRefused, check_json_depth
from shipwarden.deps import bun_lockb, npm_lock, pnp_cjs
from shipwarden.deps import requirements as requirements_parser
from shipwarden.deps.lockfiles import UNREADABLE, parse_lockfile
from shipwarden.deps.model import Dependency, Lockfile, LockfileError
from shipwarden.deps.text import FileTooLarge, read_text
from shipwarden.deps.yarn_lock import is_berry

MANAGER_BY_LOCKFILE = {
    "package-lock.json": "npm", "npm-shrinkwrap.json": "npm", "pnpm-lock.yaml": "pnpm",
    "yarn.lock": "yarn", "bun.lock": "bun", "bun.lockb": "bun",
}


def folder_of(path: str) -> str:
    parent = posixpath.dirname(path)
    return "" if parent == "." else parent


_INCLUDE = re.compile(r"^\s*(?:-r|--requirement)[\s=]+(\S+)", re.M)


MAX_INCLUDED_FILES = 256


def requirements_includes(root: Path, path: str, text: str, errors: list[ScanError]) -> dict[str, str]:
    """The text of every file ``path`` includes with ``-r`` (transitively), each read once.

    Includes are resolved inside ``root`` (links followed); a target outside it,
    or one that is not a regular file, is a note on the including file and is
    never opened. Cycles and repeated includes cost nothing: each file is read
    and scanned for includes once.
    """
    out: dict[str, str] = {}
    seen = {posixpath.normpath(path)}
    pending = [(path, text, 0)]
    while pending:
        current, body, depth = pending.pop(0)
        if depth >= requirements_parser.MAX_INCLUDE_DEPTH:
            continue
        for m in _INCLUDE.finditer(body):
            target = m.group(1)
            rel = posixpath.normpath(posixpath.join(folder_of(current), target))
            if rel in seen:
                continue
            seen.add(rel)
            line = body.count("\n", 0, m.start()) + 1
            if len(out) >= MAX_INCLUDED_FILES:
                errors.append(ScanError(current, f"-r {target}: over {MAX_INCLUDED_FILES} included files; not read", "too-large", line))
                continue
            try:
                sub = read_text(root / rel, root=root)
            except FileNotFoundError:
                continue
            except (OSError, FileTooLarge) as exc:
                kind = exc.kind if isinstance(exc, ReadRefused) else "too-large" if isinstance(exc, FileTooLarge) else "io"
                errors.append(ScanError(current, f"-r {target}: {exc}", kind, line))
                continue
            out[rel] = sub
            pending.append((rel, sub, depth + 1))
    return out


def read_lockfiles(root: Path, paths: list[str], errors: list[ScanError]) -> list[Lockfile]:
    locks: list[Lockfile] = []
    for path in paths:
        name = posixpath.basename(path)
        if name == "bun.lockb":
            errors.append(ScanError(path, bun_lockb_header(root / path)[1], "unsupported"))
            continue
        if name in UNREADABLE:
            errors.append(ScanError(path, UNREADABLE[name], "unsupported"))
            continue
        try:
            text = read_text(root / path, root=root)
        except FileTooLarge as exc:
            errors.append(ScanError(path, str(exc), "too-large"))
            continue
        except ReadRefused as exc:
            errors.append(ScanError(path, str(exc), exc.kind))
            continue
        except OSError as exc:
            errors.append(ScanError(path, f"cannot read: {exc.strerror or exc}", "io"))
            continue
        includes = requirements_includes(root, path, text, errors) if name.endswith(".txt") else None
        try:
            locks.append(parse_lockfile(path, text, includes))
        except LockfileError as exc:
            where = f" (line {exc.line})" if exc.line else ""
            errors.append(ScanError(path, f"{exc}{where}", exc.kind))
        except Exception as exc:  # noqa: BLE001 - one lockfile must not end the run
            errors.append(ScanError(path, f"not parsed: {type(exc).__name__}", "internal"))
    return locks


def cross_check_pnp(locks: list[Lockfile]) -> tuple[list[Lockfile], dict[str, str]]:
    """A Plug'n'Play loader beside a yarn.lock is a cross-check, not a second inventory.

    Only the packages it resolves that the yarn.lock does not list stay (as a
    lockfile of their own, every one unknown); the yarn.lock's coverage line
    says the loader was read and agreed. A loader alone is the inventory.
    """
    yarn = {folder_of(lock.path): lock for lock in locks if posixpath.basename(lock.path) == "yarn.lock"}
    kept: list[Lockfile] = []
    checked: dict[str, str] = {}
    for lock in locks:
        beside = yarn.get(folder_of(lock.path)) if lock.format == pnp_cjs.FORMAT else None
        if beside is None:
            kept.append(lock)
            continue
        missing = set(pnp_cjs.missing_from(lock, beside))
        name = posixpath.basename(lock.path)
        if not missing:
            checked[beside.path] = f"{name} read: its {len(lock.dependencies)} package(s) all listed here"
            continue
        lock.dependencies = [d for d in lock.dependencies if f"{d.name}@{d.version or d.source.url}" in missing]
        lock.version = "not in yarn.lock"
        checked[beside.path] = f"{name} resolves {len(missing)} package(s) not listed here (see {lock.path})"
        kept.append(lock)
    return kept, checked


def bun_lockb_header(path: Path) -> tuple[bun_lockb.BunLockbHeader | None, str]:
    """The header of a ``bun.lockb`` (None when unreadable) and the message that says what was not read."""
    try:
        with path.open("rb") as f:
            header = bun_lockb.read_header(f.read(bun_lockb.HEADER_BYTES), os.fstat(f.fileno()).st_size)
    except bun_lockb.NotBunLockb as exc:
        return None, f"{exc}; {UNREADABLE['bun.lockb']}"
    except OSError as exc:
        return None, f"cannot read: {exc}"
    return header, (f"bun.lockb (binary, format v{header.format_version}) records {header.packages} package(s), the "
                    "root and workspaces included; shipwarden reads its header only (names, versions and Bun's "
                    "has_install_script flag sit in Bun's internal column layout, which changes between Bun "
                    f"versions): {UNREADABLE['bun.lockb']}")


def hidden_lockfile(root: Path, nm: str) -> list[Dependency]:
    """npm's ``node_modules/.package-lock.json``: sources of an installed tree that has no lockfile beside it."""
    path = (root / nm if nm else root) / ".package-lock.json"
    if not path.is_file():
        return []
    rel = f"{nm}/.package-lock.json" if nm else ".package-lock.json"
    try:
        text = read_text(path, root=root)
        check_json_depth(text, what=".package-lock.json")
        lock = npm_lock.parse(text, rel)
    except (LockfileError, OSError, ValueError, RecursionError):
        return []
    for dep in lock.dependencies:
        dep.lockfile = "hidden-lockfile"
    return lock.dependencies


def manager_of(root: Path, folder: str, lockfiles: list[str]) -> str:
    names = {posixpath.basename(p) for p in lockfiles if folder_of(p) == folder}
    for name, manager in MANAGER_BY_LOCKFILE.items():
        if name in names:
            if manager == "yarn":
                try:
                    head = read_text(root / folder / "yarn.lock", root=root)[:4096]
                except (OSError, FileTooLarge):
                    head = ""
                return "yarn-berry" if is_berry(head) else "yarn"
            return manager
    nm = root / folder / "node_modules"
    if (nm / ".pnpm").is_dir():
        return "pnpm"
    if (nm / ".yarn-state.yml").is_file():
        return "yarn-berry"
    return "npm"


def project_of_node_modules(nm: str) -> str:
    """The project folder a ``node_modules`` belongs to (yarn berry's unplugged ones: the folder of ``.yarn``)."""
    if not nm:
        return ""
    marker = nm.find(".yarn/unplugged/")
    if marker == 0 or (marker > 0 and nm[marker - 1] == "/"):
        return nm[: max(marker - 1, 0)]
    return folder_of(nm)


def unreadable_fix(path: str, root_arg: str) -> str:
    name = posixpath.basename(path)
    if name == "bun.lockb":
        folder = folder_of(path)
        where = posixpath.join(root_arg, folder) if folder and root_arg not in ("", ".") else (folder or "")
        bun = "bun install --save-text-lockfile --frozen-lockfile --lockfile-only"
        return (f"{f'(cd {shlex.quote(where)} && {bun})' if where else bun} (writes bun.lock beside it, "
                f"runs no script), then shipwarden deps {shlex.quote(root_arg or '.')}")
    return "fix the error above, then run shipwarden deps again"


