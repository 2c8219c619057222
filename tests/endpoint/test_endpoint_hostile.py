"""Hostile homes: links out, broken links, huge files, junk, deep nesting, FIFOs."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest
from homefiles import deny_open
from homefiles import write_file as _write

from shipwarden.core.findings import Report
from shipwarden.endpoint import files as files_mod
from shipwarden.endpoint import sweep
from shipwarden.secrets.fakes import fake_token


def _kinds(report: Report) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for e in report.errors:
        out.setdefault(e.path, set()).add(e.kind)
    return out


def test_broken_symlink_is_a_note(home: Path) -> None:
    (home / ".npmrc").symlink_to(home / "missing")
    report = sweep(home)
    assert _kinds(report) == {"~/.npmrc": {"symlink"}}
    assert "broken" in report.errors[0].message


def test_symlink_out_of_home_is_not_followed(home: Path, tmp_path: Path) -> None:
    outside = _write(tmp_path / "outside" / "creds", f"[default]\naws_access_key_id = {fake_token('aws-access-key-id')}\n")
    (home / ".aws").mkdir()
    (home / ".aws" / "credentials").symlink_to(outside)
    (home / ".ssh").symlink_to(outside.parent, target_is_directory=True)
    report = sweep(home)
    assert report.findings == []
    assert _kinds(report) == {"~/.aws/credentials": {"symlink"}, "~/.ssh": {"symlink"}}


def test_symlink_inside_home_is_followed(home: Path) -> None:
    target = _write(home / "dotfiles" / "npmrc", f"//r.example.invalid/:_authToken={fake_token('npm-token')}\n")
    (home / ".npmrc").symlink_to(target)
    report = sweep(home)
    assert [f.properties["credential"] for f in report.findings] == ["npm-token"]
    assert report.findings[0].primary.path == "~/.npmrc"


def test_huge_structured_file_of_junk_is_a_note(home: Path) -> None:
    with open(home / ".claude.json", "wb") as fh:
        fh.truncate(files_mod.MAX_FILE_BYTES + 1)
    report = sweep(home)
    assert report.findings == []
    assert _kinds(report) == {"~/.claude.json": {"too-large", "binary"}}


def test_huge_history_reads_the_tail_with_true_line_numbers(home: Path) -> None:
    token = fake_token("github-pat")
    filler = "git status\n" * ((files_mod.MAX_TEXT_BYTES // 11) + 5000)
    _write(home / ".bash_history", filler + f"export GH_TOKEN={token}\n")
    report = sweep(home)
    (finding,) = report.findings
    assert finding.primary.line == filler.count("\n") + 1
    assert _kinds(report) == {"~/.bash_history": {"truncated"}}


def test_binary_junk_is_a_note(home: Path) -> None:
    _write(home / ".npmrc", os.urandom(4096) + b"\x00" * 16)
    _write(home / ".ssh" / "id_rsa", os.urandom(2048) + b"\x00")  # not a key: silently skipped
    report = sweep(home)
    assert report.findings == []
    assert _kinds(report) == {"~/.npmrc": {"binary"}}


def test_invalid_json_still_yields_wellformed_tokens(home: Path) -> None:
    token = fake_token("github-pat")
    _write(home / ".cursor" / "mcp.json", '{"mcpServers": {"gh": {"env": {"GITHUB_TOKEN": "' + token + '"')
    report = sweep(home)
    assert [f.properties["credential"] for f in report.findings] == ["github-pat"]
    assert _kinds(report) == {"~/.cursor/mcp.json": {"json"}}


def test_parse_errors_never_quote_the_file(home: Path) -> None:
    token = fake_token("github-oauth-token")
    _write(home / ".config" / "gh" / "hosts.yml", f"github.com:\n  oauth_token: {token}\n   bad: [\n")
    _write(home / ".codex" / "config.toml", f'key = "{token}\n')
    report = sweep(home)
    assert {"yaml", "toml"} <= {e.kind for e in report.errors}
    blob = json.dumps([e.to_dict() for e in report.errors] + [f.to_dict() for f in report.findings])
    assert token not in blob


def test_deep_json_and_yaml_nesting(home: Path) -> None:
    _write(home / ".claude.json", "[" * 200_000 + "]" * 200_000)
    _write(home / ".kube" / "config", "a:\n" + "".join("  " * i + "b:\n" for i in range(1, 2000)))
    _write(home / ".aider.conf.yml", "- " * 5000 + "x\n")
    report = sweep(home)
    kinds = _kinds(report)
    assert kinds["~/.claude.json"] <= {"too-deep", "json"}
    assert "~/.kube/config" in kinds
    assert report.findings == []


def test_yaml_alias_bomb_is_bounded(home: Path) -> None:
    lines = ['a0: &a0 ["xxxxxxxxxxxxxxxxxxxx"]']
    for i in range(1, 30):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    _write(home / ".yarnrc.yml", "\n".join(lines) + "\n")
    report = sweep(home)
    assert _kinds(report) == {"~/.yarnrc.yml": {"too-large"}}


def test_deep_include_tree_is_bounded(home: Path, tmp_path: Path) -> None:
    project = tmp_path / "project"
    deep = project
    for _ in range(60):
        deep = deep / "d"
    deep.mkdir(parents=True)
    _write(deep / ".env", f"NPM_TOKEN={fake_token('npm-token')}\n")
    _write(project / ".env", f"NPM_TOKEN={fake_token('npm-token', 1)}\n")
    report = sweep(home, include=[project])
    assert len(report.findings) == 1
    assert "too-deep" in {e.kind for e in report.errors}


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_is_not_opened(home: Path) -> None:
    os.mkfifo(home / ".vault-token")
    report = sweep(home)  # would hang if the FIFO were opened
    assert _kinds(report) == {"~/.vault-token": {"not-a-file"}}


def test_unreadable_file_is_a_note(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = _write(home / ".npmrc", f"//r.example.invalid/:_authToken={fake_token('npm-token')}\n", mode=0o000)
    if os.geteuid() == 0:  # root reads anything: simulate the denial
        deny_open(monkeypatch, target)
    report = sweep(home)
    assert report.findings == []
    assert _kinds(report) == {"~/.npmrc": {"unreadable"}}


def test_garbage_sqlite_is_a_note(home: Path) -> None:
    _write(home / ".config" / "gcloud" / "credentials.db", "this is not a database at all " * 100)
    report = sweep(home)
    assert _kinds(report) == {"~/.config/gcloud/credentials.db": {"sqlite"}}


def test_sqlite_is_opened_read_only(home: Path) -> None:
    db = home / ".config" / "gcloud" / "credentials.db"
    db.parent.mkdir(parents=True)
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE credentials (account_id TEXT, value TEXT)")
    con.execute("INSERT INTO credentials VALUES ('a', ?)", (json.dumps({"refresh_token": fake_token("gcp-refresh-token")}),))
    con.commit()
    con.close()
    db.chmod(0o600)
    before = db.read_bytes()
    report = sweep(home)
    assert [f.properties["credential"] for f in report.findings] == ["gcp-refresh-token"]
    assert db.read_bytes() == before
    assert sorted(p.name for p in db.parent.iterdir()) == ["credentials.db"]  # no journal, no wal


def test_empty_and_missing_home(tmp_path: Path) -> None:
    assert sweep(tmp_path).findings == []
    report = sweep(tmp_path / "nope")
    assert report.findings == []
