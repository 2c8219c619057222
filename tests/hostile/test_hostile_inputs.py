"""Issue 10, classes 2, 3, 4, 5 and 8: each hostile input has one specific safe outcome.

Every case runs the real CLI in a child process (a regression that reads
``/dev/zero`` or a 510 MiB header then fails on its address-space cap instead
of eating the machine; one that blocks on a FIFO is killed by a generous hang
guard, which is not a timing assertion). Inputs are built by ``hostile_corpus.py``.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hostile_corpus as corpus
import pytest

from shipwarden.core.findings import Tier
from shipwarden.core.safeio import OUTSIDE_NOTE
from shipwarden.packaging.inspect import InspectOptions, inspect_artifact
from shipwarden.packaging.model import Artifact, ArtifactKind, DiskEntry

#: Address space of a child; a regression on a memory-heavy case exceeds it.
CAP_MIB = 768
#: Kills a child that blocks (a FIFO opened for reading); never reached when reads are non-blocking.
HANG_GUARD_SECONDS = 300
IN_CI = os.environ.get("CI") == "true"

FIFO_NOTE = "a FIFO (named pipe), not a regular file; not read"
DEEP_NOTE = "nests deeper than 200 levels; not parsed"


@dataclass
class Run:
    code: int
    doc: dict[str, Any]
    out: str
    err: str

    @property
    def rules(self) -> set[str]:
        return {str(f["rule"]) for f in self.doc.get("findings", [])}

    def p0(self) -> set[str]:
        """Rules of the P0 findings, and ``attack-path`` for a P0 that tells a path (its own or folded)."""
        p0 = [f for f in self.doc.get("findings", []) if f["tier"] == Tier.P0.value]
        return {str(f["rule"]) for f in p0} | {"attack-path" for f in p0 if f.get("hops")}

    def errors(self) -> list[dict[str, Any]]:
        return list(self.doc.get("errors", []))

    def messages(self) -> str:
        return "\n".join(f"{e['path']}: {e['message']}" for e in self.errors())


def _cap() -> None:
    cap = CAP_MIB * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


def run(argv: list[str], cwd: Path, fmt: str = "json", *, capped: bool = True) -> Run:
    cmd = [sys.executable, "-m", "shipwarden", *argv, "--format", fmt, "--fail-on", "P1"]
    env = {**os.environ, "NO_COLOR": "1"}
    proc = subprocess.run(  # noqa: S603 - our own CLI
        cmd, cwd=cwd, capture_output=True, text=True, preexec_fn=_cap if capped else None, timeout=HANG_GUARD_SECONDS, env=env, check=False
    )
    try:
        doc = json.loads(proc.stdout) if fmt == "json" and proc.stdout.strip() else {}
    except ValueError:
        doc = {}
    return Run(proc.returncode, doc, proc.stdout, proc.stderr)


def build(name: str, tmp_path: Path) -> tuple[list[str], Path]:
    base = tmp_path / name
    return corpus.build(name, base), base


# --------------------------------------------------------------------------- class 2


@pytest.mark.parametrize("name", ["deps-r-absolute", "deps-r-dotdot", "deps-r-symlink-out", "deps-lockfile-symlink-out"])
def test_class2_files_outside_the_root_are_not_read(name: str, tmp_path: Path) -> None:
    argv, base = build(name, tmp_path)
    r = run(argv, base)
    assert r.code & 4, r.err
    assert OUTSIDE_NOTE in r.messages()
    assert corpus.OUTSIDE_MARKER not in r.out + r.err
    # the project's own requirement is still inventoried
    assert r.doc["stats"]["dependencies"] >= 1


def test_class2_gate_never_reads_a_link_out_of_the_package(tmp_path: Path) -> None:
    argv, base = build("gate-symlink-out", tmp_path)
    r = run(argv, base)
    assert corpus.OUTSIDE_MARKER not in r.out + r.err
    assert r.code in (0, 4)


# --------------------------------------------------------------------------- class 3


@pytest.mark.parametrize("name", ["deps-lockfile-devzero", "deps-r-devzero", "deps-manifest-devzero"])
def test_class3_dev_zero_costs_nothing(name: str, tmp_path: Path) -> None:
    argv, base = build(name, tmp_path)
    r = run(argv, base)
    assert r.code & 4, r.err
    assert OUTSIDE_NOTE in r.messages()  # a link to /dev/zero leaves the root
    if name == "deps-manifest-devzero":
        assert "deps-download-exec" in r.rules  # the other package's postinstall is still judged


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can create a device node")
def test_class3_a_device_inside_the_root_is_not_read(tmp_path: Path) -> None:
    argv, base = build("deps-lockfile-device-inside", tmp_path)
    r = run(argv, base)
    assert r.code & 4
    assert "a character device, not a regular file; not read" in r.messages()


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("scan-fifo-workflow", ".github/workflows/fifo.yml"),
        ("scan-fifo-action", ".github/actions/x/action.yml"),
        ("deps-fifo-lockfile", "package-lock.json"),
    ],
)
def test_class3_a_fifo_is_a_note_not_a_hang(name: str, path: str, tmp_path: Path) -> None:
    argv, base = build(name, tmp_path)
    r = run(argv, base)
    assert r.code & 4
    assert {e["path"]: e["message"] for e in r.errors()}[path] == FIFO_NOTE
    if argv[0] == "scan":
        assert r.p0() >= corpus.P0_RULES


def test_class3_a_fifo_package_json_leaves_the_scan_whole(tmp_path: Path) -> None:
    argv, base = build("scan-fifo-package-json", tmp_path)
    r = run(argv, base)
    assert r.p0() >= corpus.P0_RULES


def test_class3_requirements_includes_are_read_once(tmp_path: Path) -> None:
    argv, base = build("deps-requirements-fanout", tmp_path)
    (base / "root" / "requirements.txt").write_text(
        "".join("-r requirements.txt\n" for _ in range(10)) + "-r reqs/a.txt\nrequests==2.0\n"
    )
    r = run(argv, base)
    assert r.code == 0, r.err
    assert r.errors() == []
    # requirements.txt: requests, six, idna (each once however often it is named);
    # reqs/a.txt and reqs/b.txt are requirements files of their own: six and idna each
    assert (r.doc["stats"]["lockfiles"], r.doc["stats"]["dependencies"]) == (3, 7)


# --------------------------------------------------------------------------- class 4


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("deps-deep-npm-lock", "package-lock.json"),
        ("deps-deep-bun-lock", "bun.lock"),
        ("deps-deep-pnpm-lock", "pnpm-lock.yaml"),
        ("deps-deep-poetry-lock", "poetry.lock"),
        ("deps-deep-uv-lock", "uv.lock"),
        ("deps-deep-pylock", "pylock.toml"),
        ("deps-deep-installed-manifest", "node_modules/deep/package.json"),
    ],
)
def test_class4_deep_structured_files_are_a_note(name: str, path: str, tmp_path: Path) -> None:
    argv, base = build(name, tmp_path)
    r = run(argv, base)
    assert r.code in (4, 5), r.err  # never 1 from a crash, never 139
    errors = {e["path"]: e for e in r.errors()}
    assert errors[path]["kind"] == "too-deep"
    assert DEEP_NOTE in errors[path]["message"]
    if name == "deps-deep-installed-manifest":
        assert "deps-download-exec" in r.rules
    else:
        assert r.doc["stats"]["dependencies"] >= 1  # requirements.txt beside it is still read


def test_class4_a_deep_hidden_lockfile_keeps_the_installed_tree(tmp_path: Path) -> None:
    argv, base = build("deps-deep-hidden-lockfile", tmp_path)
    r = run(argv, base)
    assert r.code == 1, r.err  # the postinstall finding, no crash
    assert "deps-download-exec" in r.rules


@pytest.mark.parametrize("name", ["scan-deep-root-package-json", "scan-deep-if-literal"])
def test_class4_deep_input_never_removes_workflow_p0s(name: str, tmp_path: Path) -> None:
    argv, base = build(name, tmp_path)
    r = run(argv, base)
    assert r.code == 1, r.messages()  # the P0s, and no rule failed
    assert r.errors() == []
    assert corpus.P0_RULES | {"attack-path"} <= r.p0()
    if name == "scan-deep-if-literal":
        p0_paths = {(f["rule"], f["locations"][0]["path"]) for f in r.doc["findings"] if f["tier"] == "P0"}
        for rule in ("pwn-request", "template-injection"):
            assert (rule, ".github/workflows/deep-if.yml") in p0_paths
        assert any(f.get("hops") and f["locations"][0]["path"] == ".github/workflows/deep-if.yml"
                   for f in r.doc["findings"] if f["tier"] == "P0")


def test_class4_deep_config_is_a_configuration_error(tmp_path: Path) -> None:
    argv, base = build("scan-deep-config", tmp_path)
    r = run(argv, base)
    assert r.code == 2
    assert DEEP_NOTE in r.err
    assert "RecursionError" not in r.err


@pytest.mark.parametrize("name", ["gate-deep-jwt", "gate-deep-package-json"])
def test_class4_gate_keeps_the_secret_beside_deep_input(name: str, tmp_path: Path) -> None:
    argv, base = build(name, tmp_path)
    r = run(argv, base)
    assert r.code & 1
    secrets = [f for f in r.doc["findings"] if f["locations"][0]["path"] == "z.env" and f["tier"] == "P0"]
    assert secrets, r.doc["findings"]
    if name == "gate-deep-package-json":
        assert "no readable package.json" in r.messages()


# --------------------------------------------------------------------------- class 5


@pytest.mark.parametrize(("kind", "what"), [("pax", "pax header"), ("gnu", "GNU long-name header")])
def test_class5_archive_headers_are_bounded_before_reading(kind: str, what: str, tmp_path: Path) -> None:
    # 300 MiB claimed, compressible about 150:1 (under the ratio guard): reading
    # the header body would need more than the child's address-space cap.
    path = tmp_path / "pkg.tgz"
    path.write_bytes(corpus._tgz_with_header(kind, 300 * 1024 * 1024, level=1))
    r = run(["gate", str(path)], tmp_path)
    assert r.code == 5, r.err
    assert f"{what} claims 314,572,800 bytes (limit 1,048,576); not read" in r.messages()
    assert "gate-unsafe-archive" in r.rules


# --------------------------------------------------------------------------- class 8


def test_class8_one_unreadable_file_does_not_end_the_review(tmp_path: Path) -> None:
    argv, base = build("gate-unreadable-then-secret", tmp_path)
    r = run(argv, base)
    assert any(f["locations"][0]["path"] == "z.env" and f["tier"] == "P0" for f in r.doc["findings"])

    # A packlist that names a file which is no longer readable (here a FIFO): a
    # note on that file, and the files after it are still reviewed.
    pkg = base / "pkg"
    entries = [DiskEntry("c-fifo.js", 0, 0o644, pkg / "c-fifo.js", pkg), DiskEntry("z.env", 1, 0o644, pkg / "z.env", pkg)]
    artifact = Artifact(ArtifactKind.NPM_DIR, ".", "", lambda: iter(entries), source_dir=pkg)
    result = inspect_artifact(artifact, InspectOptions())
    assert [(e.path, e.message) for e in result.errors if e.path != "package.json"] == [("c-fifo.js", FIFO_NOTE)]
    assert any(f.primary.path == "z.env" and f.tier is Tier.P0 for f in result.findings)


def test_class8_many_identical_never_ship_files_are_grouped(tmp_path: Path) -> None:
    base = tmp_path / "wheel"
    base.mkdir()
    argv = corpus._many_env(base, count=2_000)
    r = run(argv, base)
    assert r.code == 1
    never = [f for f in r.doc["findings"] if f["rule"] == "gate-never-ship"]
    assert len(never) == 21
    folded = [f for f in never if f["properties"].get("count")]
    assert len(folded) == 1 and folded[0]["properties"]["count"] == 1_980
    assert folded[0]["message"].startswith("1,980 more files of the same kind would be published")


def test_class8_a_fifo_in_git_config_costs_no_timeout_and_keeps_the_root(tmp_path: Path) -> None:
    if shutil.which("git") is None:
        if IN_CI:
            pytest.fail("git is required in CI")
        pytest.skip("git is not installed")
    argv, base = build("scan-git-include-fifo", tmp_path)
    r = run(argv, base)
    assert r.code == 5
    assert "git configuration fifo: a FIFO (named pipe), not a regular file; not read" in r.messages()
    assert r.p0() >= corpus.P0_RULES


def test_class8_npm_pack_ignores_a_project_npmrc_logs_dir(tmp_path: Path) -> None:
    if shutil.which("npm") is None:
        if IN_CI:
            pytest.fail("npm is required in CI")
        pytest.skip("npm is not installed")
    argv, base = build("gate-npmrc-logs-dir", tmp_path)
    r = run(argv, base, capped=False)  # node reserves more address space than the cap
    assert r.code == 0, r.err
    assert "npm pack --dry-run" in r.err  # npm's own packlist was used
    assert not (base / "hostile-logs").exists()
    assert not (base / "hostile-cache").exists()


@pytest.mark.parametrize("command", ["scan", "paths", "deps", "gate", "endpoint"])
def test_class8_a_missing_path_is_exit_2_in_every_command(command: str, tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    r = run([command, str(missing)], tmp_path)
    assert r.code == 2
    assert f"{missing}: no such" in r.err
    assert "~" not in r.err


@pytest.mark.parametrize("command", ["deps", "gate", "endpoint"])
def test_class8_an_unusable_path_is_exit_2(command: str, tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    r = run([command, str(fifo)], tmp_path)
    assert r.code == 2
    assert f"{fifo}: not a regular file or a directory" in r.err


def test_class8_an_empty_directory_is_named(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    deps = run(["deps", str(empty)], tmp_path)
    assert deps.code == 0
    assert "nothing to judge here" in deps.err
    gate = run(["gate", str(empty)], tmp_path)
    assert gate.code == 4
    assert "nothing to review" in gate.messages()
