"""A fingerprint names one finding: repeats of one action@ref get their own, stable ones,
and a baseline written when they shared one still matches them."""

from __future__ import annotations

import json
from pathlib import Path

from shipwarden import api
from shipwarden.core.baseline import apply_baseline
from shipwarden.core.findings import Repeats, fingerprint_of

WORKFLOW = """\
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/setup-node@v4
      - run: npm ci
      - uses: actions/setup-node@v4
        with: {node-version: 22}
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/setup-node@v4
"""


def _unpinned(root: Path) -> dict[str, int]:
    findings = api.scan(api.ScanOptions(roots=(root,), select=("unpinned-uses",), config=api.Config())).findings
    return {f.fingerprint: f.primary.line or 0 for f in findings}


def _repo(tmp_path: Path, text: str) -> Path:
    wf = tmp_path / "repo" / ".github" / "workflows" / "ci.yml"
    wf.parent.mkdir(parents=True, exist_ok=True)
    wf.write_text(text)
    return tmp_path / "repo"


def test_repeated_uses_are_distinct_and_survive_unrelated_edits(tmp_path: Path) -> None:
    root = _repo(tmp_path, WORKFLOW)
    before = _unpinned(root)
    assert len(before) == 3  # two uses in build, one in test: three fingerprints
    # an unrelated edit (a new step and a new job) moves lines, not fingerprints
    edited = WORKFLOW.replace("      - run: npm ci\n", "      - run: echo hi\n      - run: npm ci\n")
    edited += "  lint:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make lint\n"
    _repo(tmp_path, edited)
    after = _unpinned(root)
    assert set(after) == set(before)
    assert [after[f] for f in sorted(after)] != [before[f] for f in sorted(before)]


def test_a_baseline_written_before_still_matches(tmp_path: Path) -> None:
    root = _repo(tmp_path, WORKFLOW)
    findings = api.scan(api.ScanOptions(roots=(root,), select=("unpinned-uses",), config=api.Config())).findings
    old = fingerprint_of("unpinned-uses", ".github/workflows/ci.yml", ".github/workflows/ci.yml|actions/setup-node@v4")
    assert {f.previous_fingerprint for f in findings} == {old}
    kept, dropped = apply_baseline(findings, frozenset({old}))
    assert kept == [] and dropped == 3
    # through the command line's baseline file too
    baseline = tmp_path / "old-baseline.json"
    baseline.write_text(json.dumps({"version": 1, "tool": "shipwarden", "findings": [
        {"fingerprint": old, "rule": "unpinned-uses", "path": ".github/workflows/ci.yml", "message": "…"}]}))
    quiet = api.scan(api.ScanOptions(roots=(root,), select=("unpinned-uses",), baseline=baseline, config=api.Config()))
    assert quiet.findings == [] and quiet.report.baselined == 3


def test_repeats_number_the_later_ones_per_scope() -> None:
    repeats = Repeats()
    assert [repeats("a"), repeats("a"), repeats("b"), repeats("a"), repeats("a", scope="other")] == [
        "a", "a#2", "b", "a#3", "a"]
