"""``shipwarden assess`` and ``shipwarden history`` end to end: reports, schema, exit codes, several paths."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from assesstools import example_repo

from shipwarden.assess.report.json_report import assessment_schema
from shipwarden.cli import main


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return example_repo(tmp_path / "src")


def test_assess_writes_every_report_and_history_lists_it(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "h.sqlite3"
    out = tmp_path / "out"
    argv = ["assess", str(repo), "--db", str(db), "-q", "--html", str(out / "r.html"), "--markdown",
            str(out / "r.md"), "--json", str(out / "r.json"), "--badge", str(out / "b.svg")]
    assert main(argv) == 1  # the example has P0 findings; --fail-on P1 by default
    first = capsys.readouterr().out
    assert "widgets: assessed" in first and "first assessment in this history" in first
    assert main([*argv, "--fail-on", "none"]) == 0
    second = capsys.readouterr().out
    assert "0 new, 0 fixed" in second

    data = json.loads((out / "r.json").read_text())
    jsonschema.validate(data, assessment_schema())
    assert data["schema_version"] == "1.0" and data["id"] == 2 and len(data["trend"]) == 2
    assert [r["row"] for r in data["rows"]] == list(range(1, 8))
    assert data["summary"]["new"] == 0 and data["summary"]["unchanged"] == len(data["findings"])
    md = (out / "r.md").read_text()
    assert md.startswith("## Release pipeline security assessment — ")
    assert "| 7 | Agent and automation input sanitization | assessed |" in md
    badge = (out / "b.svg").read_text()
    assert badge.startswith("<svg") and "P0 open" in badge
    html = (out / "r.html").read_text()
    assert html.startswith("<!doctype html>") and "Content-Security-Policy" in html

    assert main(["history", str(repo), "--db", str(db)]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert listing[0].split()[:3] == ["ID", "DATE", "(UTC)"] and len(listing) == 3
    assert main(["history", str(repo), "--db", str(db), "--format", "json"]) == 0
    entries = json.loads(capsys.readouterr().out)["assessments"]
    assert [e["id"] for e in entries] == [2, 1] and entries[1]["new"] == entries[1]["open"]["P0"] + entries[1][
        "open"]["P1"] + entries[1]["open"]["P2"]
    again = tmp_path / "again.json"
    assert main(["history", str(repo), "--db", str(db), "--id", "1", "--json", str(again)]) == 0
    old = json.loads(again.read_text())
    jsonschema.validate(old, assessment_schema())
    assert old["id"] == 1 and len(old["trend"]) == 1
    assert main(["history", str(repo), "--db", str(db), "--id", "99", "--json", str(again)]) == 2


def test_fail_on_gates_a_release(repo: Path, tmp_path: Path) -> None:
    assert main(["assess", str(repo), "--no-history", "-q", "--fail-on", "P0"]) == 1
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["assess", str(empty), "--no-history", "-q", "--fail-on", "P2"]) == 0


def test_several_repositories_use_every_core(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    one = example_repo(tmp_path / "one", remote="https://github.example.invalid/acme/one.git")
    two = example_repo(tmp_path / "two", remote="https://github.example.invalid/acme/two.git")
    out = tmp_path / "reports"
    code = main(["assess", str(one), str(two), "--db", str(tmp_path / "h.sqlite3"), "--jobs", "2", "--fail-on",
                 "none", "--json", str(out), "--badge", str(out)])
    assert code == 0
    captured = capsys.readouterr()
    assert "assessed 2/2" in captured.err
    assert sorted(p.suffix for p in out.iterdir()) == [".json", ".json", ".svg", ".svg"]
    identities = {json.loads(p.read_text())["scope"]["repository"]["identity"] for p in out.glob("*.json")}
    assert identities == {"github.example.invalid/acme/one", "github.example.invalid/acme/two"}
    assert main(["history", "--all", "--db", str(tmp_path / "h.sqlite3"), "--format", "json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["assessments"]) == 2


def test_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["assess", str(tmp_path / "missing")]) == 2
    (tmp_path / ".shipwarden.toml").write_text("fail-on = 'P9'\n")
    assert main(["assess", str(tmp_path), "--no-history", "-q"]) == 2
    assert "fail-on" in capsys.readouterr().err


def test_history_on_postgresql_through_the_command_line(
    repo: Path, tmp_path: Path, postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(postgres_url.replace("postgresql://", "postgresql+psycopg://"),
                              isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text('CREATE DATABASE "cli_history"'))
    engine.dispose()
    url = postgres_url.replace("/postgres?", "/cli_history?")
    assert main(["assess", str(repo), "--db", url, "-q", "--fail-on", "none"]) == 0
    assert main(["assess", str(repo), "--db", url, "-q", "--fail-on", "none", "--json", str(tmp_path / "a.json")]) == 0
    capsys.readouterr()
    assert main(["history", str(repo), "--db", url, "--format", "json"]) == 0
    assert [e["id"] for e in json.loads(capsys.readouterr().out)["assessments"]] == [2, 1]
    assert json.loads((tmp_path / "a.json").read_text())["summary"]["previous_at"] is not None


def test_no_report_carries_a_secret(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A token written into a workflow is quoted by findings; every report and the summary carry it redacted."""
    from shipwarden.secrets.fakes import fake_token

    token = fake_token("npm-token", 11)
    root = example_repo(tmp_path / "src")
    (root / ".github/workflows/leak.yml").write_text(
        "on: pull_request_target\njobs:\n  a:\n    runs-on: ubuntu-latest\n    env:\n"
        f"      NPM_TOKEN: {token}\n    steps:\n      - uses: actions/checkout@v4\n"
        "        with:\n          ref: ${{ github.event.pull_request.head.sha }}\n"
        f"      - run: npm publish --token {token}\n"
    )
    out = tmp_path / "out"
    assert main(["assess", str(root), "--db", str(tmp_path / "h.sqlite3"), "-q", "--fail-on", "none", "--html",
                 str(out / "r.html"), "--markdown", str(out / "r.md"), "--json", str(out / "r.json"), "--badge",
                 str(out / "b.svg")]) == 0
    printed = capsys.readouterr()
    data = json.loads((out / "r.json").read_text())
    assert any("leak.yml" in f["locations"][0]["path"] for f in data["findings"])
    for path in out.iterdir():
        assert token not in path.read_text(), path.name
    assert token not in printed.out + printed.err
    assert token not in (tmp_path / "h.sqlite3").read_bytes().decode("utf-8", "replace")


def test_endpoint_sweeps_the_given_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    (home / ".config").mkdir(parents=True)
    out = tmp_path / "a.json"
    monkeypatch.chdir(tmp_path)
    assert main(["assess", str(home / ".config"), "--no-history", "-q", "--fail-on", "none", "--endpoint", "--home",
                 str(home), "--json", str(out)]) == 0
    rows = {r["row"]: r for r in json.loads(out.read_text())["rows"]}
    assert rows[1]["status"] == "assessed" and rows[1]["analyses"] == ["endpoint"]
