"""Project configuration that lets (or stops) dependencies run install scripts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shipwarden.deps.model import SourceKind
from shipwarden.deps.policy import Decision, read_policy

REG = SourceKind.REGISTRY


def write(root: Path, name: str, text: str) -> None:
    (root / name).write_text(text)


def test_npm_default_runs_everything(tmp_path: Path) -> None:
    write(tmp_path, "package.json", "{}")
    policy = read_policy(tmp_path, "", "npm")
    assert not policy.gated
    assert policy.decide("esbuild", "0.25.0", REG)[0] is Decision.RUNS


def test_npm_allow_scripts(tmp_path: Path) -> None:
    write(tmp_path, "package.json", json.dumps({"allowScripts": {"esbuild@0.25.0": True, "core-js": False}}))
    policy = read_policy(tmp_path, "", "npm")
    assert policy.gated
    assert policy.decide("esbuild", "0.25.0", REG)[0] is Decision.ALLOWED
    assert policy.decide("esbuild", "0.26.0", REG)[0] is Decision.RUNS  # pinned approval does not carry over
    assert policy.decide("core-js", "3.0.0", REG)[0] is Decision.BLOCKED
    decision, reason = policy.decide("new-dep", "1.0.0", REG)
    assert decision is Decision.RUNS and "npm 12" in reason


@pytest.mark.parametrize("rc", [".npmrc", ".yarnrc"])
def test_ignore_scripts(tmp_path: Path, rc: str) -> None:
    write(tmp_path, rc, "# comment\nignore-scripts = true\n" if rc == ".npmrc" else "ignore-scripts true\n")
    policy = read_policy(tmp_path, "", "npm" if rc == ".npmrc" else "yarn")
    assert policy.gated
    assert policy.decide("x", "1", REG) == (Decision.BLOCKED, f"ignore-scripts=true in {rc}")


def test_lavamoat_allow_scripts(tmp_path: Path) -> None:
    write(tmp_path, ".npmrc", "ignore-scripts=true\n")
    write(tmp_path, "package.json", json.dumps({"lavamoat": {"allowScripts": {"keccak": True, "a>core-js": False}}}))
    policy = read_policy(tmp_path, "", "npm")
    assert policy.decide("keccak", "3.0.0", REG)[0] is Decision.ALLOWED
    assert policy.decide("core-js", "3.0.0", REG)[0] is Decision.BLOCKED
    assert policy.decide("other", "1.0.0", REG)[0] is Decision.BLOCKED


def test_pnpm_settings(tmp_path: Path) -> None:
    policy = read_policy(tmp_path, "", "pnpm")
    assert policy.gated and policy.decide("esbuild", "1", REG)[0] is Decision.DEFAULT_BLOCKED
    write(tmp_path, "pnpm-workspace.yaml", "onlyBuiltDependencies:\n  - esbuild\n")
    policy = read_policy(tmp_path, "", "pnpm")
    assert policy.decide("esbuild", "1", REG)[0] is Decision.ALLOWED
    assert policy.decide("sharp", "1", REG)[0] is Decision.BLOCKED
    write(tmp_path, "pnpm-workspace.yaml", "allowBuilds:\n  esbuild: true\n  core-js: false\n")
    policy = read_policy(tmp_path, "", "pnpm")
    assert policy.decide("core-js", "1", REG)[0] is Decision.BLOCKED
    write(tmp_path, "pnpm-workspace.yaml", "dangerouslyAllowAllBuilds: true\n")
    policy = read_policy(tmp_path, "", "pnpm")
    assert not policy.gated and policy.decide("anything", "1", REG)[0] is Decision.RUNS
    write(tmp_path, "pnpm-workspace.yaml", "packages: []\n")
    write(tmp_path, "package.json", json.dumps({"pnpm": {"neverBuiltDependencies": ["fsevents"]}}))
    policy = read_policy(tmp_path, "", "pnpm")
    assert not policy.gated
    assert policy.decide("fsevents", "1", REG)[0] is Decision.BLOCKED
    assert policy.decide("other", "1", REG)[0] is Decision.RUNS


def test_bun_trusted_dependencies(tmp_path: Path) -> None:
    write(tmp_path, "package.json", json.dumps({"trustedDependencies": ["esbuild"]}))
    policy = read_policy(tmp_path, "", "bun")
    assert policy.decide("esbuild", "1", REG)[0] is Decision.ALLOWED
    assert policy.decide("sharp", "1", REG)[0] is Decision.DEFAULT_BLOCKED
    assert policy.decide("@tanstack/setup", "0.0.0", SourceKind.GIT)[0] is Decision.BLOCKED


def test_yarn_berry(tmp_path: Path) -> None:
    write(tmp_path, ".yarnrc.yml", "enableScripts: false\n")
    assert read_policy(tmp_path, "", "yarn-berry").decide("x", "1", REG)[0] is Decision.BLOCKED
    write(tmp_path, ".yarnrc.yml", "nodeLinker: node-modules\n")
    write(tmp_path, "package.json", json.dumps({"dependenciesMeta": {"fsevents@2.3.3": {"built": False}}}))
    policy = read_policy(tmp_path, "", "yarn-berry")
    assert policy.decide("fsevents", "2.3.3", REG)[0] is Decision.BLOCKED
    assert policy.decide("x", "1", REG)[0] is Decision.RUNS


def test_broken_config_files_are_ignored(tmp_path: Path) -> None:
    write(tmp_path, "package.json", "{oops")
    write(tmp_path, "pnpm-workspace.yaml", "a: [")
    write(tmp_path, ".yarnrc.yml", ": :")
    policy = read_policy(tmp_path, "", "pnpm")
    assert policy.decide("x", "1", REG)[0] is Decision.DEFAULT_BLOCKED
