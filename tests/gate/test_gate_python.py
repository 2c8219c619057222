"""Wheels and sdists: .pth start-up hooks, setup.py, direct references, and a hatchling sdist with .env."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import gatefixtures as gf
import pytest
from gatehelpers import gate, rules_of


def test_wheel_pth_exec_base64_is_p0(tmp_path: Path) -> None:
    result = gate(gf.malicious_pth_wheel(tmp_path))
    (finding,) = result.report.findings
    assert finding.rule_id == "gate-pth-exec" and finding.tier.value == "P0" and finding.row == 4
    assert finding.primary.path == "fixture-1.0.0-py3-none-any.whl!/fixture_init.pth"
    assert finding.primary.line == 1 and "exec(" in finding.properties["suspicious"]
    assert result.results[0].summary is not None and result.results[0].summary.pth_files == ["fixture_init.pth"]


def test_wheel_with_path_only_pth_passes(tmp_path: Path) -> None:
    result = gate(gf.harmless_pth_wheel(tmp_path))
    assert result.report.findings == [] and result.report.errors == []


def test_plain_import_pth_is_p1_and_known_hooks_pass(tmp_path: Path) -> None:
    wheel = gf.wheel(tmp_path / "x-1.0-py3-none-any.whl", {"x_hook.pth": "import x_hook\n"})
    assert rules_of(gate(wheel)) == [("gate-pth-exec", "P1", "x-1.0-py3-none-any.whl!/x_hook.pth")]
    benign = (
        "import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == 'local'; "
        "enabled and __import__('_distutils_hack').add_shim(); \n"
    )
    wheel = gf.wheel(tmp_path / "setuptools-1.0-py3-none-any.whl", {"distutils-precedence.pth": benign})
    assert gate(wheel).report.findings == []
    # the same name with a different payload is not excused
    wheel = gf.wheel(
        tmp_path / "evil-1.0-py3-none-any.whl", {"distutils-precedence.pth": "import os; os.system('id')\n"}
    )
    assert rules_of(gate(wheel))[0][:2] == ("gate-pth-exec", "P0")
    # coverage's documented subprocess hook (shape of the real file, written here)
    hook = "import coverage; coverage.process_startup()\n"
    wheel = gf.wheel(tmp_path / "coverage-1.0-py3-none-any.whl", {"a1_coverage.pth": hook})
    assert gate(wheel).report.findings == []


def test_pth_inside_a_package_folder_is_not_a_startup_hook(tmp_path: Path) -> None:
    wheel = gf.wheel(tmp_path / "x-1.0-py3-none-any.whl", {"x/data.pth": "import os\n"})
    assert gate(wheel).report.findings == []


def test_direct_reference_and_native_code_in_pure_wheel(tmp_path: Path) -> None:
    wheel = gf.wheel(
        tmp_path / "x-1.0-py3-none-any.whl",
        {"x/_speedup.so": b"\x7fELF" + bytes(64)},
        requires=["requests>=2", "helper @ git+https://example.invalid/helper.git@abc123"],
    )
    got = {(f.rule_id, f.tier.value) for f in gate(wheel).report.findings}
    assert got == {("gate-non-registry-dependency", "P1"), ("gate-native-binary", "P1")}


def test_sdist_setup_py_and_env(tmp_path: Path) -> None:
    sdist = gf.sdist_tar(
        tmp_path / "fixture-1.0.0.tar.gz",
        {
            "setup.py": "import base64\nexec(base64.b64decode('cHJpbnQoMSk='))\n",
            ".env": "SECRET_KEY=1\n",
            "fixture/__init__.py": "",
        },
    )
    got = {(f.rule_id, f.tier.value, f.primary.path) for f in gate(sdist).report.findings}
    prefix = "fixture-1.0.0.tar.gz!/fixture-1.0.0/"
    assert got == {("gate-setup-py", "P1", prefix + "setup.py"), ("gate-never-ship", "P1", prefix + ".env")}


HATCH = importlib.util.find_spec("hatchling") is not None and importlib.util.find_spec("build") is not None


@pytest.mark.skipif(not HATCH, reason="hatchling and build are not installed (see the constructed-sdist test)")
def test_hatchling_sdist_picks_up_env_with_build(tmp_path: Path) -> None:
    """`gate --build` builds offline with hatchling; its sdist took the un-ignored .env."""
    project = gf.hatchling_project(tmp_path / "proj")
    result = gate(project, build=True)
    kinds = [r.artifact.kind.value for r in result.results]
    assert kinds == ["sdist", "wheel"], result.report.errors
    got = {(f.rule_id, f.tier.value, f.primary.path) for f in result.report.findings}
    assert ("gate-never-ship", "P1", ".env") in got  # reported at its path in the project
    assert ("gate-secret", "P0", ".env") in got
    assert gf.pypi_token() not in str([f.to_dict() for f in result.report.findings])


def test_hatchling_shaped_sdist_constructed(tmp_path: Path) -> None:
    """The same sdist layout built by hand (used where hatchling is not installed)."""
    sdist = gf.sdist_tar(
        tmp_path / "fixture-1.0.0.tar.gz",
        {
            "pyproject.toml": "[build-system]\nbuild-backend = 'hatchling.build'\n",
            "src/fixture/__init__.py": "",
            ".env": f"PYPI_TOKEN={gf.pypi_token()}\n",
        },
    )
    got = {(f.rule_id, f.tier.value) for f in gate(sdist).report.findings}
    assert got == {("gate-never-ship", "P1"), ("gate-secret", "P0")}
