"""The discovery walks and the path resolvers give the answers of the plain versions.

Jenkinsfiles and action definitions are found from one ``scandir`` per folder, and
roots and folders are resolved from their resolved parents; the references here are
the straightforward ``os.walk``/``os.path.realpath`` versions, run on one tree with
links (to files, to folders, dangling, in a loop, leaving the tree), a FIFO, skipped
folders, deep folders and a ``Jenkinsfile.d`` folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from shipwarden.ci.github.loader import _SKIP_DIRS, ACTION_FILES, MAX_ACTION_DEPTH, action_definition_paths
from shipwarden.ci.jenkins import files as jenkins
from shipwarden.core import safeio


def _walk_jenkinsfiles(root: Path) -> list[str]:
    found: list[str] = []
    top = os.fspath(root)
    for dirpath, dirnames, filenames in os.walk(top, followlinks=False):
        rel_dir = os.path.relpath(dirpath, top)
        parts = [] if rel_dir == "." else rel_dir.split(os.sep)
        dirnames[:] = sorted(d for d in dirnames if d not in jenkins._SKIP) if len(parts) < jenkins.MAX_DEPTH else []
        for name in sorted(filenames):
            if jenkins._NAME.search(name) and safeio.is_regular(os.path.join(dirpath, name)):
                found.append("/".join([*parts, name]))
                if len(found) >= jenkins.MAX_FILES:
                    return found
        if os.path.basename(dirpath) == "Jenkinsfile.d" or "Jenkinsfile.d" in parts:
            for name in sorted(filenames):
                rel = "/".join([*parts, name])
                if rel not in found and "." not in name and safeio.is_regular(os.path.join(dirpath, name)):
                    found.append(rel)
    return sorted(found)


def _walk_actions(root: Path, limit: int) -> list[str]:
    found: list[str] = []
    for current, dirs, files in os.walk(root, followlinks=False):
        rel = os.path.relpath(current, root)
        depth = 0 if rel == "." else rel.count(os.sep) + 1
        dirs[:] = sorted(
            d for d in dirs
            if d not in _SKIP_DIRS and depth < MAX_ACTION_DEPTH and not os.path.islink(os.path.join(current, d))
            and not (rel == ".github" and d == "workflows")
        )
        for name in ACTION_FILES:
            if name in files and not os.path.islink(os.path.join(current, name)):
                found.append(name if rel == "." else f"{rel.replace(os.sep, '/')}/{name}")
                break
        if len(found) >= limit:
            break
    return sorted(found)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "Jenkinsfile").write_text("x")
    (outside / "action.yml").write_text("x")
    for rel in [
        "Jenkinsfile", "ci/Jenkinsfile.release", "ci/build.jenkinsfile", "a/b/c/d/Jenkinsfile", "a/b/c/d/e/Jenkinsfile",
        "node_modules/x/Jenkinsfile", "build/Jenkinsfile", "Jenkinsfile.d/core", "Jenkinsfile.d/sub/release",
        "Jenkinsfile.d/notes.md", "action.yml", "action.yaml", "x/action.yaml", "tests/action.yml", "dist/action.yml",
        ".github/workflows/action.yml", ".github/actions/a/action.yml", "1/2/3/4/5/action.yml", "1/2/3/4/5/6/action.yml",
        ".github/workflows/ci.yml", ".github/workflows/dir.yml/inner.yml",
    ]:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    (root / "linked").mkdir()
    (root / "linked" / "Jenkinsfile").symlink_to(outside / "Jenkinsfile")
    (root / "linked" / "action.yml").symlink_to(outside / "action.yml")
    (root / "out").symlink_to(outside)
    (root / "ci" / "Jenkinsfile.dangling").symlink_to(tmp_path / "missing")
    (root / "loop").symlink_to(root / "loop")
    (root / ".github" / "workflows" / "link.yml").symlink_to(outside / "action.yml")
    (root / ".github" / "workflows" / "folder.yml").symlink_to(outside)
    (root / ".github" / "workflows" / "loop.yml").symlink_to(root / ".github" / "workflows" / "loop.yml")
    if hasattr(os, "mkfifo"):
        os.mkfifo(root / "ci" / "Jenkinsfile.fifo")
        os.mkfifo(root / "x" / "action.yml")  # beside x/action.yaml: found first, read later (refused)
    return root


def test_jenkinsfiles_as_os_walk_finds_them(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert jenkins.jenkinsfiles(tree) == _walk_jenkinsfiles(tree)
    assert jenkins.jenkinsfiles(tree / "Jenkinsfile.d") == _walk_jenkinsfiles(tree / "Jenkinsfile.d")
    for limit in (1, 2, 3):  # stopped early: the first ones in walk order, unsorted
        monkeypatch.setattr(jenkins, "MAX_FILES", limit)
        assert jenkins.jenkinsfiles(tree) == _walk_jenkinsfiles(tree)


def test_action_definitions_as_os_walk_finds_them(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from shipwarden.ci.github import loader

    assert action_definition_paths(tree) == _walk_actions(tree, loader.MAX_ACTION_FILES)
    for limit in (1, 2, 4):
        monkeypatch.setattr(loader, "MAX_ACTION_FILES", limit)
        assert action_definition_paths(tree) == _walk_actions(tree, limit)


def test_workflow_paths_skip_folders_only(tree: Path) -> None:
    from shipwarden.ci.github.loader import _workflow_paths

    assert _workflow_paths(tree) == [
        ".github/workflows/action.yml",
        ".github/workflows/ci.yml",
        ".github/workflows/link.yml",
        ".github/workflows/loop.yml",
    ]
    assert _workflow_paths(tree / "ci") == []


def test_resolvers_agree_with_realpath(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tree.parent)
    names = [
        "repo", "repo/", "repo/out", "repo/out/Jenkinsfile", "repo/loop", "repo/loop/x", "repo/ci/Jenkinsfile.dangling",
        "repo/missing/x", "repo/linked/action.yml", "repo/./ci", "repo/ci/../a", "../" + tree.parent.name + "/repo/x",
        str(tree / "out"), str(tree / "a" / "b"), "/", ".",
    ]
    realpath = safeio.RealPaths()
    for name in names + names:
        assert realpath(name) == os.path.realpath(name), name
    root = safeio.Root(tree)
    for rel in ["Jenkinsfile", "a/b/c/d/Jenkinsfile", "out/Jenkinsfile", "linked/action.yml", "missing/x/y",
                "loop/x", "ci/Jenkinsfile.dangling", "a/b/c/d/Jenkinsfile"]:
        try:
            expected: str | None = safeio.resolve_inside(tree, rel)
        except safeio.ReadRefused:
            expected = None
        try:
            got: str | None = root.resolve(rel)
        except safeio.ReadRefused:
            got = None
        assert got == expected, rel
