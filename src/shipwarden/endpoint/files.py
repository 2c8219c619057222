"""Read-only, bounded file access inside a home directory.

Never follows a symbolic link out of the allowed roots, never opens anything
but a regular file, never reads more than a fixed number of bytes.
"""

from __future__ import annotations

import enum
import fnmatch
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from shipwarden.core import safeio
from shipwarden.core.findings import ScanError
from shipwarden.core.suppress import SourceReader, file_reader

#: Structured stores larger than this are skipped with a note.
MAX_FILE_BYTES = 8 * 1024 * 1024
#: Histories and text stores larger than this are read from the end / start.
MAX_TEXT_BYTES = 4 * 1024 * 1024  # under the secret scanner's own text cap
#: Bytes inspected for NUL characters to tell binary junk from text.
BINARY_SNIFF_BYTES = 8192
#: A structured store over MAX_FILE_BYTES (``~/.claude.json`` grows to tens of
#: megabytes of project history) is not parsed but scanned as text for token
#: formats, in chunks, up to this many bytes from its start.
MAX_LARGE_SCAN_BYTES = 64 * 1024 * 1024
#: Overlap between chunks, so a token cut by a chunk boundary is still whole in one.
CHUNK_OVERLAP_BYTES = 32 * 1024


class Exposure(enum.Enum):
    """Who besides the owner can read a file."""

    OWNER = "owner-only"
    GROUP = "group-readable"
    WORLD = "world-readable"

    @property
    def loose(self) -> bool:
        return self is not Exposure.OWNER


@dataclass(frozen=True, slots=True)
class FileInfo:
    """A regular file found under an allowed root."""

    #: The path as found (under the home), not resolved.
    path: Path
    #: The resolved file that is read.
    real: Path
    #: ``~/…`` for files in the home, else the absolute POSIX path.
    display: str
    size: int
    mode: int
    uid: int

    @property
    def exposure(self) -> Exposure:
        if self.mode & stat.S_IROTH:
            return Exposure.WORLD
        if self.mode & stat.S_IRGRP:
            return Exposure.GROUP
        return Exposure.OWNER

    @property
    def mode_text(self) -> str:
        return f"{stat.S_IMODE(self.mode):04o}"

    @property
    def owned_by_user(self) -> bool:
        getuid = getattr(os, "getuid", None)
        return getuid is None or self.uid == getuid()


