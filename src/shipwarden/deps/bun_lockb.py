"""``bun.lockb``: what can be read of Bun's binary lockfile without Bun.

The file starts with ``#!/usr/bin/env bun\\nbun-lockfile-format-v0\\n`` (42
bytes), then little-endian integers: the format version (u32), a 32-byte meta
hash, the buffer's end offset (u64) and the number of packages (u64) — the
root package and workspaces included. After that come the packages as columns
of Bun's internal structs (name, name hash, resolution, dependencies,
resolutions, meta with the ``has_install_script`` flag, bin, scripts) and the
string buffers; their layout follows Bun's Zig structs and has changed between
Bun versions, so shipwarden reads the header only and says so. Bun 1.2+ writes
the text ``bun.lock``, which is read in full (``bun_lock.py``).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

MAGIC = b"#!/usr/bin/env bun\nbun-lockfile-format-v0\n"
_HEADER = struct.Struct("<I32sQQ")


@dataclass(frozen=True, slots=True)
class BunLockbHeader:
    format_version: int
    packages: int


class NotBunLockb(ValueError):
    pass


#: Bytes to read for :func:`read_header`.
HEADER_BYTES = len(MAGIC) + _HEADER.size


def read_header(data: bytes, size: int) -> BunLockbHeader:
    """The header of a ``bun.lockb`` of ``size`` bytes from its first bytes ``data``; raises NotBunLockb."""
    if not data.startswith(MAGIC):
        raise NotBunLockb("not a bun.lockb file (no bun-lockfile-format-v0 header)")
    if len(data) < len(MAGIC) + _HEADER.size:
        raise NotBunLockb("bun.lockb is truncated (shorter than its header)")
    version, _hash, end, count = _HEADER.unpack_from(data, len(MAGIC))
    if end > size or count > size:
        raise NotBunLockb(f"bun.lockb header does not fit the file (end {end}, {count} packages, {size} bytes)")
    return BunLockbHeader(version, count)
