"""The root files the loader reads beside the workflows (``package.json``, ``pnpm-workspace.yaml``,
``.npmrc``): read once, a missing one answered from the root's listing, an unreadable one
declaring nothing."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from shipwarden.ci.github.loader import load_directory
from shipwarden.ci.github.pnpm import PnpmPolicy

WORKFLOW = "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: pnpm install\n"


def _root(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / ".github" / "workflows").mkdir(parents=True)
    (root / ".github" / "workflows" / "ci.yml").write_text(WORKFLOW)
    return root


def test_a_root_without_them_declares_nothing(tmp_path: Path) -> None:
    repo = load_directory(_root(tmp_path)).repo
    assert (repo.package_manager, repo.package_scripts, repo.pnpm) == ("", {}, PnpmPolicy())


def test_all_three_are_read(tmp_path: Path) -> None:
    root = _root(tmp_path)
    manifest = {
        "packageManager": "pnpm@10.14.0",
        "scripts": {"release": "pnpm publish", "n": 1},
        "pnpm": {"onlyBuiltDependencies": ["esbuild"]},
    }
    (root / "package.json").write_text(json.dumps(manifest))
    (root / "pnpm-workspace.yaml").write_text("allowBuilds:\n  sharp: true\n  core-js: false\n")
    (root / ".npmrc").write_text("registry=https://registry.example.invalid/\n")
    repo = load_directory(root).repo
    assert repo.package_manager == "pnpm"
    assert repo.package_scripts == {"release": "pnpm publish"}
    assert repo.pnpm == PnpmPolicy(10, ("esbuild", "sharp"), False)
    (root / ".npmrc").write_text("dangerously-allow-all-builds=true\n")
    assert load_directory(root).repo.pnpm.open


@pytest.mark.parametrize("name", ["package.json", "pnpm-workspace.yaml", ".npmrc"])
def test_an_unreadable_one_declares_nothing(tmp_path: Path, name: str) -> None:
    root = _root(tmp_path)
    outside = tmp_path / "outside"
    outside.write_text(json.dumps({"packageManager": "pnpm@10.0.0"}) if name == "package.json" else "x: [")
    os.symlink(outside, root / name)  # a link out of the root is never followed
    (root / "folder").mkdir()
    repo = load_directory(root).repo
    assert (repo.package_manager, repo.package_scripts, repo.pnpm) == ("", {}, PnpmPolicy())
    os.unlink(root / name)
    (root / name).mkdir()  # a folder where a file is expected
    repo = load_directory(root).repo
    assert (repo.package_manager, repo.package_scripts, repo.pnpm) == ("", {}, PnpmPolicy())


def test_a_manifest_that_is_not_json_declares_nothing(tmp_path: Path) -> None:
    root = _root(tmp_path)
    (root / "package.json").write_bytes(b'{"packageManager": "pnpm@10"')
    (root / "pnpm-workspace.yaml").write_text("onlyBuiltDependencies: [esbuild]\n")
    repo = load_directory(root).repo
    assert (repo.package_manager, repo.package_scripts, repo.pnpm) == ("", {}, PnpmPolicy(None, ("esbuild",), False))
