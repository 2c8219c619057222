"""Inline suppressions and baselines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shipwarden.core.baseline import BaselineError, apply_baseline, dumps_baseline, load_baseline, write_baseline
from shipwarden.core.findings import Confidence, Finding, Location, Tier
from shipwarden.core.suppress import apply_suppressions, file_reader, parse_directives


def _finding(rule: str, line: int, path: str = "w.yml", key: str = "", snippet: str = "") -> Finding:
    return Finding(
        rule, 2, Tier.P1, Confidence.HIGH, f"{rule} message", [Location(path, line, 1, snippet=snippet)], key=key
    )


WORKFLOW = """\
on: pull_request_target
jobs:
  a:
    steps:
      - run: echo ${{ github.head_ref }}  # shipwarden: ignore[template-injection] reviewed, ref is validated
      # shipwarden: ignore[pwn-request, unpinned-uses] checked out code is never run
      - uses: actions/checkout@v4
      - uses: actions/cache@v4 # shipwarden: ignore[unpinned-uses]
      - uses: actions/setup-node@v4
      - run: make  # shipwarden: ignore[*] not allowed
"""


def _reader(text: str = WORKFLOW):
    return lambda path: text if path == "w.yml" else None


def test_parse_directives() -> None:
    directives = parse_directives(WORKFLOW)
    assert directives[5].rule_ids == {"template-injection"} and not directives[5].own_line
    assert directives[6].rule_ids == {"pwn-request", "unpinned-uses"} and directives[6].own_line
    assert 10 not in directives  # ignore[*] is rejected


def test_same_line_trailing_comment() -> None:
    kept, dropped = apply_suppressions([_finding("template-injection", 5)], _reader())
    assert kept == [] and len(dropped) == 1


def test_comment_line_above() -> None:
    findings = [_finding("pwn-request", 7), _finding("unpinned-uses", 7)]
    kept, dropped = apply_suppressions(findings, _reader())
    assert kept == [] and len(dropped) == 2


def test_wrong_id_is_not_suppressed() -> None:
    findings = [_finding("template-injection", 7), _finding("pwn-request", 5), _finding("template", 5)]
    kept, _ = apply_suppressions(findings, _reader())
    assert kept == findings  # no prefix matching either


def test_trailing_comment_does_not_cover_next_line() -> None:
    kept, _ = apply_suppressions([_finding("unpinned-uses", 9)], _reader())
    assert len(kept) == 1


def test_star_is_not_allowed() -> None:
    kept, _ = apply_suppressions([_finding("anything", 10)], _reader())
    assert len(kept) == 1


def test_two_lines_above_does_not_count() -> None:
    kept, _ = apply_suppressions([_finding("pwn-request", 8)], _reader())
    assert len(kept) == 1


def test_line_zero_and_other_files_are_not_suppressed() -> None:
    findings = [_finding("template-injection", 0), _finding("template-injection", 5, path="other.yml")]
    kept, _ = apply_suppressions(findings, _reader())
    assert kept == findings


def test_snippet_fallback_without_file() -> None:
    finding = _finding("x-rule", 3, snippet="run: make  // shipwarden: ignore[x-rule] reviewed")
    kept, dropped = apply_suppressions([finding], None)
    assert kept == [] and dropped == [finding]


def test_file_reader_is_confined_to_root(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (root / "a.yml").write_text("x: 1\n", encoding="utf-8")
    (tmp_path / "secret.yml").write_text("s: 1\n", encoding="utf-8")
    (root / "link.yml").symlink_to(tmp_path / "secret.yml")
    read = file_reader([root])
    assert read("a.yml") == "x: 1\n"
    assert read("../secret.yml") is None
    assert read("link.yml") is None
    assert read(str(tmp_path / "secret.yml")) is None
    assert read("missing.yml") is None


# ---------------------------------------------------------------- baseline


def test_baseline_round_trip_drops_everything(tmp_path: Path) -> None:
    findings = [_finding("b-rule", 3, key="k1"), _finding("a-rule", 9, path="z.yml"), _finding("a-rule", 1)]
    path = tmp_path / "base" / "baseline.json"
    assert write_baseline(path, findings) == 3
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["version"] == 1 and data["tool"] == "shipwarden"
    assert [(e["path"], e["rule"]) for e in data["findings"]] == [
        ("w.yml", "a-rule"),
        ("w.yml", "b-rule"),
        ("z.yml", "a-rule"),
    ]
    assert set(data["findings"][0]) == {"fingerprint", "rule", "path", "message"}
    kept, dropped = apply_baseline(findings, load_baseline(path))
    assert kept == [] and dropped == 3


def test_baseline_is_stable_and_sorted() -> None:
    findings = [_finding("b-rule", 3), _finding("a-rule", 9), _finding("a-rule", 9)]
    assert dumps_baseline(findings) == dumps_baseline(list(reversed(findings)))
    assert len(json.loads(dumps_baseline(findings))["findings"]) == 2  # one entry per fingerprint


def test_moved_line_still_matches_but_new_finding_does_not(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    write_baseline(path, [_finding("a-rule", 3, key="job/step")])
    moved = _finding("a-rule", 40, key="job/step")
    new = _finding("a-rule", 41, key="job/other-step")
    kept, dropped = apply_baseline([moved, new], load_baseline(path))
    assert kept == [new] and dropped == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "invalid baseline JSON"),
        ('{"tool": "other", "version": 1, "findings": []}', "not a shipwarden baseline"),
        ('{"tool": "shipwarden", "version": 9, "findings": []}', "unsupported baseline version"),
        ('{"tool": "shipwarden", "version": 1, "findings": {}}', "must be a list"),
        ('{"tool": "shipwarden", "version": 1, "findings": [{"rule": "x"}]}', "fingerprint"),
    ],
)
def test_bad_baselines(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "b.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(BaselineError, match=message):
        load_baseline(path)


def test_missing_baseline(tmp_path: Path) -> None:
    with pytest.raises(BaselineError, match="--write-baseline"):
        load_baseline(tmp_path / "none.json")
