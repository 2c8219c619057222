"""Errors raised while reading an archive. Each message names the archive and member."""

from __future__ import annotations


class ArchiveError(Exception):
    """An archive could not be read safely. Nothing was written to disk."""

    #: Short machine-readable reason, used as ``ScanError.kind``.
    kind = "archive"

    def __init__(self, archive: str, message: str, member: str = "") -> None:
        self.archive = archive
        self.member = member
        self.detail = message
        where = f"{archive}: {member}: " if member else f"{archive}: "
        super().__init__(where + message)


class NotAnArchiveError(ArchiveError):
    """The file is not a tar, gzip/bzip2/xz tar or zip archive (or is corrupt)."""

    kind = "not-an-archive"


class ArchiveLimitError(ArchiveError):
    """A hard limit was exceeded: total size, member count, member size or compression ratio."""

    kind = "archive-limit"


class UnsafeMemberError(ArchiveError):
    """A member is unsafe to materialise: path traversal, absolute name, link or device."""

    kind = "unsafe-member"


class StaleMemberError(ArchiveError):
    """A streamed member was read after iteration had moved past it."""

    kind = "stale-member"


#: Why a second file member of the same name is refused: extractors disagree on
#: which copy wins, so a reviewer (or a scanner) can be shown the harmless one.
DUPLICATE = "duplicate file member: tools disagree on which copy is installed"
