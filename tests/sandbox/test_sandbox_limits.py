"""The sandbox's limits and walls, each tried by code running inside it."""

from __future__ import annotations

import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sandboxtools import needs_sandbox

from shipwarden import sandbox
from shipwarden.sandbox import Limits, Spec

pytestmark = needs_sandbox

PY = "/usr/bin/python3"


@pytest.fixture
def scratch() -> Iterator[Path]:
    path = sandbox.new_scratch()
    yield path
    sandbox.remove_scratch(path)


def run_py(scratch: Path, code: str, **limits: float) -> sandbox.Result:
    return sandbox.run(
        Spec(argv=[PY, "-I", "-c", code], scratch=scratch, env=sandbox.sandbox_env(), limits=Limits(**limits))  # type: ignore[arg-type]
    )


def test_wall_clock_kills_the_whole_namespace(scratch: Path) -> None:
    # a child that ignores SIGTERM and detaches still dies with the namespace
    res = sandbox.run(
        Spec(
            argv=["/bin/sh", "-c", "trap '' TERM; (trap '' TERM HUP; setsid sleep 600 &) ; sleep 600"],
            scratch=scratch,
            env=sandbox.sandbox_env(),
            limits=Limits(wall_seconds=2),
        )
    )
    assert res.timed_out and res.returncode == -9


def test_cpu_limit(scratch: Path) -> None:
    res = run_py(scratch, "while True: pass", cpu_seconds=1)
    assert res.returncode != 0 and not res.timed_out
    assert res.signal in (9, 24)  # SIGKILL or SIGXCPU


def test_memory_limit(scratch: Path) -> None:
    res = run_py(scratch, "b = bytearray(1 << 30); print('allocated')", memory_bytes=256 << 20)
    assert res.returncode != 0
    assert b"allocated" not in res.stdout and b"MemoryError" in res.stderr


def test_process_limit(scratch: Path) -> None:
    code = (
        "import os, time\n"
        "n = 0\n"
        "try:\n"
        "    for _ in range(200):\n"
        "        if os.fork() == 0:\n"
        "            time.sleep(30); os._exit(0)\n"
        "        n += 1\n"
        "except OSError as exc:\n"
        "    print('refused after', n, exc.errno)\n"
    )
    res = run_py(scratch, code, processes=20)
    assert b"refused after" in res.stdout, res.text()
    assert int(res.stdout.split()[2]) < 20


def test_file_size_limit(scratch: Path) -> None:
    code = "open('/scratch/big', 'wb').write(b'x' * (8 << 20))"
    res = run_py(scratch, code, file_bytes=1 << 20)
    assert res.returncode != 0
    assert (scratch / "big").stat().st_size <= 1 << 20


def test_output_is_capped(scratch: Path) -> None:
    res = run_py(scratch, "import sys; sys.stdout.write('y' * (4 << 20))", output_bytes=65536)
    assert len(res.stdout) == 65536 and res.truncated >= (4 << 20) - 65536


def test_walls(scratch: Path, tmp_path: Path) -> None:
    """Host files, host processes, host network and writes outside the scratch tree are out of reach."""
    secret = tmp_path / "host-secret.txt"
    secret.write_text("host only\n")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.setblocking(False)
    port = listener.getsockname()[1]
    code = f"""
import os, socket, json
out = {{}}
def tryit(name, fn):
    try:
        out[name] = 'ok: ' + repr(fn())[:60]
    except Exception as exc:
        out[name] = 'fail: ' + type(exc).__name__
tryit('read_host_file', lambda: open({str(secret)!r}).read())
tryit('list_root_home', lambda: os.listdir('/root'))
tryit('list_work', lambda: os.listdir('/work'))
tryit('list_venv', lambda: os.listdir({sys.prefix!r}))
tryit('write_usr', lambda: open('/usr/lib/x.pth', 'w'))
tryit('write_etc', lambda: open('/etc/profile.d/x.sh', 'w'))
tryit('connect_host', lambda: socket.create_connection(('127.0.0.1', {port}), timeout=3))
tryit('read_shadow', lambda: open('/etc/shadow').read())
out['pids'] = sorted(int(p) for p in os.listdir('/proc') if p.isdigit())
out['uid'] = os.getuid()
out['env'] = sorted(os.environ)
print(json.dumps(out))
"""
    res = run_py(scratch, code)
    import json

    got = json.loads(res.stdout)
    for key in ("read_host_file", "list_root_home", "list_work", "list_venv", "write_usr", "write_etc",
                "connect_host", "read_shadow"):
        assert got[key].startswith("fail"), (key, got[key])
    assert max(got["pids"]) < 10  # only the sandbox's own processes
    assert got["uid"] == sandbox.bwrap.INNER_UID
    assert not [k for k in got["env"] if k.startswith(("PYTEST", "VIRTUAL_ENV", "PIP_"))]
    with pytest.raises(BlockingIOError):
        listener.accept()
    listener.close()


def test_refuses_without_bubblewrap(scratch: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    sandbox.bwrap._probe.cache_clear()
    try:
        with pytest.raises(sandbox.SandboxUnavailable, match="bubblewrap"):
            sandbox.run(Spec(argv=["/bin/true"], scratch=scratch))
    finally:
        monkeypatch.undo()
        sandbox.bwrap._probe.cache_clear()
