"""A cache of parsed TOML tables, so a run does not parse the same TOML again.

Parsing the packaged TOML tables (:mod:`shipwarden.core.tables`) is a good part
of a short run's start-up: :mod:`tomllib` is pure Python. The first run stores
each parsed table as JSON (read by the C decoder, many times faster) under the
user's cache folder; later runs read that instead.

The cache is treated as untrusted input:

* an entry is named after the SHA-256 of the shipwarden version, the table's
  name and the table's text, and its first line repeats that key with the
  length and CRC-32 of the JSON that follows: a changed table, another version
  or a damaged or truncated entry is never read (the checksum finds damage; what
  keeps a hostile writer out is the ownership test below, as a hostile writer
  could recompute any checksum);
* it is JSON only (data, never code), bounded in size and depth, and must hold
  a table (an object);
* it is read only from a folder and a regular file (no symlink) owned by the
  user running shipwarden and writable by nobody else; otherwise it is ignored;
* any problem (unreadable, malformed, mismatched) means the TOML is parsed as
  without a cache. Writing is best-effort and atomic (a temporary file renamed).

A parsed table is stored only when JSON gives back exactly the same value
(TOML dates and NaN are not), so a cached read equals a parse.

``SHIPWARDEN_CACHE_DIR`` names the cache folder (``tables/`` is used inside it);
set to an empty string it turns the cache off. Default:
``$XDG_CACHE_HOME/shipwarden`` or ``~/.cache/shipwarden``.
"""

from __future__ import annotations

import json
import os
import stat
import zlib
from pathlib import Path
from typing import Any

from shipwarden import __version__
from shipwarden.core import safeio
from shipwarden.core.digest import sha256

ENV = "SHIPWARDEN_CACHE_DIR"
#: Largest cache entry read (a packaged table is far smaller).
MAX_ENTRY_BYTES = 8 * 1024 * 1024
_FORMAT = 2


def cache_dir() -> Path | None:
    """The folder entries live in, or ``None`` when the cache is off (also where
    ownership cannot be checked, or no home folder is known)."""
    if not hasattr(os, "geteuid"):  # pragma: no cover - Windows
        return None
    configured = os.environ.get(ENV)
    if configured is not None:
        return Path(configured) / "tables" if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or ""
    try:
        root = Path(base) if os.path.isabs(base) else Path.home() / ".cache"
    except (RuntimeError, KeyError, OSError):  # no HOME and no password entry
        return None
    return root / "shipwarden" / "tables"


def digest(label: str, text: str) -> str:
    """The key of a table's entry: version, table name and text."""
    h = sha256()
    for part in (f"format {_FORMAT}", __version__, label, text):
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return h.hexdigest()


def owned_private(st: os.stat_result) -> bool:
    """Owned by the user running shipwarden and writable by nobody else."""
    return st.st_uid == os.geteuid() and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def read(label: str, text: str, max_depth: int) -> dict[str, Any] | None:
    """The cached parse of ``text``, or ``None`` (absent, off, or not to be trusted)."""
    folder = cache_dir()
    if folder is None:
        return None
    key = digest(label, text)
    raw = read_private(folder, f"{key}.json", MAX_ENTRY_BYTES)
    if raw is None:
        return None
    header, _, body = raw.partition(b"\n")
    if header != _header(key, body):
        return None
    try:
        table = safeio.load_json(body.decode("utf-8"), f"cache entry of {label}", max_depth)
    except (ValueError, safeio.ReadRefused):
        return None
    return table if isinstance(table, dict) else None


def read_private(folder: Path, name: str, max_bytes: int) -> bytes | None:
    """The bytes of ``folder/name``, or ``None`` unless the folder and the file (a
    regular file, not a link, at most ``max_bytes``) are :func:`owned_private`."""
    try:
        dir_st = os.stat(folder, follow_symlinks=False)
        if not stat.S_ISDIR(dir_st.st_mode) or not owned_private(dir_st):
            return None
        fd = os.open(folder / name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or not owned_private(st) or st.st_size > max_bytes:
            return None
        return safeio.read_fd(fd, max_bytes)
    except OSError:
        return None
    finally:
        os.close(fd)


def _header(key: str, body: bytes) -> bytes:
    """First line of an entry: its key, the length and CRC-32 of the JSON that follows."""
    return f"shipwarden-table {_FORMAT} {key} {checksum(body)}".encode("ascii")


def checksum(body: bytes) -> str:
    """Length and CRC-32 of a cache file's body: finds damage and truncation (a cache's
    trust rests on :func:`owned_private`, not on this), and costs a tenth of a SHA-256."""
    return f"{len(body)}-{zlib.crc32(body):08x}"


def write(label: str, text: str, table: dict[str, Any]) -> None:
    """Store ``table`` (the parse of ``text``) when JSON keeps it exactly; never raises."""
    folder = cache_dir()
    if folder is None:
        return
    try:
        body = json.dumps(table, ensure_ascii=False, allow_nan=False)
        if json.loads(body) != table:
            return
    except (TypeError, ValueError):  # dates, NaN: not JSON
        return
    key = digest(label, text)
    data = body.encode("utf-8")
    write_private(folder, f"{key}.json", _header(key, data) + b"\n" + data)


def write_private(folder: Path, name: str, data: bytes) -> None:
    """Write ``data`` to ``folder/name`` (made private, 0700/0600) through a temporary
    file renamed; never raises (a cache is best-effort)."""
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not owned_private(os.stat(folder, follow_symlinks=False)):
            return
        final = folder / name
        tmp = folder / f".{name}.{os.getpid()}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        try:
            with os.fdopen(fd, "wb") as fh:  # not-output: a parsed packaged table or compiled code, no scanned input
                fh.write(data)
            os.replace(tmp, final)
        finally:
            if os.path.lexists(tmp):
                os.unlink(tmp)
    except OSError:
        return
