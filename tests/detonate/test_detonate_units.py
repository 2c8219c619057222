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
