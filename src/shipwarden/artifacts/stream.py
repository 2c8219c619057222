"""Byte-counting and limit-enforcing stream wrappers used by the tar reader."""

from __future__ import annotations

import io
from typing import IO

from shipwarden.artifacts.errors import ArchiveLimitError
from shipwarden.artifacts.limits import Limits


class CountingReader(io.RawIOBase):
    """Counts the bytes read from the underlying (compressed) file."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.count += n
        return n


class MeteredReader(io.RawIOBase):
    """The decompressed stream: refuses to run ahead of what the headers declared.

    ``allowance`` grows as member headers are accepted; the stream may never
    produce more than that (plus one maximum member and header overhead), and
    once ``ratio_floor`` bytes came out, never more than ``max_ratio`` bytes per
    compressed byte consumed. Either breach raises ArchiveLimitError, so a
    decompression bomb costs at most a few megabytes of work.
    """

    HEADER_OVERHEAD = 1536  # a header block, padding and some slack per member

    def __init__(self, inner: IO[bytes], counter: CountingReader, limits: Limits, archive: str) -> None:
        self._inner = inner
        self._counter = counter
        self._limits = limits
        self._archive = archive
        self.produced = 0
        self.declared = 0
        self.members = 0

    def readable(self) -> bool:
        return True

    def accept(self, size: int) -> None:
        self.declared += size
        self.members += 1

    @property
    def cap(self) -> int:
        lim = self._limits
        return self.declared + (self.members + 1) * self.HEADER_OVERHEAD + lim.max_member_size + 1024 * 1024

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._inner.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.produced += n
        lim = self._limits
        if self.produced > self.cap:
            raise ArchiveLimitError(
                self._archive,
                f"decompressed stream runs past the declared member sizes ({self.produced:,} bytes); "
                "refusing an oversized header or hidden data",
            )
        consumed = max(self._counter.count, 1)
        if self.produced > lim.ratio_floor and self.produced / consumed > lim.max_ratio:
            raise ArchiveLimitError(
                self._archive,
                f"compression ratio above {lim.max_ratio:g}:1 "
                f"({self.produced:,} bytes from {consumed:,}): decompression bomb",
            )
        return n
