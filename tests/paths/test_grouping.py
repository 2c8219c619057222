"""One root cause (entry job and carrier), one attack-path finding listing every target."""

from __future__ import annotations

import json
from pathlib import Path

from shipwarden.ci.github.loader import load_directory
from shipwarden.ci.github.scan import scan_root
from shipwarden.cli import main
from shipwarden.paths.report import group_paths
from shipwarden.paths.search import find_paths

ROOT = Path(__file__).parent / "fixtures" / "one-cause-many-targets"


def test_one_finding_for_one_entry_and_carrier() -> None:
    repo = load_directory(ROOT).repo
    paths = find_paths(repo)
    assert len(paths) == 3  # three release jobs restore the poisoned cache
    assert len(group_paths(paths)) == 1
    found = [f for f in scan_root(str(ROOT)).findings if f.rule_id == "attack-path"]
    assert len(found) == 1
    finding = found[0]
    targets = {t["workflow"] for t in finding.properties["targets"]}
    assert targets == {
        ".github/workflows/release-docs.yml",
        ".github/workflows/release-npm.yml",
        ".github/workflows/release-windows.yml",
    }
    assert finding.properties["carrier"] == "cache"
    assert len(finding.flows) == 2 and finding.tier.value == "P0"
    assert "3 jobs in 3 workflow(s)" in finding.message


def test_cache_hop_respects_the_runner_os() -> None:
    finding = next(f for f in scan_root(str(ROOT)).findings if f.rule_id == "attack-path")
    flows = [finding.hops, *finding.flows]
    by_target = {flow[-1].location.path: flow for flow in flows}
    windows = by_target[".github/workflows/release-windows.yml"]
    linux = by_target[".github/workflows/release-npm.yml"]
    assert any("saves the poisoned store as" in hop.description for hop in linux)
    assert not any("saves the poisoned store as" in hop.description for hop in windows)
    assert any("can save any cache key" in hop.description for hop in windows)


def test_sarif_has_a_code_flow_per_target(tmp_path: Path) -> None:
    out = tmp_path / "r.sarif"
    assert main(["scan", str(ROOT), "--format", "sarif", "--fail-on", "none", "--output", str(out)]) == 0
    results = json.loads(out.read_text())["runs"][0]["results"]
    paths = [r for r in results if r["ruleId"] == "attack-path"]
    assert len(paths) == 1 and len(paths[0]["codeFlows"]) == 3


def test_text_lists_the_other_targets_under_one_heading(tmp_path: Path, capsys: object) -> None:
    out = tmp_path / "r.txt"
    assert main(["scan", str(ROOT), "--no-color", "--fail-on", "none", "--output", str(out)]) == 0
    text = out.read_text()
    assert text.count(" P0  attack-path") == 1
    assert "the same way in also reaches (2 more):" in text
