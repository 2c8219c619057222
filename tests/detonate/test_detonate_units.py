"""Parsing the trace and the sink's DNS, and finding canaries in encoded data (no sandbox needed)."""

from __future__ import annotations

import base64
import struct

from shipwarden.detonate.bait import Profile, make_bait
from shipwarden.detonate.sinkserver import answer, parse_question, tls_server_name
from shipwarden.detonate.trace import parse

TRACE = r'''execve("/usr/bin/unshare", ["unshare", "--user"], 0x7ffd /* 17 vars */) = 0
[pid    12] execve("/usr/bin/node", ["node", "steal.js"], 0x55 /* 30 vars */) = 0
[pid    12] openat(AT_FDCWD</home/dev/src/app>, "/home/dev/.npmrc", O_RDONLY|O_CLOEXEC <unfinished ...>
[pid    13] clone(child_stack=NULL, flags=CLONE_CHILD_SETTID|SIGCHLD) = 14
[pid    12] <... openat resumed>) = 21</home/dev/.npmrc>
[pid    12] openat(AT_FDCWD</home/dev/src/app>, ".bashrc", O_WRONLY|O_CREAT|O_APPEND, 0666) = -1 ENOENT (No such file or directory)
[pid    12] connect(22<TCP:[1234]>, {sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr("10.77.0.1")}, 16) = -1 EINPROGRESS (Operation now in progress)
[pid    12] write(22<TCP:[10.0.0.2:5555->10.77.0.1:80]>, "POST /x HTTP/1.1\r\n\r\nabc\x00", 24) = 24
[pid    12] write(1<pipe:[99]>, "hello\n", 6) = 6
'''


def test_trace_events() -> None:
    t = parse(TRACE)
    assert [e.argv for e in t.execs] == [["unshare", "--user"], ["node", "steal.js"]]
    assert t.processes[12].exe == "/usr/bin/node" and t.processes[14].parent == 13
    read, write = t.files
    assert (read.path, read.write, read.ok) == ("/home/dev/.npmrc", False, True)
    assert (write.path, write.write, write.ok) == ("/home/dev/src/app/.bashrc", True, False)
    assert [(c.address, c.port) for c in t.connects] == [("10.77.0.1", 80)]
    assert len(t.data) == 1 and t.data[0].socket and t.data[0].target == "10.77.0.1:80"
    assert t.data[0].data.endswith(b"abc\x00")


def test_canary_search_sees_encodings() -> None:
    bait = make_bait(Profile.CI)
    value, where = next((v, w) for v, w in bait.canaries.items() if w == "env:NPM_TOKEN")
    for form in (value.encode(), base64.b64encode(b"x" + value.encode()), value.encode().hex().encode(),
                 value[::-1].encode()):
        assert where in bait.search(b"prefix " + form + b" suffix")
    assert bait.search(b"nothing here") == []
    assert bait.store_of(".aws/credentials") == "aws-credentials"


def _query(name: str, qtype: int = 1) -> bytes:
    labels = b"".join(bytes([len(p)]) + p.encode() for p in name.split("."))
    return b"\x12\x34\x01\x00" + struct.pack("!HHHH", 1, 0, 0, 0) + labels + b"\x00" + struct.pack("!HH", qtype, 1)


def test_sink_dns(capsys) -> None:  # type: ignore[no-untyped-def]
    import io

    import shipwarden.detonate.sinkserver as sink

    sink._out = io.StringIO()
    assert parse_question(_query("a.example.invalid"))[:2] == ("a.example.invalid", 1)  # type: ignore[index]
    reply = answer(_query("a.example.invalid"))
    assert reply is not None and reply[-4:] == bytes([10, 77, 0, 1]) and reply[:2] == b"\x12\x34"
    again = answer(_query("a.example.invalid"))
    assert again is not None and again[-4:] == reply[-4:]
    assert tls_server_name(b"GET / HTTP/1.1") is None


