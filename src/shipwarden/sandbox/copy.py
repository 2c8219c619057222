"""Copy a project (or an unpacked package) into a sandbox's scratch tree.

The sandbox never sees the original: the code inside works on a copy, so it
cannot change the user's checkout. The copy is bounded and takes only what a
build could legitimately read:

* regular files (opened without following links, checked after opening, so a
  FIFO or device named like a source file is skipped rather than read);
* folders, walked without following links;
* symbolic links recreated as they are: inside the sandbox a link to
  ``/home/…`` or ``/root/…`` points at nothing, since no such path exists there.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

_CHUNK = 1 << 20


class CopyLimitError(Exception):
    """The tree is larger than the copy's limits."""


@dataclass(slots=True)
class CopyStats:
    files: int = 0
    bytes: int = 0
    links: int = 0
    skipped: list[str] = field(default_factory=list)


def _copy_file(src_dir_fd: int, name: str, dest: Path, stats: CopyStats, max_bytes: int) -> None:
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=src_dir_fd)
    except OSError as exc:
        stats.skipped.append(f"{dest.name}: {exc.strerror}")
        return
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            stats.skipped.append(f"{dest.name}: not a regular file")
            return
        with open(dest, "wb") as out:
            while True:
                chunk = os.read(fd, _CHUNK)
                if not chunk:
                    break
                stats.bytes += len(chunk)
                if stats.bytes > max_bytes:
                    raise CopyLimitError(f"the tree holds more than {max_bytes / 1048576:g} MiB")
                out.write(chunk)
        os.chmod(dest, 0o755 if st.st_mode & 0o111 else 0o644)
        stats.files += 1
    finally:
        os.close(fd)


def copy_tree(
    source: Path,
    dest: Path,
    *,
    max_files: int = 200_000,
    max_bytes: int = 2 << 30,
    max_depth: int = 64,
) -> CopyStats:
    """Copy ``source`` to ``dest`` (created); raise :class:`CopyLimitError` past the limits."""
    stats = CopyStats()
    root_fd = os.open(source, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        _copy_dir(root_fd, dest, stats, max_files, max_bytes, max_depth)
    finally:
        os.close(root_fd)
    return stats


def _copy_dir(dir_fd: int, dest: Path, stats: CopyStats, max_files: int, max_bytes: int, depth: int) -> None:
    if depth < 0:
        raise CopyLimitError("the tree is nested too deeply")
    dest.mkdir(mode=0o755, exist_ok=True)
    with os.scandir(dir_fd) as it:
        entries = sorted(it, key=lambda e: e.name)
    for entry in entries:
        if stats.files + stats.links >= max_files:
            raise CopyLimitError(f"the tree holds more than {max_files:,} files")
        target = dest / entry.name
        if entry.is_symlink():
            try:
                link = os.readlink(entry.name, dir_fd=dir_fd)
            except OSError:
                continue
            os.symlink(link, target)
            stats.links += 1
        elif entry.is_dir(follow_symlinks=False):
            try:
                sub = os.open(entry.name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dir_fd)
            except OSError as exc:
                stats.skipped.append(f"{entry.name}/: {exc.strerror}")
                continue
            try:
                _copy_dir(sub, target, stats, max_files, max_bytes, depth - 1)
            finally:
                os.close(sub)
        elif entry.is_file(follow_symlinks=False):
            _copy_file(dir_fd, entry.name, target, stats, max_bytes)
        else:
            stats.skipped.append(f"{entry.name}: not a regular file")
