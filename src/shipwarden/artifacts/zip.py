"""Zip (and wheel) reading from the central directory, checked before any byte is inflated."""

from __future__ import annotations

import stat
import zipfile
import zlib
from collections.abc import Iterator
from typing import IO, BinaryIO, cast

from shipwarden.artifacts.errors import DUPLICATE, ArchiveError, ArchiveLimitError, NotAnArchiveError, UnsafeMemberError
from shipwarden.artifacts.limits import Limits
from shipwarden.artifacts.model import ArchiveStats, Member, MemberKind
from shipwarden.artifacts.names import safe_name
from shipwarden.core import safeio

_LOCAL_HEADER = 30  # fixed part of a local file header


def _kind(info: zipfile.ZipInfo) -> MemberKind:
    if info.is_dir():
        return MemberKind.DIR
    mode = info.external_attr >> 16
    if info.create_system == 3 and mode:  # unix attributes present
        fmt = stat.S_IFMT(mode)
        if fmt == stat.S_IFLNK:
            return MemberKind.SYMLINK
        if fmt in (stat.S_IFCHR, stat.S_IFBLK):
            return MemberKind.DEVICE
        if fmt == stat.S_IFIFO:
            return MemberKind.FIFO
        if fmt not in (0, stat.S_IFREG):
            return MemberKind.OTHER
    return MemberKind.FILE


class ZipArchive:
    """A zip archive. Every limit is checked on the central directory before reading."""

    format = "zip"

    def __init__(self, path: str, limits: Limits, display: str | None = None) -> None:
        self.path = path
        self.display = display or path
        self.limits = limits
        self.stats = ArchiveStats()
        self._fh: BinaryIO | None = None
        try:
            self._fh = safeio.open_binary(path)
            self._zip: zipfile.ZipFile | None = zipfile.ZipFile(self._fh)
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            if self._fh is not None:
                self._fh.close()
            raise NotAnArchiveError(self.display, f"not a readable zip archive: {exc}") from None
        self._infos = self._check(self._zip.infolist())

    def __enter__(self) -> ZipArchive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()
            self._zip = None
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def _check(self, infos: list[zipfile.ZipInfo]) -> list[tuple[zipfile.ZipInfo, str, MemberKind]]:
        lim = self.limits
        if len(infos) > lim.max_members:
            raise ArchiveLimitError(self.display, f"{len(infos):,} members, more than {lim.max_members:,}")
        checked: list[tuple[zipfile.ZipInfo, str, MemberKind]] = []
        total = 0
        files: set[str] = set()
        for info in infos:
            name = safe_name(self.display, info.filename, lim.max_name_length)
            kind = _kind(info)
            if kind is MemberKind.FILE:
                if name in files:
                    raise UnsafeMemberError(self.display, DUPLICATE, name)
                files.add(name)
            if kind in (MemberKind.SYMLINK, MemberKind.HARDLINK) and not lim.allow_links:
                raise UnsafeMemberError(self.display, f"{kind.value} member (links are refused)", name)
            if kind in (MemberKind.DEVICE, MemberKind.FIFO, MemberKind.OTHER):
                raise UnsafeMemberError(self.display, f"{kind.value} member (device, fifo or special file)", name)
            size = info.file_size if kind is MemberKind.FILE else 0
            if size > lim.max_member_size:
                raise ArchiveLimitError(
                    self.display, f"member of {size:,} bytes exceeds the {lim.max_member_size:,}-byte limit", name
                )
            if size > lim.ratio_floor and size / max(info.compress_size, 1) > lim.max_ratio:
                raise ArchiveLimitError(
                    self.display,
                    f"compression ratio above {lim.max_ratio:g}:1 ({size:,} bytes from {info.compress_size:,}): "
                    "decompression bomb",
                    name,
                )
            total += size
            if total > lim.max_total_size:
                raise ArchiveLimitError(
                    self.display, f"members add up to more than the {lim.max_total_size:,}-byte limit", name
                )
            checked.append((info, name, kind))
        # Overlapping entries (several names sharing one compressed stream) are how
        # "non-recursive" zip bombs multiply their output; refuse them.
        spans = sorted((i.header_offset, i.header_offset + _LOCAL_HEADER + i.compress_size, i.filename) for i in infos)
        for (_start, end, first), (start, _end, second) in zip(spans, spans[1:], strict=False):
            if start < end:
                raise ArchiveLimitError(
                    self.display, f"overlapping entries {first!r} and {second!r}: zip bomb construction", second
                )
        self.stats.members = len(checked)
        self.stats.files = sum(1 for _, _, k in checked if k is MemberKind.FILE)
        self.stats.total_size = total
        self.stats.compressed_size = sum(i.compress_size for i in infos)
        return checked

    def __iter__(self) -> Iterator[Member]:
        for info, name, kind in self._infos:
            yield Member(
                name=name,
                size=info.file_size if kind is MemberKind.FILE else 0,
                kind=kind,
                mode=((info.external_attr >> 16) & 0o7777) or 0o644,
                _opener=self._opener(info, name),
                _alive=lambda: self._zip is not None,
                _archive=self.display,
            )

    def _opener(self, info: zipfile.ZipInfo, name: str):  # type: ignore[no-untyped-def]
        def opener() -> IO[bytes]:
            if self._zip is None:
                raise ArchiveError(self.display, "archive is closed", name)
            try:
                return cast(IO[bytes], _GuardedZipStream(self._zip.open(info), self.display, name))
            except (zipfile.BadZipFile, NotImplementedError, RuntimeError, ValueError, zlib.error) as exc:
                raise NotAnArchiveError(self.display, f"cannot read member: {exc}", name) from None

        return opener


class _GuardedZipStream:
    def __init__(self, inner: IO[bytes], archive: str, name: str) -> None:
        self._inner = inner
        self._archive = archive
        self._name = name

    def read(self, size: int = -1) -> bytes:
        try:
            return self._inner.read(size)
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
            raise NotAnArchiveError(self._archive, f"corrupt member data: {exc}", self._name) from None

    def close(self) -> None:
        self._inner.close()

    def __enter__(self) -> _GuardedZipStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
