"""`gate --build` runs a hostile build backend in the sandbox: every escape fails, its output is redacted.

The backend (written here at test time) tries what a malicious ``setup.py`` did
to the unsandboxed build (issue 10, class 1): read the parent's environment
through ``/proc``, read the real home's ``~/.npmrc`` by absolute path, look into
and write a ``.pth`` into shipwarden's own site-packages, read the original
project, and connect to a listener on the host's loopback. It records each
outcome into the wheel it builds and prints a canary token.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from shipwarden.packaging.pybuild import BuildError, build_python
from shipwarden.secrets.fakes import fake_token

CI = os.environ.get("CI", "").lower() == "true"
pytestmark = pytest.mark.skipif(
    shutil.which("bwrap") is None and not CI, reason="bubblewrap (bwrap) is not installed"
)

CANARY = fake_token("github-pat", 1016)
ENV_CANARY = fake_token("npm-token", 1016)

BACKEND = r'''
import base64, hashlib, io, json, os, socket, sys, tarfile, zipfile

TARGETS = json.load(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "targets.json")))


def _attempts():
    out = {}
    def tryit(name, fn):
        try:
            out[name] = "ok: " + repr(fn())[:200]
        except BaseException as exc:
            out[name] = "fail: " + type(exc).__name__
    def environ_of(pid):
        return open("/proc/%d/environ" % pid, "rb").read()
    # inside, the parent is the sandbox's own build process: its environment is the cleared one
    tryit("parent_environ", lambda: environ_of(os.getppid()))
    out["parent_environ_has_canary"] = TARGETS["env_canary"].encode() in (
        environ_of(os.getppid()) if out["parent_environ"].startswith("ok") else b"")
    def all_environs():
        seen = b""
        for p in os.listdir("/proc"):
            if p.isdigit():
                try:
                    seen += environ_of(int(p))
                except OSError:
                    pass
        return seen
    out["any_environ_has_canary"] = TARGETS["env_canary"].encode() in all_environs()
    tryit("real_npmrc", lambda: open(TARGETS["npmrc"]).read())
    tryit("root_npmrc", lambda: open("/root/.npmrc").read())
    tryit("venv_listing", lambda: os.listdir(TARGETS["venv"]))
    tryit("venv_cfg", lambda: open(os.path.join(TARGETS["venv"], "pyvenv.cfg")).read())
    tryit("write_pth", lambda: open(os.path.join(TARGETS["site"], "zz_hostile.pth"), "w").write("import os\n"))
    tryit("original_project", lambda: os.listdir(TARGETS["project"]))
    tryit("shipwarden_source", lambda: os.listdir(TARGETS["source"]))
    tryit("connect_host", lambda: socket.create_connection(("127.0.0.1", TARGETS["port"]), timeout=3).close())
    out["pids"] = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
    out["env_keys"] = sorted(os.environ)
    print("leaking " + TARGETS["canary"])
    print("stderr leak " + TARGETS["canary"], file=sys.stderr)
    return out


NAME, VERSION = "hostile", "1.0.0"
META = "Metadata-Version: 2.1\nName: hostile\nVersion: 1.0.0\n"


def _add(tf, name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = 315532800
    tf.addfile(info, io.BytesIO(data))


def build_sdist(sdist_directory, config_settings=None):
    name = "%s-%s.tar.gz" % (NAME, VERSION)
    here = os.path.dirname(os.path.abspath(__file__))
    with tarfile.open(os.path.join(sdist_directory, name), "w:gz") as tf:
        for f in ("pyproject.toml", "hostile_backend.py", "targets.json"):
            _add(tf, "%s-%s/%s" % (NAME, VERSION, f), open(os.path.join(here, f), "rb").read())
        _add(tf, "%s-%s/PKG-INFO" % (NAME, VERSION), META.encode())
    return name


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    if TARGETS.get("fail"):
        _attempts()
        raise SystemExit(3)
    report = json.dumps(_attempts()).encode()
    name = "%s-%s-py3-none-any.whl" % (NAME, VERSION)
    files = {
        "hostile_report.json": report,
        "hostile-1.0.0.dist-info/METADATA": META.encode(),
        "hostile-1.0.0.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: hostile\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = ""
    for f, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record += "%s,sha256=%s,%d\n" % (f, digest, len(data))
    record += "hostile-1.0.0.dist-info/RECORD,,\n"
    files["hostile-1.0.0.dist-info/RECORD"] = record.encode()
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w") as zf:
        for f, data in files.items():
            zf.writestr(f, data)
    return name
'''


@pytest.fixture
def listener():  # type: ignore[no-untyped-def]
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(4)
    sock.setblocking(False)
    yield sock
    sock.close()


def hostile_project(root: Path, home: Path, port: int, *, fail: bool = False) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    (home / ".npmrc").write_text(f"//registry.example.invalid/:_authToken={ENV_CANARY}\n")
    project = root / "proj"
    project.mkdir(parents=True)
    (project / "pyproject.toml").write_text(
        '[build-system]\nrequires = []\nbuild-backend = "hostile_backend"\nbackend-path = ["."]\n'
    )
    (project / "hostile_backend.py").write_text(BACKEND)
    targets = {
        "npmrc": str(home / ".npmrc"),
        "venv": sys.prefix,
        "site": sysconfig.get_paths()["purelib"],
        "project": str(project),
        "source": str(Path(__file__).resolve().parents[2] / "src"),
        "port": port,
        "canary": CANARY,
        "env_canary": ENV_CANARY,
        "fail": fail,
    }
    (project / "targets.json").write_text(json.dumps(targets))
    return project


def test_hostile_backend_is_contained(tmp_path: Path, listener: socket.socket, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHIPWARDEN_TEST_SECRET", ENV_CANARY)
    project = hostile_project(tmp_path, tmp_path / "home", listener.getsockname()[1])
    site = Path(sysconfig.get_paths()["purelib"])
    out = tmp_path / "out"
    out.mkdir()
    result = build_python(project, out)
    assert result.sdist is not None and result.wheel is not None
    with zipfile.ZipFile(result.wheel) as zf:
        report = json.loads(zf.read("hostile_report.json"))
    assert "SHIPWARDEN_TEST_SECRET" not in report["parent_environ"]
    assert report["parent_environ_has_canary"] is False
    for attempt in ("real_npmrc", "root_npmrc", "venv_listing", "venv_cfg", "write_pth",
                    "original_project", "shipwarden_source", "connect_host"):
        assert report[attempt].startswith("fail"), (attempt, report[attempt])
    assert report["any_environ_has_canary"] is False
    assert len(report["pids"]) < 15 and max(report["pids"]) < 200  # its own PID namespace: no host process
    assert not [k for k in report["env_keys"] if "SECRET" in k or k.startswith(("PYTEST", "VIRTUAL_ENV"))]
    assert not (site / "zz_hostile.pth").exists()
    with pytest.raises(BlockingIOError):
        listener.accept()  # nothing ever reached the host's loopback
    log = "\n".join(result.log)
    assert "leaking" in log and CANARY[4:12] not in log
    # the original project was not touched
    assert sorted(p.name for p in project.iterdir()) == ["hostile_backend.py", "pyproject.toml", "targets.json"]


def test_failed_build_output_is_redacted_in_every_format(tmp_path: Path, listener: socket.socket) -> None:
    hostile_project(tmp_path, tmp_path / "home", listener.getsockname()[1], fail=True)
    # text shortens messages; the machine formats carry the whole (redacted) log tail
    for fmt in ("json",):
        proc = subprocess.run(
            [sys.executable, "-m", "shipwarden", "gate", "--build", "proj", "--format", fmt],
            cwd=tmp_path,  # a relative TARGET works with --build
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        both = proc.stdout + proc.stderr
        assert "python -m build failed in the sandbox" in both, both[-2000:]
        assert "leak ghp_" in both  # the backend ran (so the relative TARGET was found) and its output is redacted
        assert CANARY[4:12] not in both and ENV_CANARY[4:12] not in both


def test_refused_without_sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from shipwarden.sandbox import bwrap

    project = hostile_project(tmp_path, tmp_path / "home", 9)
    monkeypatch.setenv("PATH", "/nonexistent")
    bwrap._probe.cache_clear()
    try:
        with pytest.raises(BuildError, match="--build refused: bubblewrap"):
            build_python(project, tmp_path)
    finally:
        monkeypatch.undo()
        bwrap._probe.cache_clear()
