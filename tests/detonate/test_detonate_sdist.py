"""Python sdists detonated the way ``pip install`` runs them: the build (setup.py / PEP 517 backend), the install
of the built wheel, the interpreter start-up.

The sdists are written at test time (never committed). Their build requirements (setuptools, wheel, pip, build)
come as wheels through the pip configuration of the machine running the tests; where that yields none, the tests
skip outside CI.
"""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest
from detonatetools import CI, PKG_INFO, STEALER, needs_sandbox, needs_strace

from shipwarden.detonate import DetonateOptions, DetonateResult, Profile, run_detonate
from shipwarden.sandbox import Limits

pytestmark = [needs_sandbox, needs_strace]

LIMITS = Limits(wall_seconds=180, cpu_seconds=180, memory_bytes=8 << 30, processes=512, output_bytes=96 << 20)

#: an in-tree PEP 517 backend whose build_wheel hook appends to ~/.bashrc, then builds normally
BACKEND = '''import os
from setuptools import build_meta as _orig
from setuptools.build_meta import *  # noqa: F401,F403


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    with open(os.path.expanduser("~/.bashrc"), "a") as fh:
        fh.write("python3 -m rc_payload &\\n")
    return _orig.build_wheel(wheel_directory, config_settings, metadata_directory)
'''

def write_tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def write_sdist(path: Path, top: str, files: dict[str, str]) -> Path:
    """A ``.tar.gz`` sdist with everything under ``top/``."""
    with tarfile.open(path, "w:gz") as tf:
        for rel, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{top}/{rel}")
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return path


def detonate(*targets: Path, profile: Profile = Profile.LAPTOP) -> DetonateResult:
    result = run_detonate(DetonateOptions([str(t) for t in targets], [profile], LIMITS, jobs=2, linger=1))
    unfetched = [e.message for e in result.report.errors if "as wheels" in e.message]
    if unfetched and not CI:
        pytest.skip(f"the build requirements are not available as wheels here: {unfetched[0][:200]}")
    assert not result.report.errors, [e.message for e in result.report.errors]
    return result


def findings(result: DetonateResult, package: str) -> dict[str, str]:
    return {f.rule_id: f.tier.value for f in result.report.findings if f.properties.get("package") == package}


def test_malicious_setup_py_and_build_backend_hook(tmp_path: Path) -> None:
    stealer = write_sdist(tmp_path / "pypirc-stealer-1.0.tar.gz", "pypirc-stealer-1.0", {
        "PKG-INFO": PKG_INFO.format(name="pypirc-stealer"), "setup.py": STEALER, "stealer.py": "x = 1\n"})
    hook = write_tree(tmp_path / "rc-hook-1.0", {
        "PKG-INFO": PKG_INFO.format(name="rc-hook"),
        "pyproject.toml": '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "backend"\nbackend-path = ["."]\n',
        "backend.py": BACKEND,
        "setup.py": 'from setuptools import setup\nsetup(name="rc-hook", version="1.0", py_modules=["rcmod"])\n',
        "rcmod.py": "x = 1\n",
    })
    result = detonate(stealer, hook)
    assert {o.package.name: o.statuses for o in result.observations} == {
        "pypirc-stealer": {"build": 0, "install": 0, "startup": 0}, "rc-hook": {"build": 0, "install": 0, "startup": 0}}

    got = findings(result, "pypirc-stealer@1.0")
    assert got["detonate-credential-read"] == "P1" and got["detonate-canary-sent"] == "P0"
    sent = next(f for f in result.report.findings if f.rule_id == "detonate-canary-sent")
    assert "~/.pypirc → upload.collector.example.invalid:80" in sent.message
    assert "static: deps-credential-theft" in sent.message  # deps read the same setup.py

    got = findings(result, "rc-hook@1.0")
    assert got == {"detonate-persistence": "P0"}, got
    rc = next(f for f in result.report.findings if f.rule_id == "detonate-persistence")
    assert "~/.bashrc" in rc.message and "build_wheel" in rc.message
