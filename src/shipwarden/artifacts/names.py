"""Member-name checks: no absolute names, no traversal, no control characters."""

from __future__ import annotations

import re

from shipwarden.artifacts.errors import UnsafeMemberError

_DRIVE = re.compile(r"^[A-Za-z]:")


def safe_name(archive: str, raw: str, max_length: int) -> str:
    """Normalise a member name to a relative POSIX path or raise UnsafeMemberError.

    ``./`` prefixes and repeated slashes are dropped; a trailing slash is
    removed. Absolute names, drive letters, ``..`` components (with ``/`` or
    ``\\`` as separator) and NUL or other control characters are refused.
    """
    if not raw:
        raise UnsafeMemberError(archive, "member with an empty name")
    if len(raw) > max_length:
        raise UnsafeMemberError(archive, f"member name longer than {max_length} characters", raw[:80] + "…")
    if any(ord(c) < 0x20 or c == "\x7f" for c in raw):
        raise UnsafeMemberError(archive, "member name contains control characters", repr(raw))
    if raw.startswith(("/", "\\")) or _DRIVE.match(raw):
        raise UnsafeMemberError(archive, "absolute member name (would write outside the target)", raw)
    parts = [p for p in re.split(r"[/\\]", raw) if p not in ("", ".")]
    if ".." in parts:
        raise UnsafeMemberError(archive, "path traversal: member name contains '..'", raw)
    if not parts:
        raise UnsafeMemberError(archive, "member name has no path component", raw)
    return "/".join(p for p in raw.split("/") if p not in ("", "."))
