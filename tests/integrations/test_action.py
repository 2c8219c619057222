"""The GitHub Action, the pre-commit hooks and shipwarden's own pipeline.

The Action is a composite action: its steps are bash scripts that read inputs
from environment variables. These tests scan the action and the workflows with
shipwarden itself, and run the action's scan step's script locally on the
bundled example the way the runner would.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from shipwarden import __version__
from shipwarden.cli import main

ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "examples" / "vulnerable-release"
SHA = re.compile(r"^[^@\s]+@[0-9a-f]{40}$")


def _action() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _json_scan(root: Path, tmp_path: Path) -> dict[str, Any]:
    out = tmp_path / f"{root.name}.json"
    code = main(["scan", str(root), "--format", "json", "--output", str(out), "--fail-on", "P2"])
    report: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    report["exit"] = code
    return report


def test_own_pipeline_and_action_pass_their_own_scan(tmp_path: Path) -> None:
    # A copy holding only what the scan reads, so untracked local files
    # (virtual environments, caches) cannot change the outcome.
    repo = tmp_path / "shipwarden"
    shutil.copytree(ROOT / ".github", repo / ".github")
    shutil.copy2(ROOT / "action.yml", repo / "action.yml")
    report = _json_scan(repo, tmp_path)
    assert report["findings"] == [], [f["rule"] + ": " + f["message"] for f in report["findings"]]
    assert report["errors"] == []
    assert report["exit"] == 0
    workflows = sorted(p.name for p in (repo / ".github" / "workflows").iterdir())
    assert workflows == ["ci.yml", "release.yml", "shipwarden.yml"]


def test_documented_example_workflow_passes(tmp_path: Path) -> None:
    doc = (ROOT / "docs" / "integrations.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- example: action-workflow -->\n```yaml\n(.*?)```", doc, re.S)
    assert block, "docs/integrations.md lost its example workflow"
    text = block.group(1)
    assert "<commit-sha-of-the-release>" in text
    # What a user does on copying: put in the commit of the release they reviewed.
    text = text.replace("<commit-sha-of-the-release>", "5" * 40)
    repo = tmp_path / "user-repo"
    (repo / ".github" / "workflows").mkdir(parents=True)
    (repo / ".github" / "workflows" / "shipwarden.yml").write_text(text, encoding="utf-8")
    report = _json_scan(repo, tmp_path)
    assert report["findings"] == [], [f["rule"] + ": " + f["message"] for f in report["findings"]]
    assert report["exit"] == 0


def test_action_pins_every_action_and_keeps_inputs_out_of_scripts() -> None:
    action = _action()
    steps = action["runs"]["steps"]
    assert action["runs"]["using"] == "composite"
    for step in steps:
        if "uses" in step:
            assert SHA.match(step["uses"].split(" ")[0]), step["uses"]
        if "run" in step:
            assert "${{" not in step["run"], f"expression expanded inside a script: {step.get('name')}"
            assert step["shell"] == "bash"
    install = steps[0]["run"]
    assert "--require-hashes" in install and "requirements-runtime.lock" in install


def _locked(path: Path) -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s\\;]+)", line)
        if m:
            pins[re.sub(r"[-_.]+", "-", m.group(1)).lower()] = m.group(2)
    return pins


def test_runtime_lock_matches_the_dependencies_and_the_development_lock() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = _locked(ROOT / "requirements-runtime.lock")
    development = _locked(ROOT / "requirements.lock")
    for requirement in project["dependencies"]:
        name = re.sub(r"[-_.]+", "-", re.split(r"[<>=!~\[ ;]", requirement, maxsplit=1)[0]).lower()
        assert name in runtime, f"{name} is a runtime dependency missing from requirements-runtime.lock: run make lock"
    for name, version in runtime.items():
        assert development.get(name) == version, (
            f"{name}=={version} in requirements-runtime.lock but {development.get(name)} in requirements.lock: "
            "run make lock"
        )


def test_version_has_one_source() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'dynamic = ["version"]' in pyproject
    assert 'version = {attr = "shipwarden.__version__"}' in pyproject
    assert re.fullmatch(r"\d+\.\d+\.\d+", __version__)
    out = subprocess.run(
        [sys.executable, "-m", "shipwarden", "--version"], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == f"shipwarden {__version__}"


def _run_step(script: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-e", "-c", script], env=env, cwd=cwd, capture_output=True, text=True)


def test_action_scan_step_runs_like_the_runner(tmp_path: Path) -> None:
    step = next(s for s in _action()["runs"]["steps"] if s.get("id") == "scan")
    output = tmp_path / "github_output"
    workspace = tmp_path / "workspace"
    shutil.copytree(EXAMPLE, workspace / "repo")
    env = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(tmp_path),
        "GITHUB_OUTPUT": str(output),
        "SW_PATHS": "repo",
        "SW_FAIL_ON": "P1",
        "SW_CONFIG": "",
        "SW_BASELINE": "",
        "SW_SARIF": "shipwarden.sarif",
    }
    done = _run_step(step["run"], env, workspace)
    assert done.returncode == 1, done.stderr  # the example has P0/P1 findings
    assert output.read_text(encoding="utf-8").strip() == "sarif-file=shipwarden.sarif"
    sarif = json.loads((workspace / "shipwarden.sarif").read_text(encoding="utf-8"))
    assert sarif["version"] == "2.1.0"
    assert sarif["runs"][0]["results"], "SARIF has no results"
    annotations = [line for line in done.stdout.splitlines() if line.startswith("::error ")]
    assert any("template-injection" in line for line in annotations)

    # fail-on none: the step passes, the SARIF is still written.
    env["SW_FAIL_ON"] = "none"
    done = _run_step(step["run"], env, workspace)
    assert done.returncode == 0, done.stderr

    # A missing root is a usage error, never a silent pass.
    env["SW_PATHS"] = "no-such-dir"
    done = _run_step(step["run"], env, workspace)
    assert done.returncode == 2


def test_action_scan_step_does_not_evaluate_inputs(tmp_path: Path) -> None:
    """An input holding shell syntax is data: it names a path, nothing runs."""
    step = next(s for s in _action()["runs"]["steps"] if s.get("id") == "scan")
    marker = tmp_path / "pwned"
    env = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(tmp_path),
        "GITHUB_OUTPUT": str(tmp_path / "out"),
        "SW_PATHS": f"$(touch {marker}) `touch {marker}`",
        "SW_FAIL_ON": "none",
        "SW_CONFIG": f"$(touch {marker})",
        "SW_BASELINE": "",
        "SW_SARIF": "x.sarif",
    }
    done = _run_step(step["run"], env, tmp_path)
    assert not marker.exists()
    assert done.returncode == 2  # no such roots / config: usage error


@pytest.mark.network
@pytest.mark.skipif(os.environ.get("CI") != "true", reason="installs the runtime lock from the package index: run in CI")
def test_action_install_step_installs_a_working_shipwarden(tmp_path: Path) -> None:
    step = _action()["runs"]["steps"][0]
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir()
    github_path = tmp_path / "github_path"
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "RUNNER_TEMP": str(runner_temp),
        "GITHUB_PATH": str(github_path),
        "SHIPWARDEN_SRC": str(ROOT),
    }
    for key in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS", "PIP_CONFIG_FILE"):
        if key in os.environ:
            env[key] = os.environ[key]
    done = _run_step(step["run"], env, tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    bin_dir = Path(github_path.read_text(encoding="utf-8").strip())
    version = subprocess.run([str(bin_dir / "shipwarden"), "--version"], capture_output=True, text=True, check=True)
    assert version.stdout.strip() == f"shipwarden {__version__}"


def test_pre_commit_hooks_run_their_entries(tmp_path: Path) -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert {h["id"] for h in hooks} == {"shipwarden-scan", "shipwarden-deps"}
    for hook in hooks:
        assert hook["language"] == "python" and hook["pass_filenames"] is False
        re.compile(hook["files"])
    scan = next(h for h in hooks if h["id"] == "shipwarden-scan")
    assert re.search(scan["files"], ".github/workflows/release.yml")
    assert re.search(scan["files"], "action.yml") and re.search(scan["files"], "sub/dir/action.yaml")
    assert not re.search(scan["files"], "docs/release.yml")
    deps = next(h for h in hooks if h["id"] == "shipwarden-deps")
    for name in ("package-lock.json", "web/pnpm-lock.yaml", "requirements-dev.txt", "uv.lock"):
        assert re.search(deps["files"], name), name
    # pre-commit runs `entry args…` in the repository root.
    repo = tmp_path / "repo"
    shutil.copytree(EXAMPLE, repo)
    for hook in hooks:
        argv = hook["entry"].split()[1:] + hook["args"]
        cwd = Path.cwd()
        try:
            os.chdir(repo)
            code = main(argv)
        finally:
            os.chdir(cwd)
        if hook["id"] == "shipwarden-scan":
            assert code == 1  # the example's P0/P1 findings block the commit
        else:
            assert code in (0, 1)
