"""Yarn Plug'n'Play loaders (.pnp.cjs): their embedded package list is read as data, never run."""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path

import pytest
from depsdata import LOCKFILES
from hypothesis import given, settings
from hypothesis import strategies as st

from shipwarden.deps import pnp_cjs
from shipwarden.deps.model import LockfileError, SourceKind
from shipwarden.deps.scan import scan_deps


def _app(tmp_path: Path, *files: Path) -> Path:
    app = tmp_path / "app"
    app.mkdir()
    for f in files:
        shutil.copy(f, app / f.name)
    return app


@pytest.mark.parametrize("fixture", ["yarn-pnp-v3", "yarn-pnp-v4"])
def test_runtime_state_is_read_in_both_loader_shapes(fixture: str) -> None:
    lock = pnp_cjs.parse((LOCKFILES / fixture / ".pnp.cjs").read_text(), ".pnp.cjs")
    got = {(d.name, d.version, d.source.kind) for d in lock.dependencies}
    assert ("esbuild", "0.25.0", SourceKind.REGISTRY) in got
    assert not any(name == "fixture-app" for name, _, _ in got)  # the workspace is the project itself
    if fixture == "yarn-pnp-v3":
        # a virtual: copy of lodash is the same package; the git dependency keeps its source
        assert sorted(n for n, _, _ in got) == ["@tanstack/setup", "esbuild", "lodash"]
        assert ("@tanstack/setup", "", SourceKind.GIT) in got
    else:
        assert ("resolve", "1.22.8", SourceKind.REGISTRY) in got


def test_a_loader_alone_is_the_inventory_and_says_what_it_does_not_record(tmp_path: Path) -> None:
    app = _app(tmp_path, LOCKFILES / "yarn-pnp-v4" / ".pnp.cjs")
    result = scan_deps(app)
    (c,) = result.report.coverage
    assert (c.path, c.format, c.total, c.unknown) == (".pnp.cjs", "yarn-pnp", 3, 3)
    assert "not their install scripts" in c.reason and "--fetch" in c.resolve
    assert result.report.errors == []


def test_a_loader_beside_yarn_lock_is_a_cross_check(tmp_path: Path) -> None:
    app = _app(tmp_path, LOCKFILES / "yarn-berry" / "yarn.lock", LOCKFILES / "yarn-pnp-v3" / ".pnp.cjs")
    (c,) = scan_deps(app).report.coverage
    assert c.path == "yarn.lock"
    assert ".pnp.cjs read: its 3 package(s) all listed here" in c.format


def test_a_loader_that_resolves_what_yarn_lock_does_not_list_is_reported(tmp_path: Path) -> None:
    # left-pad is in the v4 loader, not in the yarn.lock fixture
    app = _app(tmp_path, LOCKFILES / "yarn-berry" / "yarn.lock", LOCKFILES / "yarn-pnp-v4" / ".pnp.cjs")
    cov = {c.path: c for c in scan_deps(app).report.coverage}
    assert "resolves 1 package(s) not listed here" in cov["yarn.lock"].format
    assert (cov[".pnp.cjs"].total, cov[".pnp.cjs"].unknown) == (1, 1)


def test_a_loader_without_runtime_state_is_a_per_file_error(tmp_path: Path) -> None:
    app = tmp_path / "app"
    app.mkdir()
    (app / ".pnp.cjs").write_text("#!/usr/bin/env node\nrequire('child_process').execSync('id');\n")
    result = scan_deps(app)
    assert [e.kind for e in result.report.errors] == ["pnp"]
    assert [c.format for c in result.report.coverage] == ["unread"]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="'\\\n{}[]\",: abc", max_size=200))
def test_the_reader_never_fails_other_than_with_a_lockfile_error(body: str) -> None:
    for text in (f"const RAW_RUNTIME_STATE =\n'{body}", f"hydrateRuntimeState(JSON.parse('{body}"):
        with contextlib.suppress(LockfileError):
            pnp_cjs.parse(text, ".pnp.cjs")


def test_a_loader_checked_out_with_crlf_line_ends_reads_the_same() -> None:
    text = (LOCKFILES / "yarn-pnp-v4" / ".pnp.cjs").read_text()
    lf = pnp_cjs.parse(text, ".pnp.cjs")
    crlf = pnp_cjs.parse(text.replace("\n", "\r\n"), ".pnp.cjs")
    assert [(d.name, d.version) for d in crlf.dependencies] == [(d.name, d.version) for d in lf.dependencies]
