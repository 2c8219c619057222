"""Listing past assessments without SQLAlchemy: the quick path of ``shipwarden history`` on SQLite.

Importing SQLAlchemy costs more than listing a thousand assessments, so a
listing of an SQLite history already at the current schema reads it with the
standard library, read-only; every other case goes through
:func:`shipwarden.assess.store.history`. A test keeps both listings equal.
"""

from __future__ import annotations

import os
import sqlite3
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shipwarden.assess.repo import identity_key

ENV_VAR = "SHIPWARDEN_DB"
#: The newest migration (``migrations/versions``); a test keeps it equal to Alembic's head.
HEAD = "0002"


class StoreError(Exception):
    """The history database could not be opened, migrated or written."""


def default_directory() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("shipwarden", appauthor=False)) / "history"


def database_url(db: str | None, identity: str | None) -> str:
    """The SQLAlchemy URL for ``--db`` (a path or a ``postgresql://`` URL), ``SHIPWARDEN_DB``, or the default."""
    value = db or os.environ.get(ENV_VAR) or None
    if value is None:
        if identity is None:
            raise StoreError("no database: give --db or set " + ENV_VAR)
        return "sqlite:///" + str(default_directory() / f"{identity_key(identity)}.sqlite3")
    if value.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + value.split("://", 1)[1]
    if "://" in value:
        return value
    return "sqlite:///" + str(Path(value).expanduser().resolve())


#: The columns of a listing, in :class:`HistoryEntry` order (``store.history`` selects the same).
_QUERY = (
    "SELECT a.id, r.name, r.identity, a.started_at, a.\"commit\", a.branch, a.dirty, a.version, a.worst_tier, "
    "a.p0, a.p1, a.p2, a.new_count, a.fixed_count, a.errors, a.verdict "
    "FROM assessments a JOIN repositories r ON r.id = a.repository_id"
)


@dataclass(slots=True)
class HistoryEntry:
    id: int
    repository: str
    identity: str
    started_at: str
    commit: str | None
    branch: str | None
    dirty: bool | None
    version: str
    worst_tier: str | None
    counts: dict[str, int]
    new: int
    fixed: int
    errors: int
    verdict: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "repository": self.repository, "identity": self.identity,
            "started_at": self.started_at, "commit": self.commit, "branch": self.branch, "dirty": self.dirty,
            "version": self.version, "worst_tier": self.worst_tier, "open": dict(self.counts),
            "new": self.new, "fixed": self.fixed, "errors": self.errors, "verdict": self.verdict,
        }


def entry_of(row: Any) -> HistoryEntry:
    (id_, name, identity, started, commit, branch, dirty, version, worst, p0, p1, p2, new, fixed, errors,
     verdict) = row
    return HistoryEntry(
        int(id_), name, identity, started, commit, branch, None if dirty is None else bool(dirty), version, worst,
        {"P0": p0, "P1": p1, "P2": p2}, new, fixed, errors, verdict,
    )


def quick_history(url: str, identity: str | None, limit: int | None) -> list[HistoryEntry] | None:
    """The listing read with :mod:`sqlite3` when ``url`` is an SQLite file at revision :data:`HEAD`; else ``None``."""
    if not url.startswith("sqlite:///"):
        return None
    path = url[len("sqlite:///"):]
    try:
        conn = sqlite3.connect(f"file:{urllib.parse.quote(path)}?mode=ro", uri=True, timeout=30)
    except sqlite3.Error:
        return None
    try:
        revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        if revision is None or revision[0] != HEAD:
            return None
        sql, params = _QUERY, []
        if identity is not None:
            sql += " WHERE r.identity = ?"
            params.append(identity)
        sql += " ORDER BY a.started_at DESC, a.id DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [entry_of(row) for row in conn.execute(sql, params)]
    except sqlite3.Error:
        return None
    finally:
        conn.close()
