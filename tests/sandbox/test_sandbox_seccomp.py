"""The sandbox's seccomp filter: scanned code gets no nested namespace, mount, ptrace, keyring, BPF or perf events;
a launcher that keeps capabilities still runs strace on its children (tests/detonate shows both together)."""

from __future__ import annotations

import json
import platform

import pytest
from sandboxtools import needs_sandbox

from shipwarden import sandbox
from shipwarden.sandbox import seccomp

pytestmark = needs_sandbox

PROBE = r"""
import ctypes, json, os
libc = ctypes.CDLL(None, use_errno=True)
def call(nr, *args):
    ctypes.set_errno(0)
    r = libc.syscall(nr, *args)
    return "ok" if r >= 0 else os.strerror(ctypes.get_errno())
print(json.dumps({"unshare_user": call(272, 0x10000000), "keyctl": call(250, 0, -3, 0), "bpf": call(321, 0, None, 0),
                  "perf_event_open": call(298, None, 0, -1, -1, 0), "ptrace": call(101, 16, 1, 0, 0),
                  "mount": call(165, b"none", b"/tmp", b"tmpfs", 0, None)}))
"""


def test_filters_compile() -> None:
    strict, launcher = seccomp.compiled(seccomp.STRICT), seccomp.compiled(seccomp.LAUNCHER)
    assert strict and launcher and len(strict) % 8 == 0 and len(strict) > len(launcher)


@pytest.mark.skipif(platform.machine() != "x86_64", reason="the probe uses x86-64 system call numbers")
def test_scanned_code_is_refused_what_the_filter_denies() -> None:
    scratch = sandbox.new_scratch()
    script = f"unshare --user true; echo \"unshare-cmd $?\"; /usr/bin/python3 -I -c '{PROBE}'"
    res = sandbox.run(sandbox.Spec(argv=["/bin/sh", "-c", script], scratch=scratch,
                                   limits=sandbox.Limits(wall_seconds=60, cpu_seconds=60)))
    sandbox.remove_scratch(scratch)
    lines = res.stdout.decode().splitlines()
    assert lines[0] != "unshare-cmd 0", res.text()
    got = json.loads(lines[-1])
    assert set(got.values()) == {"Operation not permitted"}, got
