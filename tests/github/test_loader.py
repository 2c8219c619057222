"""The workflow model: shapes, spans and hostile input."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from shipwarden.ci.github.loader import load_directory, load_git_ref, parse_workflow
from shipwarden.ci.yamlspan import MAX_FILE_BYTES

WORKFLOW = """\
name: CI
on:
  push:
    branches: [main]
    tags: ["v*"]
  pull_request_target:
    types: [opened, synchronize]
permissions:
  contents: read
env:
  GLOBAL: "1"
jobs:
  build:
    runs-on: [self-hosted, linux]
    environment:
      name: release
    needs: [lint]
    if: github.event_name == 'push'
    permissions:
      id-token: write
    container: node:20
    services:
      db:
        image: postgres@sha256:{digest}
    steps:
      - uses: actions/checkout@v4
        with:
          persist-credentials: false
      - id: sha
        uses: actions/setup-node@1d0ff469b7ec7b3cb9d8673fde0c81c44821de2a
      - uses: ./.github/actions/setup
      - uses: docker://alpine:3.20
      - name: Build it
        shell: bash
        env:
          TITLE: ${{{{ github.event.pull_request.title }}}}
        run: |
          echo start
          echo "${{{{ github.head_ref }}}}"
  call:
    uses: org/repo/.github/workflows/release.yml@main
    secrets: inherit