class Home:
    """The scanned home directory and the rules for reaching files in it."""

    def __init__(self, root: Path, extra_roots: tuple[Path, ...] = ()) -> None:
        self.root = root
        self.real = Path(os.path.realpath(root))
        self.allowed = (self.real, *(Path(os.path.realpath(p)) for p in extra_roots))
        self.errors: list[ScanError] = []
        self._noted: set[tuple[str, str]] = set()

    # -- paths -------------------------------------------------------------

    def display(self, path: Path) -> str:
        """``~/rel`` for paths in the home, else the absolute POSIX path."""
        for base in (self.root, self.real):
            try:
                rel = path.relative_to(base)
            except ValueError:
                continue
            return "~/" + rel.as_posix() if rel.parts else "~"
        return path.as_posix()

    def _inside(self, real: Path) -> bool:
        return any(real == root or root in real.parents for root in self.allowed)

    def note(self, path: Path, kind: str, message: str) -> None:
        self.errors.append(ScanError(self.display(path), message, kind))

    def _note_once(self, path: Path, kind: str, message: str) -> None:
        """A note for a directory that several catalogue globs reach (``~/.ssh/*``, ``~/.kube/*.yaml`` …)."""
        key = (str(path), kind)
        if key not in self._noted:
            self._noted.add(key)
            self.note(path, kind, message)

    # -- finding files -----------------------------------------------------

    def expand(self, glob: str) -> Iterator[Path]:
        """Paths under the home matching ``glob`` (``*`` within one segment only).

        Literal segments cost one ``lstat``; glob segments list one directory.
        Directories reached through a symlink are entered only when the
        link stays inside the home.
        """
        parts = [p for p in glob.split("/") if p]
        yield from self._expand(self.root, parts)

    def _expand(self, base: Path, parts: list[str]) -> Iterator[Path]:
        if not parts:
            yield base
            return
        head, rest = parts[0], parts[1:]
        if not any(ch in head for ch in "*?["):
            candidate = base / head
            if rest:
                if self._enterable_dir(candidate):
                    yield from self._expand(candidate, rest)
            elif os.path.lexists(candidate):
                yield candidate
            return
        if not self._enterable_dir(base):
            return
        try:
            names = sorted(e.name for e in os.scandir(base))
        except PermissionError:
            self._note_once(base, "unreadable", "directory not readable; its credential files were not checked")
            return
        except OSError as exc:
            self._note_once(base, "unreadable", f"cannot list directory: {exc.strerror or type(exc).__name__}")
            return
        for name in names:
            if fnmatch.fnmatchcase(name, head):
                candidate = base / name
                if rest:
                    if self._enterable_dir(candidate):
                        yield from self._expand(candidate, rest)
                else:
                    yield candidate

    def _enterable_dir(self, path: Path) -> bool:
        try:
            st = os.lstat(path)
        except OSError:
            return False
        if stat.S_ISLNK(st.st_mode):
            real = Path(os.path.realpath(path))
            if not self._inside(real):
                self._note_once(path, "symlink", "directory symlink leads outside the home; not followed")
                return False
            return real.is_dir()
        return stat.S_ISDIR(st.st_mode)

    def regular_file(self, path: Path) -> FileInfo | None:
        """Stat ``path``; a note and None for links out of the roots, broken links, specials."""
        try:
            lst = os.lstat(path)
        except FileNotFoundError:
            return None
        except OSError as exc:
            self.note(path, "unreadable", f"cannot stat: {exc.strerror or type(exc).__name__}")
            return None
        real = path
        if stat.S_ISLNK(lst.st_mode):
            real = Path(os.path.realpath(path))
            if not self._inside(real):
                self.note(path, "symlink", "symlink leads outside the scanned home; not followed")
                return None
            try:
                st = os.stat(real)
            except OSError:
                self.note(path, "symlink", "broken symlink (missing target or a link loop)")
                return None
        else:
            st = lst
        if stat.S_ISDIR(st.st_mode):
            return None
        if not stat.S_ISREG(st.st_mode):
            self.note(path, "not-a-file", "not a regular file (socket, FIFO or device); not read")
            return None
        return FileInfo(path, real, self.display(path), st.st_size, st.st_mode, st.st_uid)

    # -- reading -----------------------------------------------------------

    def read_bytes(self, info: FileInfo, *, limit: int = MAX_FILE_BYTES, tail: bool = False) -> bytes | None:
        """Up to ``limit`` bytes (the last ones when ``tail``); None and a note on failure."""
        try:
            with safeio.open_binary(info.real) as fh:
                if info.size > limit and tail:
                    fh.seek(info.size - limit)
                return fh.read(limit)
        except PermissionError:
            self.note(info.path, "unreadable", "permission denied")
        except OSError as exc:
            self.note(info.path, "unreadable", f"cannot read: {exc.strerror or type(exc).__name__}")
        return None

    def read_text(
        self, info: FileInfo, *, limit: int = MAX_FILE_BYTES, partial: str = "", nul_ok: bool = False
    ) -> str | None:
        """Decoded text, or None with a note for binary junk and oversized files.

        ``partial`` says what to do with a file over ``limit``: "" skips it,
        "head" reads its first and "tail" its last ``limit`` bytes. With
        ``nul_ok`` NUL bytes are dropped instead of marking the file binary
        (a shell history truncated by a crash); random junk is still refused
        as mostly undecodable.
        """
        if info.size > limit and not partial:
            self.note(info.path, "too-large", f"{info.size} bytes is over the {limit}-byte limit; not read")
            return None
        data = self.read_bytes(info, limit=limit, tail=partial == "tail")
        if data is None:
            return None
        if nul_ok:
            data = data.replace(b"\x00", b"")
        elif b"\x00" in data[:BINARY_SNIFF_BYTES]:
            self.note(info.path, "binary", "binary content where text was expected; not parsed")
            return None
        text = data.decode("utf-8", errors="replace")
        if text.count("\ufffd") > max(16, len(text) // 10):
            self.note(info.path, "encoding", "mostly undecodable bytes; not parsed")
            return None
        if info.size > limit:
            which = "last" if partial == "tail" else "first"
            self.note(info.path, "truncated", f"{info.size} bytes; only the {which} {limit} were scanned")
        return text

    def text_chunks(self, info: FileInfo) -> Iterator[tuple[int, str]]:
        """(line offset, text) chunks of an oversized text file, for token scanning.

        At most ``MAX_LARGE_SCAN_BYTES`` are read, ``MAX_TEXT_BYTES`` at a time
        with ``CHUNK_OVERLAP_BYTES`` of overlap (a token seen twice in an overlap
        has one fingerprint). Binary junk and read errors end it with a note.
        """
        budget = min(info.size, MAX_LARGE_SCAN_BYTES)
        try:
            with safeio.open_binary(info.real) as fh:
                start, lines = 0, 0
                while start < budget:
                    fh.seek(start)
                    data = fh.read(min(MAX_TEXT_BYTES, budget - start))
                    if not data:
                        return
                    if b"\x00" in data[:BINARY_SNIFF_BYTES]:
                        self.note(info.path, "binary", "binary content where text was expected; not parsed")
                        return
                    yield lines, data.decode("utf-8", errors="replace")
                    if start + len(data) >= budget:
                        return
                    step = max(len(data) - CHUNK_OVERLAP_BYTES, 1)
                    lines += data.count(b"\n", 0, step)
                    start += step
        except OSError as exc:
            self.note(info.path, "unreadable", f"cannot read: {exc.strerror or type(exc).__name__}")

    def lines_before_tail(self, info: FileInfo, limit: int) -> int:
        """How many newlines precede the last ``limit`` bytes (to keep line numbers true)."""
        if info.size <= limit:
            return 0
        count, remaining = 0, info.size - limit
        try:
            with safeio.open_binary(info.real) as fh:
                while remaining > 0:
                    chunk = fh.read(min(remaining, 1 << 20))
                    if not chunk:
                        break
                    count += chunk.count(b"\n")
                    remaining -= len(chunk)
        except OSError:
            return 0
        return count

    # -- walking --------------------------------------------------------------

    def walk(
        self,
        top: Path,
        want: Callable[[str], bool],
        *,
        skip_dirs: frozenset[str],
        max_depth: int,
        max_files: int,
    ) -> Iterator[Path]:
        """Entries under ``top`` whose name is ``want``-ed, without entering symlinked
        directories; bounded depth and count."""
        stack: list[tuple[Path, int]] = [(top, 0)]
        seen = 0
        deep_noted = False
        while stack:
            directory, depth = stack.pop()
            try:
                entries = list(os.scandir(directory))
            except PermissionError:
                self.note(directory, "unreadable", "directory not readable; skipped")
                continue
            except OSError:
                continue
            for entry in entries:
                try:
                    is_dir = entry.is_dir(follow_symlinks=False)
                except OSError:
                    continue
                if is_dir:
                    if entry.name in skip_dirs:
                        continue
                    if depth + 1 > max_depth:
                        if not deep_noted:
                            self.note(Path(entry.path), "too-deep", f"directories nested deeper than {max_depth} levels were not searched")
                            deep_noted = True
                        continue
                    stack.append((Path(entry.path), depth + 1))
                else:
                    seen += 1
                    if seen > max_files:
                        self.note(top, "too-many-files", f"stopped after {max_files} files")
                        return
                    if want(entry.name):
                        yield Path(entry.path)


def home_reader(home: Path) -> SourceReader:
    """Read ``~/…`` finding paths from ``home`` (for inline ignore comments)."""
    inner = file_reader([home])

    def read(path: str) -> str | None:
        return inner(path[2:]) if path.startswith("~/") else None

    return read
