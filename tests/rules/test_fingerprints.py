"""Fingerprints (what baselines record) are distinct per finding and survive line moves."""

from __future__ import annotations

from pathlib import Path

from shipwarden.ci.github.scan import scan_root

WORKFLOW = """\
on: issues
permissions:
  contents: write
jobs:
  triage:
    runs-on: ubuntu-latest
    steps:
      - run: |
          echo "${{ github.event.issue.title }}"
          gh issue comment 1 --body "${{ github.event.issue.title }}"
"""


def _fingerprints(root: Path, text: str) -> list[str]:
    wf = root / ".github" / "workflows" / "triage.yml"
    wf.parent.mkdir(parents=True, exist_ok=True)
    wf.write_text(text)
    result = scan_root(str(root))
    assert not result.errors
    found = sorted((f for f in result.findings if f.rule_id == "template-injection"), key=lambda f: f.primary.column)
    found.sort(key=lambda f: f.primary.line)
    return [f.fingerprint for f in found]


def test_two_identical_expressions_in_one_step_have_two_fingerprints(tmp_path: Path) -> None:
    prints = _fingerprints(tmp_path, WORKFLOW)
    assert len(prints) == 2
    assert prints[0] != prints[1]


def test_the_fingerprints_survive_line_moves(tmp_path: Path) -> None:
    before = _fingerprints(tmp_path / "a", WORKFLOW)
    moved = WORKFLOW.replace("jobs:\n", "# a comment\n\njobs:\n")
    assert _fingerprints(tmp_path / "b", moved) == before


PIPELINE = """\
variables:
  PRE: 'notify --title "$CI_COMMIT_TITLE"'
  POST: 'notify --done "$CI_COMMIT_TITLE"'
announce:
  rules:
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
  script:
    - /bin/sh -c "set -e; ${PRE}"
    - /bin/sh -c "set -e; ${POST}"
"""


def test_one_variable_into_one_command_twice_in_a_job_has_two_fingerprints(tmp_path: Path) -> None:
    # shape of isc-projects/bind9's signer job (.gitlab-ci.yml: $SSH_SCRIPT_RUNNER_PRE/_POST run by sh -c)
    (tmp_path / ".gitlab-ci.yml").write_text(PIPELINE)
    result = scan_root(str(tmp_path))
    found = [f for f in result.findings if f.rule_id == "gitlab-script-injection"]
    assert len(found) == 2
    assert len({f.fingerprint for f in found}) == 2
