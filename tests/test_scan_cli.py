"""`shipwarden scan` end to end: roots, --all-branches, baselines of attack paths, crashed workers."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

import shipwarden.ci.github.scan as scan_module
from shipwarden.ci.github.scan import RootResult, scan_roots
from shipwarden.cli import main

EXAMPLE = Path(__file__).parents[1] / "examples" / "vulnerable-release"
ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.invalid",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.invalid",
}


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, env=ENV)


def _findings(argv: list[str], tmp_path: Path) -> list[dict]:
    out = tmp_path / "out.json"
    main([*argv, "--format", "json", "--fail-on", "none", "--output", str(out)])
    findings: list[dict] = json.loads(out.read_text())["findings"]
    return findings


@pytest.fixture
def example(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(EXAMPLE, root)
    return root


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p / "missing", "no such directory"),
        (lambda p: p / "repo" / ".github", "not its .github folder"),
        (lambda p: p / "repo" / ".github" / "workflows" / "release.yml", "not a directory"),
    ],
)
def test_unusable_roots_are_usage_errors(example: Path, make, message: str, capsys: pytest.CaptureFixture[str]) -> None:
    path = make(example.parent)
    assert main(["scan", str(path)]) == 2
    assert message in capsys.readouterr().err


def test_a_root_without_workflows_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", str(tmp_path)]) == 0
    assert "no .github/workflows folder" in capsys.readouterr().err


def test_identical_branches_do_not_repeat_findings(example: Path, tmp_path: Path) -> None:
    _git(example, "init", "-q", "-b", "main")
    _git(example, "add", ".")
    _git(example, "commit", "-qm", "one")
    _git(example, "branch", "feature")
    _git(example, "update-ref", "refs/remotes/origin/main", "HEAD")  # a ref name with a slash
    plain = _findings(["scan", str(example)], tmp_path)
    branches = _findings(["scan", str(example), "--all-branches"], tmp_path)
    assert len(branches) == len(plain)


#: a privileged job calling a remote action that is not read: a coverage note, not a finding
UNREAD = """\
on: pull_request_target
jobs:
  label:
    runs-on: ubuntu-latest
    permissions:
      pull-requests: write
    steps:
      - uses: example-owner/labeler-action@0123456789abcdef0123456789abcdef01234567
        with:
          token: ${{ secrets.BOT_TOKEN }}
"""


def _unread_repo(root: Path) -> Path:
    (root / ".github" / "workflows").mkdir(parents=True)
    (root / ".github" / "workflows" / "label.yml").write_text(UNREAD)
    return root


def test_identical_branches_do_not_repeat_coverage_notes(tmp_path: Path) -> None:
    repo = _unread_repo(tmp_path / "repo")
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "one")
    _git(repo, "branch", "feature")
    out = tmp_path / "out.json"
    main(["scan", str(repo), "--all-branches", "--format", "json", "--fail-on", "none", "--output", str(out)])
    coverage = json.loads(out.read_text())["coverage"]
    assert [c["path"] for c in coverage] == [".github/workflows/label.yml"]


def test_sarif_carries_the_coverage_notes(tmp_path: Path) -> None:
    repo = _unread_repo(tmp_path / "repo")
    out = tmp_path / "out.sarif"
    main(["scan", str(repo), "--format", "sarif", "--fail-on", "none", "--output", str(out)])
    invocation = json.loads(out.read_text())["runs"][0]["invocations"][0]
    notes = [n for n in invocation["toolExecutionNotifications"] if n["descriptor"]["id"] == "coverage"]
    assert len(notes) == 1 and notes[0]["level"] == "warning" and invocation["executionSuccessful"]
    assert "example-owner/labeler-action" in notes[0]["message"]["text"]
    assert notes[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == ".github/workflows/label.yml"
    assert notes[0]["properties"]["unknown"] == 1


def test_a_fix_on_main_leaves_the_stale_branch_reported(example: Path, tmp_path: Path) -> None:
    _git(example, "init", "-q", "-b", "main")
    _git(example, "add", ".")
    _git(example, "commit", "-qm", "one")
    _git(example, "branch", "stale")
    (example / ".github" / "workflows" / "pr-title.yml").unlink()
    _git(example, "commit", "-qam", "fix")
    findings = _findings(["scan", str(example), "--all-branches"], tmp_path)
    paths = {f["locations"][0]["path"] for f in findings if f["rule"] == "template-injection"}
    assert {p for p in paths if p.endswith("pr-title.yml")} == {"stale:.github/workflows/pr-title.yml"}


def test_baselined_attack_paths_survive_moved_lines(example: Path, tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    assert main(["scan", str(example), "--write-baseline", str(baseline)]) == 0
    release = example / ".github" / "workflows" / "release.yml"
    release.write_text("# a new comment moves every line\n" + release.read_text())
    assert _findings(["scan", str(example), "--baseline", str(baseline)], tmp_path) == []


def test_a_crashed_worker_costs_only_its_root(example: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    other = tmp_path / "other"
    shutil.copytree(example, other)
    doomed = tmp_path / "doomed"
    (doomed / ".github" / "workflows").mkdir(parents=True)
    real = scan_module.scan_root

    def crashing(root: str, prefix: str = "", all_branches: bool = False, paths: bool = True) -> RootResult:
        if root == str(doomed):
            os._exit(139)  # what a native crash looks like to the pool
        return real(root, prefix, all_branches, paths)

    monkeypatch.setattr(scan_module, "scan_root", crashing)  # inherited by the forked workers
    report = scan_roots([str(example), str(doomed), str(other)], jobs=2)
    assert [(e.path, e.kind) for e in report.errors] == [(str(doomed) + "/", "internal")]
    by_root = {f.primary.path.split("/.github/")[0] for f in report.findings}
    assert by_root == {str(example), str(other)}


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_suppression_comments_hold_when_workers_vouch_for_the_other_files(
    example: Path, tmp_path: Path, jobs: str
) -> None:
    """The scan tells the suppression pass which files hold no ``shipwarden`` comment
    (Report.plain_sources); a file with one is still read and its comment honoured."""
    other = tmp_path / "other"
    shutil.copytree(example, other)
    roots = [str(example), str(other)]
    report = scan_roots(roots, jobs=int(jobs))
    release = ".github/workflows/release.yml"
    assert f"{other}/{release}" in report.plain_sources
    target = next(f for f in report.findings if f.primary.path == f"{other}/{release}")
    path = other / release
    lines = path.read_text().splitlines(keepends=True)
    # a comment line above (not a trailing comment, which the finding's snippet would show)
    lines.insert(target.primary.line - 1, f"# shipwarden: ignore[{target.rule_id}]\n")
    path.write_text("".join(lines))
    after = scan_roots(roots, jobs=int(jobs))
    assert f"{other}/{release}" not in after.plain_sources
    assert f"{example}/{release}" in after.plain_sources
    shown = _findings(["scan", *roots, "-j", jobs], tmp_path)
    here = [(f["rule"], f["locations"][0]["line"]) for f in shown if f["locations"][0]["path"] == f"{other}/{release}"]
    assert (target.rule_id, target.primary.line + 1) not in here
    assert len(shown) == len(report.findings) - 1
