"""``deps --detonate`` on a Python project: the sdists its requirements build from source are fetched through the
index (an index on 127.0.0.1 answering from recorded responses: tests/deps/localregistry.py), checked against the
lock's hashes and detonated the way ``pip install`` builds them.

The sdists are written here at test time (never committed): one whose setup.py reads a bait credential and sends it
(P0), one benign C extension published as a ``.zip`` sdist with a legacy ``setup_requires`` (no finding). Their build
requirements (setuptools, wheel, pip, build, six) come as wheels through the pip configuration of the machine running
the tests; where that yields none, the test skips outside CI.
"""

from __future__ import annotations

import hashlib
import io
import sys
import zipfile
from pathlib import Path

import pytest
from detonatetools import CEXT, CI, PKG_INFO, STEALER, needs_sandbox, needs_strace

from shipwarden.deps.fetch import RegistryFetcher
from shipwarden.deps.scan import DepsOptions, scan_deps
from shipwarden.detonate import DetonateOptions, Profile, detonate_hooks
from shipwarden.registry import RegistryClient
from shipwarden.sandbox import Limits

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "deps"))
from localregistry import LocalRegistry, tgz  # noqa: E402

pytestmark = [needs_sandbox, needs_strace]

LIMITS = Limits(wall_seconds=180, cpu_seconds=180, memory_bytes=8 << 30, processes=512, output_bytes=96 << 20)


#: a legacy setup.py whose build step needs its setup_requires: present only when they were fetched beforehand
#: (setuptools downloads them itself during a legacy build, which the sandbox's network refuses)
FASTSUM_SETUP = """from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext


class BuildExt(build_ext):
    def run(self):
        import six  # noqa: F401
        super().run()


setup(name="sw-fastsum", version="1.0", setup_requires=["six"], cmdclass={"build_ext": BuildExt},
      ext_modules=[Extension("fastsum", ["fastsum.c"])])
"""


def _zip(top: str, files: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for rel, text in files.items():
            zf.writestr(f"{top}/{rel}", text)
    return buf.getvalue()


def _publish(reg: LocalRegistry, project: str, filename: str, data: bytes) -> str:
    """A simple-index page listing one file (with its sha256, as indexes give it); the file's sha256."""
    digest = hashlib.sha256(data).hexdigest()
    reg.files[f"/simple/{project}/"] = (
        f'<html><body><a href="../../files/{filename}#sha256={digest}">{filename}</a></body></html>').encode()
    reg.files[f"/files/{filename}"] = data
    return digest


def test_deps_detonates_the_sdists_a_project_builds(tmp_path: Path) -> None:
    stealer = tgz({"PKG-INFO": PKG_INFO.format(name="sw-stealer"), "setup.py": STEALER.replace("pypirc-stealer", "sw-stealer"),
                   "stealer.py": "x = 1\n"}, top="sw-stealer-1.0")
    fastsum = _zip("sw-fastsum-1.0", {
        "PKG-INFO": PKG_INFO.format(name="sw-fastsum"),
        "setup.py": FASTSUM_SETUP,
        "fastsum.c": CEXT})
    with LocalRegistry() as reg:
        h_stealer = _publish(reg, "sw-stealer", "sw-stealer-1.0.tar.gz", stealer)
        h_fastsum = _publish(reg, "sw-fastsum", "sw-fastsum-1.0.zip", fastsum)
        _publish(reg, "sw-tampered", "sw-tampered-1.0.tar.gz", stealer)
        project = tmp_path / "app"
        project.mkdir()
        # the stealer: the index has only its sdist (--fetch says so); fastsum and the tampered one: --no-binary
        (project / "requirements.txt").write_text(
            "--no-binary sw-fastsum,sw-tampered\n"
            f"sw-stealer==1.0 --hash=sha256:{h_stealer}\n"
            f"sw-fastsum==1.0 --hash=sha256:{h_fastsum}\n"
            f"sw-tampered==1.0 --hash=sha256:{'0' * 64}\n")
        client = RegistryClient(pypi_index=f"{reg.base}simple/", cache_dir=tmp_path / "cache")
        static = scan_deps(project, DepsOptions(fetcher=RegistryFetcher(client)))
        result = detonate_hooks(project, list(static.hooks), DetonateOptions([], [Profile.CI], LIMITS, jobs=2,
                                                                             linger=1),
                                dependencies=static.dependencies, client=client)
    unfetched = [e.message for e in result.report.errors if "as wheels" in e.message]
    if unfetched and not CI:
        pytest.skip(f"the build requirements are not available as wheels here: {unfetched[0][:200]}")

    # the tampered sdist does not match the lock: an error, never a detonation
    assert [e.message for e in result.report.errors if "sw-tampered" in e.message], result.report.errors
    assert all("sw-tampered" not in e.message or "lockfile records" in e.message for e in result.report.errors)
    assert {o.package.name: o.statuses for o in result.observations} == {
        "sw-stealer": {"build": 0, "install": 0, "startup": 0}, "sw-fastsum": {"build": 0, "install": 0, "startup": 0}}

    by_package: dict[str, dict[str, str]] = {}
    for f in result.report.findings:
        by_package.setdefault(f.properties["package"], {})[f.rule_id] = f.tier.value
    assert by_package["sw-stealer@1.0"]["detonate-canary-sent"] == "P0"
    sent = next(f for f in result.report.findings if f.rule_id == "detonate-canary-sent")
    assert "~/.pypirc → upload.collector.example.invalid:80" in sent.message
    assert sent.locations[0].path == "pypi:sw-stealer-1.0.tar.gz"
    assert "static: deps-credential-theft" in sent.message  # deps read the same setup.py
    # the benign C extension, unpacked from its .zip and compiled: nothing at all
    assert "sw-fastsum@1.0" not in by_package, by_package
    fast = next(o for o in result.observations if o.package.name == "sw-fastsum")
    assert "fastsum.cpython" in fast.output
