"""Open any supported archive by content: tar, tar.gz/tgz, tar.bz2, tar.xz, zip/whl."""

from __future__ import annotations

import os
from pathlib import Path

from shipwarden.artifacts.errors import NotAnArchiveError
from shipwarden.artifacts.limits import Limits
from shipwarden.artifacts.tar import TarArchive
from shipwarden.artifacts.zip import ZipArchive
from shipwarden.core import safeio

_MAGIC = (
    (b"\x1f\x8b", "tar.gz"),
    (b"BZh", "tar.bz2"),
    (b"\xfd7zXZ\x00", "tar.xz"),
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),  # empty zip
)


def archive_format(path: str | os.PathLike[str]) -> str | None:
    """ "tar", "tar.gz", "tar.bz2", "tar.xz" or "zip" from the file's first bytes; None otherwise."""
    try:
        with safeio.open_binary(path) as fh:
            head = fh.read(512)
    except OSError:
        return None
    for magic, fmt in _MAGIC:
        if head.startswith(magic):
            return fmt
    if len(head) >= 262 and head[257:262] == b"ustar":
        return "tar"
    return None


def open_archive(
    path: str | os.PathLike[str],
    limits: Limits | None = None,
    *,
    display: str | None = None,
) -> TarArchive | ZipArchive:
    """Open an archive for one pass over its members, without extracting anything.

    ``display`` is the name used in error messages (defaults to the path).
    Raises :class:`NotAnArchiveError` for anything that is not an archive;
    iteration raises :class:`ArchiveLimitError` or :class:`UnsafeMemberError`
    on the first member that breaks a limit or a safety rule.
    """
    limits = limits or Limits()
    name = display or str(path)
    fmt = archive_format(path)
    if fmt is None:
        if not Path(path).is_file():
            raise NotAnArchiveError(name, "no such file")
        raise NotAnArchiveError(name, "not a tar, tar.gz, tar.bz2, tar.xz or zip archive")
    if fmt == "zip":
        return ZipArchive(str(path), limits, display=name)
    return TarArchive(str(path), fmt, limits, display=name)
