"""Coverage statements: per lockfile, what runs at install as far as can be told, what is unknown, and how to see it."""

from __future__ import annotations

import argparse
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from depsdata import LOCKFILES
from jsonschema import Draft202012Validator
from localregistry import LocalRegistry, integrity, tgz

from shipwarden.commands import deps
from shipwarden.core.findings import Coverage
from shipwarden.deps.fetch import RegistryFetcher
from shipwarden.deps.scan import DepsOptions, scan_deps
from shipwarden.registry import RegistryClient
from shipwarden.reporting.json_report import report_schema


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="shipwarden deps")
    deps.add_arguments(parser)
    code = deps.run(parser.parse_args(argv))
    out, err = capsys.readouterr()
    return code, out, err


def project(tmp_path: Path, fixture: str) -> Path:
    dest = tmp_path / "app"
    dest.mkdir()
    src = LOCKFILES / fixture
    shutil.copy(src, dest / src.name)
    return dest


def coverage(root: Path, **kw: object) -> Coverage:
    result = scan_deps(root, DepsOptions(**kw))  # type: ignore[arg-type]
    assert len(result.report.coverage) == 1
    return result.report.coverage[0]


@pytest.mark.parametrize(
    ("fixture", "total", "found", "unknown", "manager_command"),
    [
        # lockfile 9.0 records no build flag: every package is unknown
        ("pnpm-v9/pnpm-lock.yaml", 4, 0, 4, "pnpm install --frozen-lockfile --ignore-scripts"),
        ("pnpm-v11/pnpm-lock.yaml", 5, 0, 5, "pnpm install --frozen-lockfile --ignore-scripts"),
        ("yarn-v1/yarn.lock", None, 0, None, "yarn install --frozen-lockfile --ignore-scripts"),
        ("yarn-berry/yarn.lock", None, 0, None, "yarn install --immutable --mode=skip-build"),
        ("bun/bun.lock", None, 0, None, "bun install --frozen-lockfile --ignore-scripts"),
        ("npm-v1/package-lock.json", None, 0, None, "npm ci --ignore-scripts"),
    ],
)
def test_formats_without_a_script_flag_say_so(
    tmp_path: Path, fixture: str, total: int | None, found: int, unknown: int | None, manager_command: str
) -> None:
    c = coverage(project(tmp_path, fixture), root_arg="app")
    assert c.found == found
    assert c.unknown > 0 and c.unknown == (unknown if unknown is not None else c.unknown)
    if total is not None:
        assert c.total == total
    assert "records no" in c.reason
    assert "shipwarden deps app --fetch" in c.resolve
    assert manager_command in c.resolve


def test_npm_v3_records_scripts_only_git_prepare_is_unknown(tmp_path: Path) -> None:
    app = project(tmp_path, "npm-v3/package-lock.json")
    c = coverage(app)
    # esbuild and the git dependency @tanstack/setup carry hasInstallScript; nothing is unknown
    assert (c.total, c.found, c.unknown) == (5, 2, 0)
    assert not c.reason and not c.resolve
    # without the flag, a git dependency's prepare script is still unknown: no lockfile records it
    lock = json.loads((app / "package-lock.json").read_text())
    del lock["packages"]["node_modules/@tanstack/setup"]["hasInstallScript"]
    (app / "package-lock.json").write_text(json.dumps(lock))
    c = coverage(app)
    assert (c.found, c.unknown) == (1, 1)
    assert "git dependenc" in c.reason
    assert "--fetch" not in c.resolve  # --fetch reads registries, not git remotes
    assert "npm ci --ignore-scripts" in c.resolve