#: strace --pidns-translation: the run script's shell (41) starts a step (2 in its namespace, 42 in strace's),
#: which vforks curl (3 / 43); a sibling named like the harness's decoy is the package's all the same
TRACE_NS = r'''execve("/usr/bin/prlimit", ["/usr/bin/prlimit", "--"], 0x7ffe /* 20 vars */) = 0
clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|SIGCHLD, child_tidptr=0x7f) = 41
[pid    40] wait4(41,  <unfinished ...>
[pid    41] execve("/bin/bash", ["/bin/bash", "/scratch/.sw/ro/run.sh"], 0x7ffe /* 39 vars */) = 0
[pid    41] clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|SIGCHLD, child_tidptr=0x7f) = 2 /* 42 in strace's PID NS */
[pid    42] execve("/bin/sh", ["/bin/sh", "-c", "node x.js"], 0x55 /* 65 vars */) = 0
[pid    42] vfork( <unfinished ...>
[pid    43] execve("/usr/bin/curl", ["Runner.Worker", "-I", "/scratch/.sw/ro/decoy.py"], 0x55 /* 65 vars */) = 0
[pid    42] <... vfork resumed>)        = 3 /* 43 in strace's PID NS */
[pid    43] connect(5<TCP:[1]>, {sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr("10.77.0.9")}, 16) = 0
[pid    42] exit_group(7)               = ?
[pid    41] wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 7}], 0, NULL) = 2
[pid    41] clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|SIGCHLD, child_tidptr=0x7f) = 4 /* 44 in strace's PID NS */
[pid    44] execve("/usr/bin/sleep", ["sleep", "0.2"], 0x55 /* 65 vars */) = 0
[pid    41] wait4(-1, [{WIFSIGNALED(s) && WTERMSIG(s) == SIGKILL}], 0, NULL) = 4
[pid    40] <... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 7}], 0, NULL) = 41
'''


def test_who_started_whom_and_how_steps_ended() -> None:
    """PIDs are strace's (translated from the package's namespace); a step's status is what the run script's
    shell reaped; the package's processes are the shell's descendants, whatever they call themselves."""
    from shipwarden.detonate.run import attribute, step_statuses

    t = parse(TRACE_NS)
    assert 40 not in t.processes and t.processes[41].parent == 0  # the first process's real PID is PID 0
    assert t.processes[43].parent == 42 and t.processes[42].status == 7 and t.processes[44].status == 128 + 9
    shell = t.processes[41]
    steps = [("preinstall", ["/bin/sh", "-c", "node x.js"], False), ("postinstall", ["/bin/sh", "-c", "y"], False)]
    assert step_statuses(t, shell, steps) == {"preinstall": 7}
    assert attribute(t, shell, []) == {42, 43}


def test_setup_requires_is_read_without_running_setup_py(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Literal ``setup_requires`` (setup.py keyword, setup.cfg option) are fetched beforehand; a computed one or a
    URL is a coverage note."""
    from shipwarden.detonate.pysource import setup_requires

    (tmp_path / "setup.py").write_text(
        "from setuptools import setup\nEXTRA = ['cffi']\n"
        "setup(name='x', setup_requires=['pbr>=5', 'six'])\nsetup(setup_requires=EXTRA + ['y'])\n")
    (tmp_path / "setup.cfg").write_text(
        "[options]\nsetup_requires =\n    setuptools_scm[toml]>=6\n    six\n    z @ https://files.example.invalid/z.whl\n")
    reqs, notes = setup_requires(tmp_path)
    assert reqs == ["pbr>=5", "six", "setuptools_scm[toml]>=6"]
    assert any("computes setup_requires (line 4)" in n for n in notes)
    assert any("z is a direct URL" in n for n in notes)
    (tmp_path / "setup.py").write_text("from setuptools import setup\nsetup(name='x')\n")
    (tmp_path / "setup.cfg").unlink()
    assert setup_requires(tmp_path) == ([], [])
