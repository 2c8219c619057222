"""``shipwarden endpoint`` end to end: no secret value in any output format."""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fakehome import build_fake_home, build_project, fake_environment

from shipwarden.commands import endpoint as endpoint_cmd

FORMATS = ("text", "json", "sarif", "github")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="shipwarden endpoint")
    endpoint_cmd.add_arguments(parser)
    return parser


def _reporters_ready() -> bool:
    return all(
        importlib.util.find_spec(f"shipwarden.reporting.{m}") is not None
        for m in ("text", "json_report", "sarif", "github")
    )


pytestmark = pytest.mark.skipif(not _reporters_ready(), reason="shipwarden.reporting reporters not in the tree yet")


@pytest.fixture(scope="module")
def module_monkeypatch() -> Iterator[pytest.MonkeyPatch]:
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


@pytest.fixture(scope="module")
def rendered(
    tmp_path_factory: pytest.TempPathFactory, module_monkeypatch: pytest.MonkeyPatch
) -> tuple[list[str], dict[str, str], dict[str, int]]:
    """Every output format of one run over the fake home, with only fake variables in the environment."""
    base = tmp_path_factory.mktemp("endpoint-out")
    home = base / "home"
    home.mkdir()
    h = build_fake_home(home)
    project = build_project(base / "projects", h)
    module_monkeypatch.chdir(base)
    for name in list(os.environ):
        module_monkeypatch.delenv(name, raising=False)
    for name, value in fake_environment(h).items():
        module_monkeypatch.setenv(name, value)
    outputs: dict[str, str] = {}
    codes: dict[str, int] = {}
    for fmt in FORMATS:
        out = base / f"report.{fmt}"
        args = _parser().parse_args([str(home), "--include", str(project), "--format", fmt, "--output", str(out)])
        codes[fmt] = endpoint_cmd.run(args)
        outputs[fmt] = out.read_text()
    return h.secrets, outputs, codes


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_secret_value_in_output(rendered: tuple[list[str], dict[str, str], dict[str, int]], fmt: str) -> None:
    secrets, outputs, _ = rendered
    text = outputs[fmt]
    assert "~/.npmrc" in text
    leaked = [s[:4] + "…" for s in secrets if s and s in text]
    assert not leaked
    if fmt in ("json", "sarif"):
        # also after JSON unescaping of every string
        blob = json.dumps(json.loads(text), ensure_ascii=False)
        assert not [s for s in secrets if s and s in blob]


def test_exit_code_flags_p1(rendered: tuple[list[str], dict[str, str], dict[str, int]]) -> None:
    _, _, codes = rendered
    assert all(code & 1 for code in codes.values())


def test_json_carries_properties(rendered: tuple[list[str], dict[str, str], dict[str, int]]) -> None:
    _, outputs, _ = rendered
    doc = json.loads(outputs["json"])
    findings = doc["findings"] if isinstance(doc, dict) else doc
    npm = [f for f in findings if f.get("properties", {}).get("credential") == "npm-token"]
    assert npm and all("[fp:" in f["properties"]["redacted"] for f in npm)


def test_inline_ignore_in_a_home_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from shipwarden.secrets.fakes import fake_token

    home = tmp_path / "home"
    home.mkdir()
    env_file = home / ".env"
    env_file.write_text(
        "# shipwarden: ignore[endpoint-env-file-secret] local sandbox key\n"
        f"OPENAI_API_KEY={fake_token('openai-api-key')}\n"
        f"STRIPE_SECRET_KEY={fake_token('stripe-secret-key')}\n"
    )
    env_file.chmod(0o600)
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "r.json"
    args = _parser().parse_args([str(home), "--no-env", "--format", "json", "--output", str(out)])
    endpoint_cmd.run(args)
    doc = json.loads(out.read_text())
    findings = doc["findings"] if isinstance(doc, dict) else doc
    assert [f["properties"]["credential"] for f in findings] == ["stripe-secret-key"]


def test_fix_permissions_flag(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from shipwarden.secrets.fakes import fake_token

    home = tmp_path / "home"
    home.mkdir()
    npmrc = home / ".npmrc"
    npmrc.write_text(f"//r.example.invalid/:_authToken={fake_token('npm-token')}\n")
    npmrc.chmod(0o644)
    monkeypatch.chdir(tmp_path)
    args = _parser().parse_args([str(home), "--no-env", "--format", "json", "--output", str(tmp_path / "a.json")])
    endpoint_cmd.run(args)
    assert npmrc.stat().st_mode & 0o777 == 0o644  # read-only without the flag
    args = _parser().parse_args([str(home), "--no-env", "--fix-permissions", "--format", "json", "--output", str(tmp_path / "b.json")])
    endpoint_cmd.run(args)
    assert npmrc.stat().st_mode & 0o777 == 0o600
