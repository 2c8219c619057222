"""Fingerprints (what baselines record) are distinct per finding and survive line moves."""

from __future__ import annotations

from pathlib import Path

from shipwarden.ci.github.scan import scan_root
from shipwarden.core.findings import fingerprint_of

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


GROUPED = """\
on: push
permissions:
  contents: read
jobs:
  release:
    runs-on: ubuntu-latest
    steps:
      - uses: some-org/build-action@v1
      - uses: other-org/upload-action@v2
        with:
          token: ${{ secrets.UPLOAD_TOKEN }}
"""


def _unpinned(root: Path, text: str) -> list[tuple[str, str, int, str]]:
    wf = root / ".github" / "workflows" / "release.yml"
    wf.parent.mkdir(parents=True, exist_ok=True)
    wf.write_text(text)
    found = [f for f in scan_root(str(root)).findings if f.rule_id == "unpinned-uses"]
    return sorted((f.tier.value, f.fingerprint, len(f.locations), f.message) for f in found)


def test_a_jobs_unpinned_third_party_actions_are_one_p1_whose_fingerprint_follows_the_set(tmp_path: Path) -> None:
    [(tier, first, locations, message)] = _unpinned(tmp_path / "a", GROUPED)
    assert tier == "P1" and locations == 3  # the job, then each use
    assert "`some-org/build-action@v1` (the tag `v1`), `other-org/upload-action@v2` (the tag `v2`)" in message
    moved = GROUPED.replace("jobs:\n", "# a comment\n\njobs:\n")
    assert _unpinned(tmp_path / "b", moved)[0][1] == first  # line moves keep it
    added = GROUPED + "      - uses: third-org/notify-action@v3\n"
    [(_, grown, locations, _)] = _unpinned(tmp_path / "c", added)
    assert locations == 4 and grown != first  # a new action in the job is news, not covered by a baseline


def test_a_job_with_one_unpinned_third_party_action_keeps_its_per_use_fingerprint(tmp_path: Path) -> None:
    one = GROUPED.replace("      - uses: some-org/build-action@v1\n", "")
    [(tier, fingerprint, locations, _)] = _unpinned(tmp_path, one)
    assert tier == "P1" and locations == 1
    assert fingerprint == fingerprint_of(
        "unpinned-uses", ".github/workflows/release.yml", ".github/workflows/release.yml|release|other-org/upload-action@v2"
    )
