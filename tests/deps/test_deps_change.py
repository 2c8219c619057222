"""The reviewed set (--write-allowlist) and --against GIT_REF: the axios and TanStack signals."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from depsdata import PROJECTS

from shipwarden.deps.allowlist import load_allowlist, render_allowlist
from shipwarden.deps.scan import DepsOptions, scan_deps


def write_allowlist(root: Path) -> Path:
    result = scan_deps(root)
    path = root / "reviewed.toml"
    path.write_text(render_allowlist((r.hook for r in result.hooks), result.dependencies))
    return path


def change_rules(root: Path, allowlist: Path) -> dict[str, set[str]]:
    result = scan_deps(root, DepsOptions(allowlist=load_allowlist(allowlist)))
    out: dict[str, set[str]] = {}
    for f in result.report.findings:
        if f.rule_id in ("deps-new-install-script", "deps-changed-install-script", "deps-first-install-script", "deps-new-source"):
            out.setdefault(f.rule_id, set()).add(str(f.properties.get("package")))
    return out


def test_reviewed_set_round_trips(npm_app: Path) -> None:
    path = write_allowlist(npm_app)
    allow = load_allowlist(path)
    assert {h.package for h in allow.hooks} >= {"esbuild", "crypto-helper-fixture", "@tanstack/setup"}
    assert "lodash" in allow.known["npm"]
    assert [s.package for s in allow.sources] == ["@tanstack/setup"]
    assert change_rules(npm_app, path) == {}


def test_changed_script_new_dependency_first_script_and_new_source(npm_app: Path) -> None:
    path = write_allowlist(npm_app)
    # esbuild's install.js changes (same name, new content)
    install = npm_app / "node_modules/esbuild/install.js"
    install.write_text(install.read_text() + "\n// changed\n")
    # lodash, reviewed without scripts, gains a postinstall (first-ever install script)
    manifest = npm_app / "node_modules/lodash/package.json"
    data = json.loads(manifest.read_text())
    data["scripts"]["postinstall"] = "node setup.js"
    manifest.write_text(json.dumps(data))
    # a brand-new dependency whose only purpose is its hook (axios / plain-crypto-js shape)
    new = npm_app / "node_modules/brand-new-helper"
    new.mkdir()
    (new / "package.json").write_text('{"name": "brand-new-helper", "version": "4.2.1", "scripts": {"postinstall": "node setup.js"}}')
    # the git dependency now points at another commit
    lock = npm_app / "package-lock.json"
    lock.write_text(lock.read_text().replace("79ac49eedf774dd4b0cfa308722bc463cfe5885c", "0000000000000000000000000000000000000001"))
    got = change_rules(npm_app, path)
    assert got == {
        "deps-changed-install-script": {"esbuild"},
        "deps-first-install-script": {"lodash"},
        "deps-new-install-script": {"brand-new-helper"},
        "deps-new-source": {"@tanstack/setup"},
    }


def test_allowlist_errors(tmp_path: Path) -> None:
    from shipwarden.deps.allowlist import AllowlistError

    bad = tmp_path / "a.toml"
    bad.write_text("version = 9\n")
    with pytest.raises(AllowlistError):
        load_allowlist(bad)
    bad.write_text("[[hook]]\npackage = 'x'\n")
    with pytest.raises(AllowlistError):
        load_allowlist(bad)
    bad.write_text("not toml = = =")
    with pytest.raises(AllowlistError):
        load_allowlist(bad)


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false",
                    *args], cwd=cwd, check=True, capture_output=True)


@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
def test_against_git_ref(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    lock_v1 = {
        "name": "app", "lockfileVersion": 3,
        "packages": {
            "": {"name": "app"},
            "node_modules/esbuild": {"version": "0.24.0", "resolved": "https://registry.example.invalid/esbuild/-/esbuild-0.24.0.tgz", "hasInstallScript": True},
            "node_modules/axios": {"version": "1.14.0", "resolved": "https://registry.example.invalid/axios/-/axios-1.14.0.tgz"},
            "node_modules/@tanstack/history": {"version": "1.0.0", "resolved": "https://registry.example.invalid/@tanstack/history/-/history-1.0.0.tgz"},
        },
    }
    (repo / "package-lock.json").write_text(json.dumps(lock_v1, indent=2))
    _git(repo, "add", "package-lock.json")
    _git(repo, "commit", "-q", "-m", "base")
    lock_v2 = json.loads(json.dumps(lock_v1))
    lock_v2["packages"]["node_modules/esbuild"]["version"] = "0.25.0"
    lock_v2["packages"]["node_modules/axios"]["hasInstallScript"] = True
    lock_v2["packages"]["node_modules/plain-crypto-js"] = {
        "version": "4.2.1", "resolved": "https://registry.example.invalid/plain-crypto-js/-/plain-crypto-js-4.2.1.tgz",
        "hasInstallScript": True,
    }
    lock_v2["packages"]["node_modules/@tanstack/setup"] = {
        "version": "0.0.0", "resolved": "git+ssh://git@github.com/tanstack/router.git#79ac49eedf774dd4b0cfa308722bc463cfe5885c",
        "hasInstallScript": True, "optional": True,
    }
    (repo / "package-lock.json").write_text(json.dumps(lock_v2, indent=2))
    result = scan_deps(repo, DepsOptions(against="HEAD"))
    assert result.report.errors == []
    got = {(f.rule_id, f.properties.get("package")) for f in result.report.findings if f.rule_id.startswith(("deps-new", "deps-first"))}
    assert got == {
        ("deps-new-install-script", "plain-crypto-js"),
        ("deps-new-install-script", "@tanstack/setup"),
        ("deps-first-install-script", "axios"),
        ("deps-new-source", "@tanstack/setup"),
    }
    bad = scan_deps(repo, DepsOptions(against="no-such-ref"))
    assert bad.report.errors and bad.report.errors[0].kind == "git"


def test_against_outside_git(tmp_path: Path) -> None:
    shutil.copytree(PROJECTS / "npm-app", tmp_path / "app")
    result = scan_deps(tmp_path / "app", DepsOptions(against="HEAD~1"))
    assert any(e.kind == "git" for e in result.report.errors)


def test_digest_is_independent_of_location_and_version() -> None:
    from shipwarden.core.findings import Location
    from shipwarden.deps.model import Ecosystem, HookKind, InstallHook

    def make(package_dir: str, version: str, files: dict[str, str]) -> InstallHook:
        hook = InstallHook(Ecosystem.NPM, "x", version, HookKind.NPM_SCRIPT, "postinstall", "node a.js",
                           Location("p"), package_dir=package_dir)
        hook.file_hashes = files
        return hook

    a = make("node_modules/x", "1.0.0", {"node_modules/x/a.js": "h1"})
    b = make("sub/node_modules/x", "1.0.1", {"sub/node_modules/x/a.js": "h1"})
    c = make("", "1.0.2", {"x@1.0.2.tgz!a.js": "h1"})
    d = make("node_modules/x", "1.0.0", {"node_modules/x/a.js": "h2"})
    assert a.digest == b.digest == c.digest != d.digest
