"""Custom runner labels: one finding per repository until declared in the configuration."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from shipwarden.cli import main

FIXTURE = Path(__file__).parent / "fixtures" / "self-hosted-runner" / "positive-undeclared-labels"


def _scan(root: Path, tmp_path: Path) -> list[dict[str, object]]:
    out = tmp_path / "report.json"
    assert main(["scan", str(root), "--format", "json", "--fail-on", "none", "--output", str(out)]) == 0
    return [f for f in json.loads(out.read_text())["findings"] if f["rule"] == "self-hosted-runner"]


def test_undeclared_labels_are_one_finding_that_says_how_to_settle(tmp_path: Path) -> None:
    found = _scan(FIXTURE, tmp_path)
    assert len(found) == 1
    assert "hosted-runner-labels" in str(found[0]["message"])
    assert found[0]["properties"]["jobs"] == 2  # type: ignore[index]  (codspeed-macro is a hosted service)


def test_labels_declared_hosted_settle_it(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    shutil.copytree(FIXTURE, root)
    (root / ".shipwarden.toml").write_text(
        'hosted-runner-labels = ["github-ubuntu-24.04-aarch64-4", "github-windows-2025-x86_64-8", "codspeed-macro"]\n'
    )
    assert _scan(root, tmp_path) == []


def test_labels_declared_self_hosted_are_reported_per_job(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    shutil.copytree(FIXTURE, root)
    (root / ".shipwarden.toml").write_text(
        'self-hosted-runner-labels = ["codspeed-macro"]\nhosted-runner-labels = ["github-*"]\n'
    )
    found = _scan(root, tmp_path)
    # `github-*` is no pattern (labels are matched exactly): those jobs stay grouped, the declared one is its own
    assert sorted((f["confidence"], f["locations"][0]["path"]) for f in found) == [  # type: ignore[index]
        ("high", ".github/workflows/bench.yml"),
        ("medium", ".github/workflows/ci.yml"),
    ]
