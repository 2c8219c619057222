"""The built wheel works outside the checkout: rule pages included, SARIF help filled.

The wheel is built without isolation (the development venv's setuptools, no
network). Installing it needs the runtime dependencies from
``requirements-runtime.lock`` (hash-checked): outside CI only from what pip can
reach offline (``--no-index`` with the configured ``--find-links``), skipped with
the reason when that is not enough; with ``CI=true`` from the package index too,
and a failure fails.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from shipwarden import __version__

ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "examples" / "vulnerable-release"
IN_CI = os.environ.get("CI") == "true"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(out), str(ROOT)],
        check=True, capture_output=True, text=True,
    )
    (built,) = out.glob("shipwarden-*.whl")
    return built


def test_wheel_carries_every_rule_page(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    pages = {f"shipwarden/rule_docs/{p.name}" for p in (ROOT / "docs" / "rules").glob("*.md")}
    assert pages and pages <= names, sorted(pages - names)[:5]


def test_wheel_carries_every_table_and_the_typing_marker(wheel: Path) -> None:
    """Knowledge lives in data tables (``**/data/*.toml|json``): an installed wheel reads the same
    ones; ``py.typed`` tells type checkers that the library API is typed."""
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    src = ROOT / "src"
    tables = {p.relative_to(src).as_posix() for ext in ("toml", "json") for p in src.glob(f"shipwarden/**/data/*.{ext}")}
    assert "shipwarden/packaging/data/material.toml" in tables
    assert tables <= names, sorted(tables - names)[:5]
    assert "shipwarden/py.typed" in names


@pytest.mark.network
def test_installed_wheel_scans_from_another_directory(wheel: Path, tmp_path: Path) -> None:
    offline = [] if IN_CI else ["--no-index"]
    lock = ["--require-hashes", "--no-deps", "-r", str(ROOT / "requirements-runtime.lock")]
    if not IN_CI:  # a quick look before building a venv for nothing
        probe = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--dry-run", "--ignore-installed",
                                *offline, *lock], capture_output=True, text=True)
        if probe.returncode != 0:
            pytest.skip("the runtime dependencies are not available offline (no --find-links with them); runs in CI")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    deps = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-compile", *offline, *lock],
        capture_output=True, text=True,
    )
    if deps.returncode != 0:
        if IN_CI:
            pytest.fail(deps.stderr[-2000:])
        pytest.skip("the runtime dependencies are not available offline (no --find-links with them); runs in CI")
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-compile", "--no-deps", str(wheel)],
                   check=True, capture_output=True, text=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    exe = env_dir / "bin" / "shipwarden"
    version = subprocess.run([str(exe), "--version"], cwd=elsewhere, capture_output=True, text=True, check=True)
    assert version.stdout.strip() == f"shipwarden {__version__}"
    done = subprocess.run([str(exe), "scan", str(EXAMPLE), "--format", "sarif", "--fail-on", "none"],
                          cwd=elsewhere, capture_output=True, text=True, env={**os.environ, "PYTHONSAFEPATH": "1"})
    assert done.returncode == 0, done.stderr[-2000:]
    sarif = json.loads(done.stdout)
    driver = sarif["runs"][0]["tool"]["driver"]
    # the library API of the installed package gives the command line's findings
    code = ("import sys; from pathlib import Path; from shipwarden import api; "
            "print(len(api.scan(api.ScanOptions(roots=(Path(sys.argv[1]),))).findings))")
    library = subprocess.run([str(python), "-c", code, str(EXAMPLE)], cwd=elsewhere, capture_output=True, text=True,
                             env={**os.environ, "PYTHONSAFEPATH": "1"})
    assert library.returncode == 0, library.stderr[-2000:]
    assert int(library.stdout) == len(sarif["runs"][0]["results"])
    assert driver["rules"]
    for rule in driver["rules"]:
        page = (ROOT / "docs" / "rules" / f"{rule['id']}.md").read_text(encoding="utf-8")
        assert rule["help"]["markdown"] == page, rule["id"]
        assert "helpUri" not in rule  # no docs-url and no Rules project URL: no made-up link