""".format(digest="a" * 64)


def test_workflow_shape() -> None:
    wf = parse_workflow(".github/workflows/ci.yml", WORKFLOW)
    assert wf.name == "CI"
    assert set(wf.triggers) == {"push", "pull_request_target"}
    assert wf.triggers["push"].branches == ["main"]
    assert wf.triggers["push"].tags == ["v*"]
    assert wf.triggers["pull_request_target"].types == ["opened", "synchronize"]
    assert wf.permissions is not None and wf.permissions.level("contents") == "read"
    build = wf.job("build")
    assert build is not None
    assert build.self_hosted and build.environment == "release" and build.needs == ["lint"]
    assert build.permission("id-token") == "write"
    assert build.permission("contents") == "none"  # job permissions replace the workflow's
    assert build.container is not None and build.container.value == "node:20"
    kinds = [(s.uses.kind, s.uses.ref_kind) if s.uses else ("run", "") for s in build.steps]
    assert kinds == [("repo", "tag"), ("repo", "sha"), ("local", ""), ("docker", "tag"), ("run", "")]
    assert build.steps[0].with_["persist-credentials"].value == "false"
    call = wf.job("call")
    assert call is not None and call.uses is not None and call.uses.ref_kind == "branch"
    assert call.secrets_inherit is not None


def test_spans_are_exact() -> None:
    wf = parse_workflow("w.yml", WORKFLOW)
    build = wf.job("build")
    assert build is not None
    loc = build.location()
    assert (loc.line, loc.column) == (13, 3)
    step = build.steps[4]
    assert step.run is not None
    value = step.run.value
    offset = value.index("${{")
    inner = wf.file.value_location(step.run, offset, value.index("}}", offset) + 2)
    line_text = WORKFLOW.splitlines()[inner.line - 1]
    assert line_text[inner.column - 1 : inner.end_column - 1] == "${{ github.head_ref }}"
    uses = wf.file.location(build.steps[0].uses.node)  # type: ignore[union-attr]
    assert WORKFLOW.splitlines()[uses.line - 1][uses.column - 1 : uses.end_column - 1] == "actions/checkout@v4"


def test_on_forms() -> None:
    assert set(parse_workflow("a", "on: push\njobs: {}\n").triggers) == {"push"}
    assert set(parse_workflow("a", "on: [push, issues]\njobs: {}\n").triggers) == {"push", "issues"}
    perms = parse_workflow("a", "on: push\npermissions: write-all\njobs: {}\n").permissions
    assert perms is not None and perms.writes()


def _repo(tmp_path: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return tmp_path


GOOD = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ok\n"


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        ("on: push\njobs: [\n", "yaml"),
        ("on: push\non: pull_request\njobs: {}\n", "duplicate-key"),
        (
            "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
            + "".join(f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(8))
            + "on: push\njobs: {}\n",
            "alias-bomb",
        ),
        (b"on: push\njobs: {}\n# \xff\xfe bad\n", "encoding"),
        ("on: push\njobs:\n  x: " + "[" * 5000 + "]" * 5000 + "\n", "too-deep"),
        # deep enough to overflow libyaml's native composer if it ever got there
        ("on: push\njobs: " + "[" * 100_000 + "]" * 100_000 + "\n", "too-deep"),
        ("on: push\njobs:\n  x:\n    " + "- " * 200_000 + "a\n", "too-deep"),
        (b"on: push\n" + b"#" * (MAX_FILE_BYTES + 10), "too-large"),
        ("- just\n- a list\n", "model"),
    ],
)
def test_hostile_files_are_reported_and_scan_goes_on(tmp_path: Path, content: str | bytes, kind: str) -> None:
    root = _repo(tmp_path, {".github/workflows/bad.yml": content, ".github/workflows/good.yml": GOOD})
    result = load_directory(root)
    assert [e.kind for e in result.errors] == [kind]
    assert result.errors[0].path == ".github/workflows/bad.yml"
    assert [wf.path for wf in result.repo.workflows] == [".github/workflows/good.yml"]


def test_too_many_jobs_is_a_clear_error(tmp_path: Path) -> None:
    jobs = "".join(f"  j{i}:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo {i}\n" for i in range(5000))
    root = _repo(tmp_path, {".github/workflows/big.yml": "on: push\njobs:\n" + jobs})
    result = load_directory(root)
    # over the job limit: a clear per-file error rather than a silent partial model
    assert [e.kind for e in result.errors] == ["model"]
    assert "5,000 jobs" in result.errors[0].message


def test_symlink_outside_root_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside.yml"
    outside.write_text(GOOD)
    root = tmp_path / "repo"
    (root / ".github/workflows").mkdir(parents=True)
    os.symlink(outside, root / ".github/workflows/link.yml")
    result = load_directory(root)
    assert [e.kind for e in result.errors] == ["symlink"]
    assert not result.repo.workflows


def test_composite_action_is_followed(tmp_path: Path) -> None:
    root = _repo(
        tmp_path,
        {
            ".github/workflows/w.yml": "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: ./.github/actions/setup\n",
            ".github/actions/setup/action.yml": (
                "name: s\ninputs:\n  ref:\n    default: main\nruns:\n  using: composite\n  steps:\n"
                "    - uses: ./.github/actions/inner\n    - run: echo ${{ inputs.ref }}\n      shell: bash\n"
            ),
            ".github/actions/inner/action.yaml": "runs:\n  using: composite\n  steps:\n    - run: make\n      shell: bash\n",
        },
    )
    result = load_directory(root)
    assert not result.errors
    job = result.repo.workflows[0].jobs[0]
    steps = job.all_steps()
    assert [s.file.path for s in steps] == [
        ".github/workflows/w.yml",
        ".github/actions/setup/action.yml",
        ".github/actions/inner/action.yaml",
        ".github/actions/setup/action.yml",
    ]
    assert steps[3].via is steps[0]
    assert result.repo.actions[".github/actions/setup"].inputs["ref"].default is not None


def _git_in(root: Path) -> Callable[..., object]:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}
    return lambda *a: subprocess.run(["git", "-C", str(root), *a], check=True, capture_output=True, env=env)


def test_git_refs_are_read_without_checkout(tmp_path: Path) -> None:
    root = _repo(tmp_path, {".github/workflows/w.yml": GOOD})
    run = _git_in(root)
    run("init", "-q", "-b", "main")
    run("add", ".")
    run("commit", "-qm", "one")
    run("checkout", "-qb", "stale")
    (root / ".github/workflows/old.yml").write_text(GOOD.replace("push", "pull_request_target"))
    run("add", ".")
    run("commit", "-qm", "two")
    run("checkout", "-q", "main")
    result = load_git_ref(root, "refs/heads/stale")
    assert not result.errors
    assert sorted(wf.path for wf in result.repo.workflows) == ["stale:.github/workflows/old.yml", "stale:.github/workflows/w.yml"]
    assert not (root / ".github/workflows/old.yml").exists()


def test_git_refs_of_a_folder_inside_the_repository(tmp_path: Path) -> None:
    """A root inside a repository (a monorepo package) reads its own .github from each ref."""
    root = _repo(tmp_path, {".github/workflows/outer.yml": GOOD, "pkg/.github/workflows/inner.yml": GOOD})
    run = _git_in(root)
    run("init", "-q", "-b", "main")
    run("add", ".")
    run("commit", "-qm", "one")
    result = load_git_ref(root / "pkg", "refs/heads/main")
    assert not result.errors
    assert [wf.path for wf in result.repo.workflows] == ["main:.github/workflows/inner.yml"]
