"""What an archive yields: members with a name, a size, a kind and bounded reads."""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Protocol

from shipwarden.artifacts.errors import StaleMemberError


class MemberKind(enum.Enum):
    FILE = "file"
    DIR = "dir"
    SYMLINK = "symlink"
    HARDLINK = "hardlink"
    DEVICE = "device"
    FIFO = "fifo"
    OTHER = "other"


@dataclass(slots=True)
class Member:
    """One archive member. ``read``/``open`` work while the archive is on this member.

    Tar archives are streamed: a member can be opened (or read) once, while it
    is current; after that, or once iteration moves on, :class:`StaleMemberError`
    is raised. Zip members stay readable until the archive is closed.
    """

    name: str
    size: int
    kind: MemberKind
    mode: int = 0o644
    #: Link target for links (never followed).
    linkname: str = ""
    _opener: Callable[[], IO[bytes]] | None = field(default=None, repr=False, compare=False)
    _alive: Callable[[], bool] = field(default=lambda: True, repr=False, compare=False)
    _archive: str = field(default="", repr=False, compare=False)

    @property
    def is_file(self) -> bool:
        return self.kind is MemberKind.FILE

    def open(self) -> IO[bytes]:
        """A binary stream over the member's content (at most ``size`` bytes)."""
        if self._opener is None or self.kind is not MemberKind.FILE:
            raise ValueError(f"{self.name}: only regular file members have content")
        if not self._alive():
            raise StaleMemberError(self._archive, "member read after iteration moved on", self.name)
        return self._opener()

    def read(self, max_bytes: int | None = None) -> bytes:
        """The first ``max_bytes`` bytes of the content (all of it when None)."""
        limit = self.size if max_bytes is None else min(max_bytes, self.size)
        with self.open() as stream:
            return stream.read(limit)

    def iter_chunks(self, chunk_size: int = 1024 * 1024) -> Iterator[bytes]:
        with self.open() as stream:
            while chunk := stream.read(chunk_size):
                yield chunk


class Archive(Protocol):
    """An open archive; iterate it once for its members. Use as a context manager."""

    path: str
    #: "tar", "tar.gz", "tar.bz2", "tar.xz" or "zip"
    format: str

    def __iter__(self) -> Iterator[Member]: ...

    def close(self) -> None: ...

    def __enter__(self) -> Archive: ...

    def __exit__(self, *exc: object) -> None: ...


@dataclass(slots=True)
class ArchiveStats:
    members: int = 0
    files: int = 0
    total_size: int = 0
    compressed_size: int = 0