def test_none_found_only_when_nothing_is_unknown(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    app = project(tmp_path, "pnpm-v9/pnpm-lock.yaml")
    _, out, _ = run([str(app), "--no-color", "--fail-on", "none"], capsys)
    assert "none found" not in out
    assert "could not be checked" in out
    assert "pnpm install --frozen-lockfile --ignore-scripts" in out

    clean = tmp_path / "clean"
    clean.mkdir()
    (clean / "package-lock.json").write_text(json.dumps({"lockfileVersion": 3, "packages": {
        "": {"name": "clean"},
        "node_modules/plain": {"version": "1.0.0", "resolved": "https://registry.example.invalid/plain/-/plain-1.0.0.tgz"},
    }}))
    _, out, _ = run([str(clean), "--no-color"], capsys)
    assert "none found" in out
    assert "1 package(s): 0 run install-time code as far as can be told, none unknown" in out


def test_json_carries_coverage_and_validates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    app = project(tmp_path, "yarn-v1/yarn.lock")
    _, out, _ = run([str(app), "--format", "json", "--fail-on", "none"], capsys)
    data = json.loads(out)
    Draft202012Validator(report_schema()).validate(data)
    assert data["schema_version"] == "2.0"
    (entry,) = data["coverage"]
    assert entry["path"] == "yarn.lock"
    assert entry["subject"] == "install-time code" and entry["unit"] == "packages"
    assert entry["unknown"] > 0 and "--fetch" in entry["resolve"]
    assert data["stats"]["packages_unknown"] == entry["unknown"]


def _lockb(packages: int, size: int = 512) -> bytes:
    """A bun.lockb header in the shape of EDAMGHY/bun-api@05bb61985918ed7c0fe16f40ea1c0d220368ac02's (Bun
    format v2, 16 packages, 6,722 bytes): magic, u32 version, 32-byte meta hash, u64 end, u64 package count."""
    import struct

    head = b"#!/usr/bin/env bun\nbun-lockfile-format-v0\n" + struct.pack("<I32sQQ", 2, b"\x11" * 32, size, packages)
    return head + b"\0" * (size - len(head))


def test_bun_lockb_header_is_read_and_the_rest_said_precisely(tmp_path: Path) -> None:
    app = tmp_path / "app"
    app.mkdir()
    (app / "bun.lockb").write_bytes(_lockb(16))
    result = scan_deps(app, DepsOptions(root_arg="app"))
    (c,) = result.report.coverage
    assert (c.path, c.format, c.total, c.unknown) == ("bun.lockb", "unread", 16, 16)
    assert "format v2" in c.reason and "16 package(s)" in c.reason and "header only" in c.reason
    assert c.resolve.startswith("bun install --save-text-lockfile --frozen-lockfile --lockfile-only")
    assert c.resolve.endswith("shipwarden deps app")
    (app / "sub").mkdir()
    (app / "bun.lockb").rename(app / "sub" / "bun.lockb")
    (c,) = scan_deps(app, DepsOptions(root_arg="app")).report.coverage
    assert c.resolve.startswith("(cd app/sub && bun install --save-text-lockfile")
    assert [e.kind for e in result.report.errors] == ["unsupported"]


@pytest.mark.parametrize("data", [b"", b"not bun", b"#!/usr/bin/env bun\nbun-lockfile-format-v0\n\x02"])
def test_bun_lockb_that_is_not_one_is_still_a_gap(tmp_path: Path, data: bytes) -> None:
    app = tmp_path / "app"
    app.mkdir()
    (app / "bun.lockb").write_bytes(data)
    (c,) = scan_deps(app).report.coverage
    assert c.unknown == 1 and c.format == "unread"


# --------------------------------------------------------------------------- --fetch against a local server


@pytest.fixture()
def registry() -> Iterator[LocalRegistry]:
    with LocalRegistry() as reg:
        yield reg


def test_fetch_settles_the_unknowns(tmp_path: Path, registry: LocalRegistry) -> None:
    base, handler = registry.base, registry
    names = [f"pkg{i}" for i in range(24)]
    lock_lines = ["# yarn lockfile v1", ""]
    for i, name in enumerate(names):
        manifest: dict[str, object] = {"name": name, "version": "1.0.0"}
        files = None
        if i % 8 == 0:
            manifest["scripts"] = {"postinstall": "node build.js"}
            files = tgz({"package.json": json.dumps(manifest), "build.js": "console.log('built')\n"})
        dist: dict[str, str] = {"tarball": f"{base}{name}/-/{name}-1.0.0.tgz"}
        if files is not None:
            dist["integrity"] = integrity(files)
            handler.files[f"/{name}/-/{name}-1.0.0.tgz"] = files
        packument = {"name": name, "dist-tags": {"latest": "1.0.0"}, "versions": {"1.0.0": {**manifest, "dist": dist}}}
        handler.files[f"/{name}"] = json.dumps(packument).encode()
        if i % 2 == 0:  # a registry that serves one version's document; the others fall back to the packument
            handler.files[f"/{name}/1.0.0"] = json.dumps({**manifest, "dist": dist}).encode()
        lock_lines += [f"{name}@^1.0.0:", '  version "1.0.0"', f'  resolved "{base}{name}/-/{name}-1.0.0.tgz"', ""]
    app = tmp_path / "app"
    app.mkdir()
    (app / "yarn.lock").write_text("\n".join(lock_lines))

    def scan() -> tuple[Coverage, RegistryFetcher]:
        fetcher = RegistryFetcher(RegistryClient(cache_dir=tmp_path / "cache", npm_registry=base))
        result = scan_deps(app, DepsOptions(fetcher=fetcher, fetch_workers=4))
        assert fetcher.errors == []
        return result.report.coverage[0], fetcher

    cold, fetcher = scan()
    assert (cold.total, cold.found, cold.unknown) == (24, 3, 0)
    assert fetcher.looked_up == 24 and fetcher.fetched == 3
    cold_hits = len(handler.hits)
    # one version document per package (12 answered), a packument for the 12 others, one tarball per script
    assert cold_hits == 24 + 12 + 3
    assert sum(1 for h in handler.hits if h.count("/") == 1) == 12

    warm, _ = scan()
    assert (warm.found, warm.unknown) == (3, 0)
    assert len(handler.hits) == cold_hits  # versions and tarballs come from the cache


def test_registry_configuration_is_read_once_per_run(tmp_path: Path) -> None:
    """1,409 `npm config get registry` subprocesses were 228 of 278 s of a --fetch run (issue 12)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls"
    npm = bin_dir / "npm"
    npm.write_text(
        "#!/bin/sh\n"
        f"echo \"$@\" >> {calls}\n"
        "echo '{\"registry\": \"https://npm.example.invalid/\", \"@corp:registry\": \"https://corp.example.invalid/\"}'\n"
    )
    npm.chmod(0o755)
    client = RegistryClient(cache_dir=tmp_path / "cache", env={"PATH": str(bin_dir), "HOME": str(tmp_path)})
    names = [f"pkg{i}" for i in range(40)] + [f"@corp/p{i}" for i in range(20)] + [f"@s{i}/p" for i in range(20)]
    got = {name: client.npm_registry(name) for name in names}
    assert got["pkg3"] == "https://npm.example.invalid/"
    assert got["@corp/p1"] == "https://corp.example.invalid/"
    assert got["@s4/p"] == "https://npm.example.invalid/"
    assert calls.read_text().splitlines() == ["config list --json"]


def test_yarn_berry_unplugged_packages_are_read(tmp_path: Path) -> None:
    """Plug'n'Play keeps packages in zip archives and extracts the ones with build scripts to
    .yarn/unplugged/<name>-npm-<version>-<hash>/node_modules/<name> (layout of yarn 4's unplugged folder)."""
    app = project(tmp_path, "yarn-berry/yarn.lock")
    shutil.copy(LOCKFILES / "yarn-pnp-v3" / ".pnp.cjs", app / ".pnp.cjs")
    pkg = app / ".yarn" / "unplugged" / "esbuild-npm-0.25.0-3c0d1a2b4e" / "node_modules" / "esbuild"
    pkg.mkdir(parents=True)
    (pkg / "package.json").write_text(json.dumps({"name": "esbuild", "version": "0.25.0",
                                                  "scripts": {"postinstall": "node install.js"}}))
    (pkg / "install.js").write_text("console.log('ok')\n")
    result = scan_deps(app)
    (hook,) = [r.hook for r in result.hooks if r.hook.package == "esbuild"]
    assert hook.package_dir.startswith(".yarn/unplugged/esbuild-npm-0.25.0-")
    (c,) = result.report.coverage
    assert c.found == 1  # esbuild: read from its unplugged folder, matched to its yarn.lock entry
    assert c.unknown == c.total - 1


def test_registry_configuration_outside_a_project_npm_refuses(tmp_path: Path) -> None:
    """npm exits EBADDEVENGINES inside a project whose devEngines.packageManager is pnpm (pnpm/pnpm's own
    repository): the configuration is then read outside it, and the project's .npmrc here."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    project_dir = tmp_path / "proj"
    project_dir.mkdir()
    (project_dir / ".npmrc").write_text("@corp:registry=https://corp.example.invalid/\n")
    npm = bin_dir / "npm"
    npm.write_text(
        "#!/bin/sh\n"
        f'if [ "$(pwd)" = "{project_dir}" ]; then echo \'{{"error": {{"code": "EBADDEVENGINES"}}}}\'; exit 1; fi\n'
        "echo '{\"registry\": \"https://npm.example.invalid/\"}'\n"
    )
    npm.chmod(0o755)
    home = tmp_path / "home"
    home.mkdir()
    client = RegistryClient(cache_dir=tmp_path / "cache", cwd=project_dir, env={"PATH": str(bin_dir), "HOME": str(home)})
    assert client.npm_registry("left-pad") == "https://npm.example.invalid/"
    assert client.npm_registry("@corp/x") == "https://corp.example.invalid/"


def test_empty_pnpm_lockfile_is_no_packages(tmp_path: Path) -> None:
    app = tmp_path / "app"
    app.mkdir()
    (app / "pnpm-lock.yaml").write_text("")
    result = scan_deps(app)
    assert result.report.errors == []
    assert [(c.total, c.unknown) for c in result.report.coverage] == [(0, 0)]
