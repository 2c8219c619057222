"""Safe in-memory archive reading shared by ``gate`` and ``deps``.

Archives (tar, tar.gz/.tgz, tar.bz2, tar.xz, zip, wheel, sdist) are read member
by member and never extracted to disk. Hard limits (:class:`Limits`) bound the
total uncompressed size, the member count, each member's size and the
compression ratio; absolute names, ``..`` traversal, links and device files
raise :class:`UnsafeMemberError`.

Example::

    from shipwarden.artifacts import open_archive

    with open_archive("pkg-1.0.0.tgz") as archive:
        for member in archive:
            if member.is_file and member.name.endswith(".map"):
                head = member.read(4096)
"""

from __future__ import annotations

from shipwarden.artifacts.errors import (
    ArchiveError,
    ArchiveLimitError,
    NotAnArchiveError,
    StaleMemberError,
    UnsafeMemberError,
)
from shipwarden.artifacts.limits import Limits
from shipwarden.artifacts.model import Archive, ArchiveStats, Member, MemberKind
from shipwarden.artifacts.reader import archive_format, open_archive

__all__ = [
    "Archive",
    "ArchiveError",
    "ArchiveLimitError",
    "ArchiveStats",
    "Limits",
    "Member",
    "MemberKind",
    "NotAnArchiveError",
    "StaleMemberError",
    "UnsafeMemberError",
    "archive_format",
    "open_archive",
]
