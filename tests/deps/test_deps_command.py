"""``shipwarden deps``: arguments, outputs, exit codes, the allowlist file, the human view."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
from depsdata import PROJECTS

from shipwarden.commands import deps


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="shipwarden deps")
    deps.add_arguments(parser)
    code = deps.run(parser.parse_args(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_text_view_lists_install_time_code_first(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run([str(PROJECTS / "npm-app"), "--no-color"], capsys)
    assert code == 1  # P0 findings, default --fail-on P1
    assert out.startswith("Code that will run when you install: 6 hook(s)")
    first_block = out.split("\n\n", 1)[0]
    assert first_block.index("@tanstack/setup") < first_block.index("esbuild@0.25.0")
    assert "deps-credential-theft" in out


def test_json_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run([str(PROJECTS / "py-env"), "--format", "json"], capsys)
    data = json.loads(out)
    rules = {f["rule"] for f in data["findings"]}
    assert {"deps-obfuscated-exec", "deps-credential-theft", "deps-install-script"} <= rules
    assert code == 1


def test_fail_on_and_select(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = run([str(PROJECTS / "npm-app"), "--select", "deps-install-script", "--format", "json"], capsys)
    assert code == 0  # only P2 left
    code, _, _ = run([str(PROJECTS / "npm-app"), "--select", "deps-install-script", "--fail-on", "P2", "--format", "json"], capsys)
    assert code == 1


def test_write_then_check_allowlist(npm_app: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run([str(npm_app), "--write-allowlist"], capsys)
    assert code == 0 and "recorded 6 install-time hook(s)" in err
    assert (npm_app / "shipwarden-deps-allowlist.toml").is_file()
    extra = npm_app / "node_modules/new-helper"
    extra.mkdir()
    (extra / "package.json").write_text('{"name": "new-helper", "version": "1.0.0", "scripts": {"preinstall": "node a.js"}}')
    code, out, _ = run([str(npm_app), "--format", "json", "--select", "deps-new-install-script"], capsys)
    data = json.loads(out)
    assert [f["properties"]["package"] for f in data["findings"]] == ["new-helper"]
    assert code == 1


def test_config_table(npm_app: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (npm_app / ".shipwarden.toml").write_text('[deps]\nallowlist = "reviewed/deps.toml"\n')
    (npm_app / "reviewed").mkdir()
    code, _, _ = run([str(npm_app), "--write-allowlist"], capsys)
    assert code == 0 and (npm_app / "reviewed/deps.toml").is_file()
    (npm_app / ".shipwarden.toml").write_text('[deps]\nbogus = 1\n')
    code, _, err = run([str(npm_app)], capsys)
    assert code == 2 and "bogus" in err


def test_missing_path_and_bad_allowlist(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = run([str(tmp_path / "nope")], capsys)
    assert code == 2
    (tmp_path / "bad.toml").write_text("version = 7\n")
    code, _, err = run([str(tmp_path), "--allowlist", str(tmp_path / "bad.toml")], capsys)
    assert code == 2 and "version" in err


def test_output_file_keeps_the_inventory_first(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "report.txt"
    run([str(PROJECTS / "npm-app"), "--output", str(target)], capsys)
    assert target.read_text().startswith("Code that will run when you install")


def test_empty_project(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run([str(tmp_path), "--no-color"], capsys)
    assert code == 0
    assert "none found" in out


def test_through_the_real_entry_point(capsys: pytest.CaptureFixture[str]) -> None:
    from shipwarden import cli

    if "deps" not in cli.COMMAND_MODULES:
        pytest.skip("the deps command is not registered in shipwarden.cli yet")
    code = cli.main(["deps", str(PROJECTS / "npm-app"), "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 1
    assert {f["rule"] for f in data["findings"]} >= {"deps-credential-theft", "deps-runner-memory", "deps-install-script"}
