"""`shipwarden gate` on the command line: verdict, formats, policy from config, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import gatefixtures as gf
import pytest

from shipwarden.cli import main
from shipwarden.packaging import rules


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["gate", "--packlist", "builtin", "--no-color", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_blocking_verdict_and_exit_code(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = gf.npmignore_replaces_gitignore(tmp_path)
    code, out, err = run(capsys, str(root))
    assert code == 1
    assert "gate-secret" in out and gf.npm_token() not in out + err
    assert err.startswith("shipwarden gate: BLOCK (fail-on P1)")
    assert "✗ P0 gate-secret  .env:1" in err and "✗ P1 gate-never-ship  .env" in err
    assert "not blocking: 1 P2" in err


def test_clean_package_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, str(gf.clean_package(tmp_path)))
    assert code == 0 and err.startswith("shipwarden gate: PASS")


def test_json_and_sarif(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = gf.npm_bundle_with_map(tmp_path / "p")
    code, out, _ = run(capsys, str(root), "--format", "json", "--quiet")
    data = json.loads(out)
    assert code == 1 and {f["rule"] for f in data["findings"]} >= {"gate-source-map-content", "gate-no-files-allowlist"}
    code, out, err = run(capsys, str(root), "--format", "sarif", "--fail-on", "none", "-q")
    sarif = json.loads(out)
    assert code == 0 and err == ""
    assert any(r["ruleId"] == "gate-source-map-content" for r in sarif["runs"][0]["results"])


def test_policy_from_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = gf.files_dist_ships_maps(tmp_path)
    (root / ".shipwarden.toml").write_text('[gate]\nallow-files = ["dist/*.map"]\nmax-files = 2\n')
    code, out, err = run(capsys, str(root), "--format", "json")
    assert [f["rule"] for f in json.loads(out)["findings"]] == ["gate-size-budget"]
    assert code == 1 and "over budget" in err
    (root / ".shipwarden.toml").write_text('[gate]\nmax-size = "lots"\n')
    code, _, err = run(capsys, str(root))
    assert code == 2 and "max-size" in err


def test_incomplete_scan_exit_bits(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    evil = gf.traversal_tar(tmp_path / "evil.tgz")
    code, _, err = run(capsys, str(evil))
    assert code == 1 | 4 and "gate-unsafe-archive" in err and "traversal" in err


def test_baseline_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = gf.npm_bundle_with_map(tmp_path / "p")
    baseline = tmp_path / "baseline.json"
    assert run(capsys, str(root), "--write-baseline", str(baseline))[0] == 0
    code, _, err = run(capsys, str(root), "--baseline", str(baseline))
    assert code == 0 and "PASS" in err


def test_every_gate_rule_is_declared_with_a_doc_page() -> None:
    docs = Path(__file__).resolve().parents[2] / "docs" / "rules"
    for meta in rules.ALL:
        assert meta.command == "gate" and meta.row in (4, 6)
        page = docs / f"{meta.id}.md"
        assert page.is_file(), page
        text = page.read_text(encoding="utf-8")
        for heading in ("## What it detects", "## Why is this dangerous", "## Example", "## How to fix"):
            assert heading in text, (meta.id, heading)
        assert f"**Row:** {meta.row}" in text and f"**Default tier:** {meta.tier.value}" in text
        assert "**Command:** gate" in text
