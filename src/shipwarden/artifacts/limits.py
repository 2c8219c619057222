"""Hard limits applied to every archive read. Exceeding one raises ArchiveLimitError."""

from __future__ import annotations

from dataclasses import dataclass

MiB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    #: Sum of the uncompressed sizes of all members.
    max_total_size: int = 1024 * MiB
    #: Number of members (files, directories and the rest).
    max_members: int = 100_000
    #: Uncompressed size of one member.
    max_member_size: int = 512 * MiB
    #: Uncompressed bytes per compressed byte, once ``ratio_floor`` bytes were produced.
    max_ratio: float = 200.0
    #: Below this many uncompressed bytes the ratio is not checked (small files compress well).
    ratio_floor: int = 8 * MiB
    #: Longest member name accepted.
    max_name_length: int = 4096
    #: Largest pax (``x``/``g``) or GNU long-name/long-link (``L``/``K``) header
    #: body; refused before it is read (a 510 MiB pax header once cost 1.6 GB).
    max_header_size: int = 1 * MiB
    #: Symbolic and hard links are refused unless this is set (they are still never followed).
    allow_links: bool = False
