"""Progress output (issue 12): on stderr, only when stderr is a terminal and not ``--quiet``.

Every long-running command (``scan``/``paths`` over several roots,
``endpoint``, ``provenance``; ``gate``, ``deps`` and ``assess`` had it
before) is run three ways: stderr a pipe, stderr a pipe with ``--quiet``, and
stderr a pseudo-terminal. Stdout must be the same byte for byte in all three
(a progress bar never reaches it); stderr must be the same with and without
``--quiet`` when it is not a terminal; on a terminal the bar is drawn, and
``--quiet`` silences it.
"""

from __future__ import annotations

import os
import pty
import select
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "vulnerable-release"

#: (command line without --quiet, the progress description it draws on a terminal)
COMMANDS: dict[str, tuple[list[str], str]] = {
    "scan-roots": (["scan", "{a}", "{b}", "--jobs", "1", "--fail-on", "none"], "Scanning repositories"),
    "scan-roots-parallel": (["scan", "{a}", "{b}", "--jobs", "2", "--fail-on", "none"], "Scanning repositories"),
    "paths-roots": (["paths", "{a}", "{b}", "--fail-on", "none"], "Scanning repositories"),
    "endpoint": (["endpoint", "{home}", "--no-env", "--fail-on", "none"], "Sweeping credential stores"),
    "provenance": (["provenance", "left-pad@1.3.0", "--offline", "--fail-on", "none"], "attestations"),
}


@pytest.fixture(scope="module")
def places(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    if not EXAMPLE.is_dir():
        pytest.skip("examples/vulnerable-release is absent")
    base = tmp_path_factory.mktemp("progress")
    a, b = base / "a", base / "b"
    shutil.copytree(EXAMPLE, a)
    shutil.copytree(EXAMPLE, b)
    home = base / "home"
    (home / ".config" / "gh").mkdir(parents=True)
    (home / ".npmrc").write_text("//registry.example.invalid/:_authToken=${NPM_TOKEN}\n")
    (home / ".config" / "gh" / "hosts.yml").write_text("github.com:\n    users:\n        dev: {}\n")
    return {"a": str(a), "b": str(b), "home": str(home), "cwd": str(base)}


def _argv(name: str, places: dict[str, str]) -> list[str]:
    return [part.format(**places) for part in COMMANDS[name][0]]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SHIPWARDEN_", "FORCE_COLOR", "NO_COLOR"))}
    env.update({"TERM": "xterm-256color", "COLUMNS": "100", "PYTHONIOENCODING": "utf-8"})
    return env


def _run_piped(argv: list[str], cwd: str) -> tuple[bytes, bytes, int]:
    proc = subprocess.run(
        [sys.executable, "-m", "shipwarden", *argv], cwd=cwd, env=_env(), capture_output=True, timeout=300, check=False
    )
    return proc.stdout, proc.stderr, proc.returncode


def _run_tty_stderr(argv: list[str], cwd: str) -> tuple[bytes, bytes, int]:
    """Run with stderr on a pseudo-terminal (stdout stays a pipe); returns what each received."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "shipwarden", *argv],
        cwd=cwd, env=_env(), stdout=subprocess.PIPE, stderr=follower, stdin=subprocess.DEVNULL,
    )
    os.close(follower)
    assert proc.stdout is not None
    out, err = bytearray(), bytearray()
    streams = {proc.stdout.fileno(): out, leader: err}
    while streams:
        ready, _, _ = select.select(list(streams), [], [], 300)
        if not ready:
            proc.kill()
            break
        for fd in ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the terminal side closes with EIO once the child has exited
                chunk = b""
            if chunk:
                streams[fd] += chunk
            else:
                del streams[fd]
    code = proc.wait(timeout=60)
    os.close(leader)
    proc.stdout.close()
    return bytes(out), bytes(err), code


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_progress_only_on_a_terminal_and_never_on_stdout(name: str, places: dict[str, str]) -> None:
    argv, description = _argv(name, places), COMMANDS[name][1]
    out, err, code = _run_piped(argv, places["cwd"])
    assert code in (0, 1), err.decode(errors="replace")
    q_out, q_err, q_code = _run_piped([*argv, "--quiet"], places["cwd"])
    # not a terminal: nothing changes, with or without --quiet, and no progress anywhere
    assert (out, err, code) == (q_out, q_err, q_code)
    assert description.encode() not in out + err
    assert b"\x1b[" not in err
    # stderr a terminal: stdout is still the same bytes; the bar is drawn on stderr only
    t_out, t_err, t_code = _run_tty_stderr(argv, places["cwd"])
    assert (t_out, t_code) == (out, code)
    assert description.encode() in t_err
    # --quiet on a terminal: no bar
    tq_out, tq_err, _ = _run_tty_stderr([*argv, "--quiet"], places["cwd"])
    assert tq_out == out
    assert description.encode() not in tq_err
