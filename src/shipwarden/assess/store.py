"""The assessment history: SQLite by default, PostgreSQL for teams, through SQLAlchemy 2 and Alembic.

Where: ``--db PATH`` (an SQLite file), ``--db postgresql://…`` (psycopg 3), or
the ``SHIPWARDEN_DB`` environment variable; otherwise one SQLite file per
repository in the user's data directory, keyed by the repository's identity.

Every assessment is stored in one transaction with its scope and its findings
(already redacted). Storing it also settles what is new, unchanged and fixed
since the repository's previous assessment (by fingerprint), and since when each
open finding has been open.
"""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from shipwarden.assess.listing import ENV_VAR as ENV_VAR  # re-exported: where the history is, and its listing
from shipwarden.assess.listing import HEAD as HEAD
from shipwarden.assess.listing import HistoryEntry as HistoryEntry
from shipwarden.assess.listing import StoreError as StoreError
from shipwarden.assess.listing import database_url as database_url
from shipwarden.assess.listing import default_directory as default_directory
from shipwarden.assess.listing import entry_of
from shipwarden.assess.model import (
    Assessment,
    Fixed,
    Input,
    OpenFinding,
    Repository,
    RowScope,
    RowStatus,
    Scope,
    TrendPoint,
)
from shipwarden.assess.report import scrub
from shipwarden.core.findings import Confidence, Finding, Hop, Location, ScanError, Tier

MIGRATIONS = Path(__file__).parent / "migrations"

