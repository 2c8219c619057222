"""The history database on SQLite and on a real PostgreSQL server: record, compare, list, load, migrate."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from assesstools import clock, example_repo

from shipwarden.api import AssessOptions, assess
from shipwarden.assess import store
from shipwarden.assess.model import Assessment


@pytest.fixture(scope="module")
def assessed(tmp_path_factory: pytest.TempPathFactory) -> Assessment:
    root = example_repo(tmp_path_factory.mktemp("repo"))
    return assess(AssessOptions(root=root, clock=lambda: clock(0))).assessment


def _copy(a: Assessment, minute: int, drop: int = 0) -> Assessment:
    """The same assessment at another time, with its first ``drop`` findings gone (fixed)."""
    scope = dataclasses.replace(a.scope, started_at=f"2026-11-02T09:{minute:02d}:00Z",
                                finished_at=f"2026-11-02T09:{minute:02d}:30Z")
    items = [dataclasses.replace(i) for i in a.findings[drop:]]
    return Assessment(scope=scope, findings=items)


def test_record_settles_new_fixed_unchanged_and_first_seen(db_url: str, assessed: Assessment) -> None:
    engine = store.open_engine(store.database_url(db_url, None))
    first = store.record(engine, _copy(assessed, 0))
    assert first.id is not None and first.previous_at is None
    assert first.new_count == len(first.findings) > 3 and first.fixed == []
    assert {i.first_seen for i in first.findings} == {"2026-11-02T09:00:00Z"}

    second = store.record(engine, _copy(assessed, 10, drop=2))
    assert second.previous_at == "2026-11-02T09:00:00Z"
    assert second.new_count == 0 and second.unchanged_count == len(second.findings)
    fixed = {f.fingerprint for f in second.fixed}
    assert fixed == {i.finding.fingerprint for i in assessed.findings[:2]}
    # every finding of the example has a fingerprint of its own (two identical expressions in one step too)
    assert len({i.finding.fingerprint for i in assessed.findings}) == len(assessed.findings)
    # open findings keep the date they were first seen
    assert {i.first_seen for i in second.findings} == {"2026-11-02T09:00:00Z"}

    third = store.record(engine, _copy(assessed, 20))
    assert third.new_count == 2  # the two fixed ones are back: new again, first seen now
    back = [i for i in third.findings if i.new]
    assert {i.first_seen for i in back} == {"2026-11-02T09:20:00Z"}
    assert [p.started_at[-9:-4] for p in third.trend] == ["09:00", "09:10", "09:20"]

    listed = store.history(engine, assessed.scope.repository.identity)
    if db_url.endswith(".sqlite3"):  # the quick listing (standard library) says the same
        from shipwarden.assess.listing import quick_history

        url = store.database_url(db_url, None)
        assert quick_history(url, assessed.scope.repository.identity, None) == listed
        assert quick_history(url, None, 2) == listed[:2]
    assert [e.id for e in listed] == [third.id, second.id, first.id]
    assert listed[1].fixed == 2 and listed[1].new == 0
    assert listed[0].counts == third.counts()

    loaded = store.load(engine, second.id)
    assert loaded is not None
    assert [i.finding.fingerprint for i in loaded.findings] == [i.finding.fingerprint for i in second.findings]
    assert [i.finding.to_dict() for i in loaded.findings] == [i.finding.to_dict() for i in second.findings]
    assert {f.fingerprint for f in loaded.fixed} == fixed
    assert loaded.scope.to_dict() == second.scope.to_dict()
    assert [t.id for t in loaded.trend] == [first.id, second.id]
    newest = store.load(engine, identity=assessed.scope.repository.identity)
    assert newest is not None and newest.id == third.id
    engine.dispose()


def test_fixed_counts_only_analyses_that_ran_again(db_url: str, assessed: Assessment) -> None:
    engine = store.open_engine(store.database_url(db_url, None))
    store.record(engine, _copy(assessed, 0))
    narrower = _copy(assessed, 5, drop=len(assessed.findings))
    narrower.scope.analyses = ["deps"]  # the workflow scan did not run this time
    after = store.record(engine, narrower)
    assert after.fixed == []
    engine.dispose()


def test_one_assessment_is_one_transaction(db_url: str, assessed: Assessment) -> None:
    engine = store.open_engine(store.database_url(db_url, None))
    broken = _copy(assessed, 0)
    broken.findings[0].analysis = None  # type: ignore[assignment]  # violates NOT NULL at the findings insert
    with pytest.raises(sa.exc.IntegrityError):
        store.record(engine, broken)
    with engine.connect() as conn:
        for table in ("repositories", "assessments", "findings"):
            assert conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar() == 0
    engine.dispose()


def test_head_constant_is_alembics_head() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(store.MIGRATIONS))
    assert ScriptDirectory.from_config(cfg).get_current_head() == store.HEAD


def test_migrations_from_empty_match_the_tables(db_url: str) -> None:
    engine = store.open_engine(store.database_url(db_url, None))
    with engine.connect() as conn:
        assert store.current_revision(conn) == store.HEAD
        inspector = sa.inspect(conn)
        for table in store.metadata.sorted_tables:
            columns = {c["name"] for c in inspector.get_columns(table.name)}
            assert columns == {c.name for c in table.columns}, table.name
    store.migrate(engine)  # idempotent
    engine.dispose()


def test_migration_from_the_previous_schema_backfills(db_url: str) -> None:
    url = store.database_url(db_url, None)
    engine = sa.create_engine(url)
    store.migrate(engine, "0001")
    scope = {"rows": []}
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO repositories (id, identity, name, root, created_at) "
                             "VALUES (1, 'h/a/b', 'b', '/r', '2026-01-01T00:00:00Z')"))
        for aid, started in ((1, "2026-01-01T00:00:00Z"), (2, "2026-01-02T00:00:00Z")):
            conn.execute(
                sa.text("INSERT INTO assessments (id, repository_id, started_at, finished_at, version, rules_hash, "
                        "config_hash, verdict, p0, p1, p2, errors, scope) VALUES (:i, 1, :s, :s, '0.1.0', 'r', 'c', "
                        "'v', 0, 0, 2, 0, :scope)"),
                {"i": aid, "s": started, "scope": json.dumps(scope)},
            )
        rows = [(1, "aaa"), (1, "bbb"), (2, "bbb"), (2, "ccc")]
        for n, (aid, fp) in enumerate(rows, 1):
            conn.execute(
                sa.text("INSERT INTO findings (id, assessment_id, fingerprint, rule_id, row, tier, analysis, path, "
                        "line, message, data) VALUES (:n, :a, :f, 'r', 2, 'P2', 'scan', 'p', 1, 'm', '{}')"),
                {"n": n, "a": aid, "f": fp},
            )
    store.migrate(engine)
    with engine.connect() as conn:
        assert store.current_revision(conn) == store.HEAD
        seen = dict(conn.execute(sa.text("SELECT id, first_seen FROM findings")).all())
        counts = conn.execute(sa.text("SELECT id, new_count, fixed_count FROM assessments ORDER BY id")).all()
    assert seen == {1: "2026-01-01T00:00:00Z", 2: "2026-01-01T00:00:00Z", 3: "2026-01-01T00:00:00Z",
                    4: "2026-01-02T00:00:00Z"}
    assert [tuple(r) for r in counts] == [(1, 2, 0), (2, 1, 1)]
    engine.dispose()


def test_default_database_is_per_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(store.ENV_VAR, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    one, two = store.database_url(None, "host/a/one"), store.database_url(None, "host/a/two")
    assert one != two and one.startswith("sqlite:///" + str(tmp_path / "data"))
    monkeypatch.setenv(store.ENV_VAR, "postgresql://u:secret@db.example.invalid/h")
    assert store.database_url(None, "x") == "postgresql+psycopg://u:secret@db.example.invalid/h"
    assert "secret" not in store.describe(store.database_url(None, "x"))
    monkeypatch.delenv(store.ENV_VAR)
    with pytest.raises(store.StoreError):
        store.database_url(None, None)
    (tmp_path / "file").write_text("")
    with pytest.raises(store.StoreError, match="cannot open the history database"):
        store.open_engine(store.database_url(str(tmp_path / "file" / "x.sqlite3"), None))
