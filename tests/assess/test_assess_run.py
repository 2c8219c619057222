"""What ``assess`` runs on a repository and the scope it records: rows, inputs, packages, errors."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from assesstools import clock, example_repo, git, write_json

from shipwarden.api import AssessOptions, assess
from shipwarden.assess.model import RowStatus
from shipwarden.assess.repo import clean_remote, identity_of, read_repository
from shipwarden.assess.targets import find_targets
from shipwarden.secrets.fakes import fake_token


def _wheel(path: Path, name: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(f"{name}/__init__.py", "VERSION = '1.0'\n")
        zf.writestr(f"{name}-1.0.dist-info/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
        zf.writestr(f"{name}-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        zf.writestr(f"{name}-1.0.dist-info/RECORD", "")


@pytest.fixture
def monorepo(tmp_path: Path) -> Path:
    root = example_repo(tmp_path)
    write_json(root / "package.json", {"name": "mono", "private": True, "workspaces": ["packages/*", "!packages/b"]})
    write_json(root / "packages/a/package.json", {"name": "@acme/a", "version": "1.0.0", "files": ["index.js"]})
    (root / "packages/a/index.js").write_text("module.exports = 1;\n")
    write_json(root / "packages/b/package.json", {"name": "@acme/b", "version": "1.0.0"})
    write_json(root / "packages/c/package.json", {"name": "@acme/c", "version": "1.0.0", "private": True})
    write_json(root / "package-lock.json", {
        "name": "mono", "lockfileVersion": 3,
        "packages": {"": {"name": "mono"}, "node_modules/left": {
            "version": "1.0.0", "resolved": "https://registry.example.invalid/left/-/left-1.0.0.tgz",
            "integrity": "sha512-AAAA", "hasInstallScript": True}},
    })
    (root / "py/built").mkdir(parents=True)
    (root / "py/built/pyproject.toml").write_text('[project]\nname = "built"\nversion = "1.0"\n')
    _wheel(root / "py/built/dist/built-1.0-py3-none-any.whl", "built")
    (root / "py/unbuilt").mkdir(parents=True)
    (root / "py/unbuilt/pyproject.toml").write_text('[project]\nname = "unbuilt"\nversion = "1.0"\n')
    git(root, "add", "-A")
    git(root, "commit", "-qm", "monorepo")
    return root


def test_publishable_packages_expand_workspaces_and_skip_private(monorepo: Path) -> None:
    targets = find_targets(monorepo)
    found = {(p.ecosystem, p.path, p.target) for p in targets.packages}
    assert ("npm", "packages/a", "packages/a") in found
    assert not any(p.path in ("", "packages/b", "packages/c") for p in targets.packages if p.ecosystem == "npm")
    assert targets.private == ["package.json", "packages/c/package.json"]
    assert ("python", "py/built", "py/built/dist") in found
    assert ("python", "py/unbuilt", None) in found
    assert {p.path for p in find_targets(monorepo, build=True).packages if p.ecosystem == "python"} == {
        "py/built", "py/unbuilt"}


def test_monorepo_scope(monorepo: Path) -> None:
    a = assess(AssessOptions(root=monorepo, clock=lambda: clock(0))).assessment
    s = a.scope
    assert s.started_at == "2026-11-02T09:00:00Z"
    assert s.repository.remote == "https://github.example.invalid/acme/widgets.git"
    assert s.repository.branch == "main" and s.repository.dirty is False and len(s.repository.commit or "") == 40
    assert s.rules_hash.startswith("sha256:") and s.config_hash.startswith("sha256:")
    assert "gate:npm:packages/a" in s.analyses and "gate:python:py/built" in s.analyses
    status = {r.row: r.status for r in s.rows}
    assert status[1] is RowStatus.NOT_ASSESSED and "--endpoint" in s.row(1).reason
    assert status[2] is status[3] is status[5] is status[7] is RowStatus.ASSESSED
    assert status[4] in (RowStatus.ASSESSED, RowStatus.PARTLY)
    assert status[6] is RowStatus.PARTLY
    assert any("unbuilt" in r and "--build" in r for r in s.row(6).reasons)
    kinds = {(i.analysis, i.path) for i in s.inputs}
    assert ("deps", "package-lock.json") in kinds and ("scan", ".") in kinds
    assert ("gate:python:py/built", "py/built/dist") in kinds
    # gate's findings carry the package's path
    gate_paths = {i.finding.primary.path for i in a.findings if i.analysis.startswith("gate:npm")}
    assert all(p.startswith("packages/a/") for p in gate_paths)
    # one finding per fingerprint and place
    places = [(i.finding.fingerprint, i.finding.primary.sort_key()) for i in a.findings]
    assert len(places) == len(set(places))


def test_nothing_applies_to_an_empty_folder(tmp_path: Path) -> None:
    a = assess(AssessOptions(root=tmp_path)).assessment
    assert a.findings == [] and a.scope.repository.commit is None
    assert a.scope.repository.identity == "path:" + str(tmp_path.resolve())
    status = {r.row: r.status for r in a.scope.rows}
    assert status == {1: RowStatus.NOT_ASSESSED, 2: RowStatus.NOT_APPLICABLE, 3: RowStatus.NOT_APPLICABLE,
                      4: RowStatus.NOT_APPLICABLE, 5: RowStatus.NOT_APPLICABLE, 6: RowStatus.NOT_APPLICABLE,
                      7: RowStatus.NOT_APPLICABLE}
    assert a.verdict() == "no P0 or P1 findings; row 1 not fully assessed"


def test_other_ci_and_errors_are_part_of_the_scope(tmp_path: Path) -> None:
    (tmp_path / ".gitlab-ci.yml").write_text("build:\n  script: make\n")
    (tmp_path / ".github/workflows").mkdir(parents=True)
    (tmp_path / ".github/workflows/broken.yml").write_text("on: [push]\njobs: {a: [\n")
    (tmp_path / ".github/workflows/ok.yml").write_text(
        "on: [push]\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make\n")
    (tmp_path / "package.json").write_text("{not json")
    a = assess(AssessOptions(root=tmp_path)).assessment
    assert a.scope.errors, "a broken workflow and a broken package.json are errors of the scope"
    assert {an for an, _ in a.scope.errors} >= {"scan", "targets"}
    assert a.scope.row(2).status is RowStatus.PARTLY
    assert a.scope.row(2).reasons[0] == "2 CI file(s) of the checkout"  # the pipeline and the readable workflow
    assert a.exit_code("none") == 4


def test_endpoint_only_when_asked(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    (home / ".aws/credentials").write_text(
        f"[default]\naws_access_key_id = {fake_token('aws-access-key-id', 1)}\n"
        f"aws_secret_access_key = {fake_token('aws-secret-access-key', 1)}\n")
    a = assess(AssessOptions(root=tmp_path / "home", endpoint=True, home=home, env={})).assessment
    assert a.scope.row(1).status is RowStatus.ASSESSED and "endpoint" in a.scope.analyses
    assert any(i.analysis == "endpoint" for i in a.findings)
    assert not any(i.analysis == "endpoint" for i in assess(AssessOptions(root=home)).assessment.findings)


def test_remote_credentials_never_recorded(tmp_path: Path) -> None:
    root = example_repo(tmp_path, remote="https://x-access-token:ghp_" + "A" * 36 + "@github.example.invalid/o/r.git")
    repo = read_repository(root)
    assert repo.remote == "https://github.example.invalid/o/r.git"
    assert "ghp_" not in json.dumps(repo.to_dict())
    assert clean_remote("git@github.example.invalid:o/r.git") == "github.example.invalid:o/r.git"
    assert identity_of("git@github.example.invalid:O/r.git", root) == identity_of(
        "https://github.example.invalid/o/r", root)
    sub = root / ".github"
    assert read_repository(sub).identity == repo.identity + "#.github"


def test_hostile_manifests_are_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside.json"
    outside.write_text(json.dumps({"name": "secret-package", "version": "1.0.0"}))
    root = tmp_path / "repo"
    (root / "packages/link").mkdir(parents=True)
    (root / "packages/deep").mkdir(parents=True)
    write_json(root / "package.json", {"name": "mono", "private": True, "workspaces": ["packages/*", "../*"]})
    (root / "packages/link/package.json").symlink_to(outside)
    (root / "packages/deep/package.json").write_text('{"name": "deep", "x": ' + "[" * 5000 + "]" * 5000 + "}")
    targets = find_targets(root)
    assert targets.packages == []
    assert {path for path, _ in targets.problems} == {"packages/link/package.json", "packages/deep/package.json"}