metadata = sa.MetaData()
repositories = sa.Table(
    "repositories",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("identity", sa.String(1024), nullable=False, unique=True),
    sa.Column("name", sa.String(512), nullable=False),
    sa.Column("remote", sa.String(2048)),
    sa.Column("root", sa.String(4096), nullable=False),
    sa.Column("created_at", sa.String(32), nullable=False),
)
assessments = sa.Table(
    "assessments",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("repository_id", sa.Integer, sa.ForeignKey("repositories.id"), nullable=False),
    sa.Column("started_at", sa.String(32), nullable=False),
    sa.Column("finished_at", sa.String(32), nullable=False),
    sa.Column("commit", sa.String(64)),
    sa.Column("branch", sa.String(512)),
    sa.Column("dirty", sa.Boolean),
    sa.Column("version", sa.String(64), nullable=False),
    sa.Column("rules_hash", sa.String(80), nullable=False),
    sa.Column("config_hash", sa.String(80), nullable=False),
    sa.Column("verdict", sa.Text, nullable=False),
    sa.Column("worst_tier", sa.String(2)),
    sa.Column("p0", sa.Integer, nullable=False),
    sa.Column("p1", sa.Integer, nullable=False),
    sa.Column("p2", sa.Integer, nullable=False),
    sa.Column("errors", sa.Integer, nullable=False),
    sa.Column("scope", sa.JSON, nullable=False),
    sa.Column("new_count", sa.Integer, nullable=False),
    sa.Column("fixed_count", sa.Integer, nullable=False),
)
findings = sa.Table(
    "findings",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("assessment_id", sa.Integer, sa.ForeignKey("assessments.id"), nullable=False),
    sa.Column("fingerprint", sa.String(40), nullable=False),
    sa.Column("rule_id", sa.String(128), nullable=False),
    sa.Column("row", sa.Integer, nullable=False),
    sa.Column("tier", sa.String(2), nullable=False),
    sa.Column("analysis", sa.String(256), nullable=False),
    sa.Column("path", sa.String(4096), nullable=False),
    sa.Column("line", sa.Integer, nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("data", sa.JSON, nullable=False),
    sa.Column("first_seen", sa.String(32), nullable=False),
)


# --------------------------------------------------------------------------- where


def describe(url: str) -> str:
    """The URL without a password, for messages."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "<invalid database URL>"


def open_engine(url: str) -> Engine:
    """An engine for ``url``, migrated to :data:`HEAD`. Raises :class:`StoreError`."""
    try:
        parsed = sa.engine.make_url(url)
        if parsed.get_backend_name() == "sqlite" and parsed.database:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            engine = sa.create_engine(url, connect_args={"timeout": 60})
        else:
            engine = sa.create_engine(url, pool_pre_ping=True)
        migrate(engine)
    except (sa.exc.SQLAlchemyError, OSError, ImportError, ValueError) as exc:
        raise StoreError(f"cannot open the history database {describe(url)}: {exc}") from exc
    return engine


def current_revision(conn: Connection) -> str | None:
    if not sa.inspect(conn).has_table("alembic_version"):
        return None
    value = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    return str(value) if value is not None else None


@contextlib.contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    """One migrating process at a time: a lock file beside an SQLite database (PostgreSQL: an advisory lock)."""
    database = engine.url.database if engine.url.get_backend_name() == "sqlite" else None
    if not database or database == ":memory:":
        yield
        return
    with open(database + ".lock", "a+b") as handle:  # not-output: an empty lock file for flock
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade the schema with Alembic (imported only when there is something to do).

    Safe when several processes open a new database at once: they take turns,
    and each checks the revision again once it has the lock.
    """
    with engine.connect() as conn:
        if revision == "head" and current_revision(conn) == HEAD:
            return
    from alembic import command
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with _migration_lock(engine), engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(7261536)"))  # released at commit
        if revision == "head" and current_revision(conn) == HEAD:
            return
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


# --------------------------------------------------------------------------- write


def occurrence_keys(items: list[OpenFinding]) -> list[str]:
    """What matches a finding across assessments: its fingerprint, with ``~2``, ``~3`` … for further findings
    that share it (two places in one file can give the same fingerprint); stored in ``findings.fingerprint``."""
    seen: dict[str, int] = {}
    keys = []
    for item in items:
        fp = item.finding.fingerprint
        seen[fp] = seen.get(fp, 0) + 1
        keys.append(fp if seen[fp] == 1 else f"{fp}~{seen[fp]}")
    return keys


def _finding_row(item: OpenFinding, key: str) -> dict[str, Any]:
    f = item.finding
    return {
        "fingerprint": key,
        "rule_id": f.rule_id,
        "row": f.row,
        "tier": f.tier.value,
        "analysis": item.analysis,
        "path": f.primary.path,
        "line": f.primary.line,
        "message": f.message,
        "data": {**f.to_dict(), "key": f.key, "confidence": f.confidence.value},
        "first_seen": item.first_seen,
    }


def _repository_id(conn: Connection, repo: Repository, now: str) -> int:
    found = conn.execute(sa.select(repositories.c.id).where(repositories.c.identity == repo.identity)).scalar()
    if found is not None:
        conn.execute(
            repositories.update()
            .where(repositories.c.id == found)
            .values(name=repo.name, remote=repo.remote, root=repo.root)
        )
        return int(found)
    inserted = conn.execute(
        repositories.insert().values(
            identity=repo.identity, name=repo.name, remote=repo.remote, root=repo.root, created_at=now
        )
    )
    key = inserted.inserted_primary_key
    assert key is not None
    return int(key[0])


def record(engine: Engine, assessment: Assessment) -> Assessment:
    """Store ``assessment`` in one transaction; fill in new/fixed/first seen and the trend."""
    scope = assessment.scope
    with engine.begin() as conn:
        repo_id = _repository_id(conn, scope.repository, scope.started_at)
        previous = conn.execute(
            sa.select(assessments.c.id, assessments.c.started_at, assessments.c.scope)
            .where(assessments.c.repository_id == repo_id)
            .order_by(assessments.c.started_at.desc(), assessments.c.id.desc())
            .limit(1)
        ).first()
        before: dict[str, Any] = {}
        if previous is not None:
            assessment.previous_at = previous.started_at
            for row in conn.execute(
                sa.select(
                    findings.c.fingerprint, findings.c.first_seen, findings.c.rule_id, findings.c.row,
                    findings.c.tier, findings.c.path, findings.c.message, findings.c.analysis,
                ).where(findings.c.assessment_id == previous.id)
            ):
                before[row.fingerprint] = row
        keys = occurrence_keys(assessment.findings)
        for item, key in zip(assessment.findings, keys, strict=True):
            old = before.get(key)
            item.new = old is None
            item.first_seen = scope.started_at if old is None else old.first_seen
        ran = set(scope.analyses)
        current = set(keys)
        assessment.fixed = [
            Fixed(fp.split("~")[0], r.rule_id, r.row, r.tier, r.path, r.message, r.first_seen)
            for fp, r in sorted(before.items(), key=lambda kv: (kv[1].tier, kv[1].row, kv[1].path))
            if fp not in current and r.analysis in ran
        ]
        counts = assessment.counts()
        worst = assessment.worst_tier()
        inserted = conn.execute(
            assessments.insert().values(
                repository_id=repo_id,
                started_at=scope.started_at,
                finished_at=scope.finished_at,
                commit=scope.repository.commit,
                branch=scope.repository.branch,
                dirty=scope.repository.dirty,
                version=scope.version,
                rules_hash=scope.rules_hash,
                config_hash=scope.config_hash,
                verdict=assessment.verdict(),
                worst_tier=worst.value if worst else None,
                p0=counts["P0"],
                p1=counts["P1"],
                p2=counts["P2"],
                errors=len(scope.errors),
                scope=scrub(scope.to_dict()),
                new_count=assessment.new_count,
                fixed_count=len(assessment.fixed),
            )
        )
        primary = inserted.inserted_primary_key
        assert primary is not None
        assessment.id = int(primary[0])
        rows = [{"assessment_id": assessment.id, **_finding_row(item, key)}
                for item, key in zip(assessment.findings, keys, strict=True)]
        if rows:
            conn.execute(findings.insert(), rows)
        assessment.trend = _trend(conn, repo_id)
    return assessment


def _trend(conn: Connection, repo_id: int, limit: int = 1000) -> list[TrendPoint]:
    rows = conn.execute(
        sa.select(
            assessments.c.id, assessments.c.started_at, assessments.c.p0, assessments.c.p1, assessments.c.p2,
            assessments.c.commit,
        )
        .where(assessments.c.repository_id == repo_id)
        .order_by(assessments.c.started_at.desc(), assessments.c.id.desc())
        .limit(limit)
    ).all()
    return [TrendPoint(r.id, r.started_at, {"P0": r.p0, "P1": r.p1, "P2": r.p2}, r.commit) for r in reversed(rows)]


# --------------------------------------------------------------------------- read


def history(engine: Engine, identity: str | None = None, limit: int | None = None) -> list[HistoryEntry]:
    """Past assessments, newest first (of one repository when ``identity`` is given)."""
    query = (
        sa.select(
            assessments.c.id, repositories.c.name, repositories.c.identity, assessments.c.started_at,
            assessments.c.commit, assessments.c.branch, assessments.c.dirty, assessments.c.version,
            assessments.c.worst_tier, assessments.c.p0, assessments.c.p1, assessments.c.p2,
            assessments.c.new_count, assessments.c.fixed_count, assessments.c.errors, assessments.c.verdict,
        )
        .join(repositories, repositories.c.id == assessments.c.repository_id)
        .order_by(assessments.c.started_at.desc(), assessments.c.id.desc())
    )
    if identity is not None:
        query = query.where(repositories.c.identity == identity)
    if limit is not None:
        query = query.limit(limit)
    with engine.connect() as conn:
        return [entry_of(r) for r in conn.execute(query)]


def _location(data: dict[str, Any]) -> Location:
    return Location(
        str(data.get("path", "")), int(data.get("line", 0)), int(data.get("column", 0)),
        int(data.get("end_line", 0)), int(data.get("end_column", 0)), str(data.get("label", "")),
        str(data.get("snippet", "")),
    )


def finding_from(data: dict[str, Any]) -> Finding:
    """A stored finding back as a :class:`Finding` (its fingerprint is recomputed from the same fields)."""
    return Finding(
        rule_id=str(data["rule"]),
        row=int(data["row"]),
        tier=Tier(data["tier"]),
        confidence=Confidence(data.get("confidence", "medium")),
        message=str(data["message"]),
        locations=[_location(loc) for loc in data["locations"]],
        key=str(data.get("key", "")),
        hops=[Hop(_location(h["location"]), str(h["description"]), int(h["row"])) for h in data.get("hops", [])],
        paths=list(data.get("paths", [])),
        rule_tier=Tier(data["rule_tier"]) if data.get("rule_tier") else None,
        properties=dict(data.get("properties", {})),
    )


def scope_from(data: dict[str, Any]) -> Scope:
    repo = data["repository"]
    tool = data["shipwarden"]
    return Scope(
        started_at=data["started_at"],
        finished_at=data["finished_at"],
        repository=Repository(
            repo["root"], repo["name"], repo["identity"], repo.get("remote"), repo.get("commit"),
            repo.get("branch"), repo.get("dirty"),
        ),
        version=tool["version"],
        rules_hash=tool["rules_hash"],
        config_hash=tool["config_hash"],
        options=dict(data.get("options", {})),
        analyses=list(data.get("analyses", [])),
        inputs=[Input(i["analysis"], i["kind"], i["path"], int(i["count"])) for i in data.get("inputs", [])],
        rows=[
            RowScope(int(r["row"]), RowStatus(r["status"]), list(r.get("reasons", [])), list(r.get("analyses", [])))
            for r in data["rows"]
        ],
        errors=[
            (e["analysis"], ScanError(e["path"], e["message"], e.get("kind", "error"), int(e.get("line", 0))))
            for e in data.get("errors", [])
        ],
    )


def load(engine: Engine, assessment_id: int | None = None, identity: str | None = None) -> Assessment | None:
    """A stored assessment (default: the newest, of ``identity`` when given) with its trend and changes."""
    with engine.connect() as conn:
        query = sa.select(assessments).join(repositories, repositories.c.id == assessments.c.repository_id)
        if assessment_id is not None:
            query = query.where(assessments.c.id == assessment_id)
        elif identity is not None:
            query = query.where(repositories.c.identity == identity)
        row = conn.execute(query.order_by(assessments.c.started_at.desc(), assessments.c.id.desc()).limit(1)).first()
        if row is None:
            return None
        scope = scope_from(row.scope)
        items = [
            OpenFinding(finding_from(r.data), r.analysis, r.first_seen, r.first_seen == row.started_at)
            for r in conn.execute(
                sa.select(findings.c.data, findings.c.analysis, findings.c.first_seen)
                .where(findings.c.assessment_id == row.id)
                .order_by(findings.c.id)
            )
        ]
        out = Assessment(scope=scope, findings=items, id=row.id)
        previous = conn.execute(
            sa.select(assessments.c.id, assessments.c.started_at)
            .where(assessments.c.repository_id == row.repository_id)
            .where(sa.tuple_(assessments.c.started_at, assessments.c.id) < sa.tuple_(row.started_at, row.id))
            .order_by(assessments.c.started_at.desc(), assessments.c.id.desc())
            .limit(1)
        ).first()
        if previous is not None:
            out.previous_at = previous.started_at
            current = set(occurrence_keys(items))
            ran = set(scope.analyses)
            out.fixed = [
                Fixed(r.fingerprint.split("~")[0], r.rule_id, r.row, r.tier, r.path, r.message, r.first_seen)
                for r in conn.execute(
                    sa.select(findings).where(findings.c.assessment_id == previous.id).order_by(findings.c.id)
                )
                if r.fingerprint not in current and r.analysis in ran
            ]
        trend = _trend(conn, row.repository_id)
        out.trend = [t for t in trend if (t.started_at, t.id) <= (row.started_at, row.id)]
    return out
