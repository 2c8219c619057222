"""Read an ``strace -f -yy -x`` log into events: files opened and written, processes, connections, data sent.

Only the syscalls detonate asks strace for are understood; anything else is
skipped. Lines a process did not finish (``<unfinished ...>``) are joined with
their ``<... resumed>`` half. Strings are decoded from strace's C escapes.
"""

from __future__ import annotations

import re
import signal
from dataclasses import dataclass, field

#: The strace command line detonate uses (the log goes to ``-o``).
STRACE_ARGS = (
    "-f",
    "-qq",
    "-yy",
    "-x",
    "-s",
    "4096",
    "-e",
    "signal=none",
    # a clone's result inside the package's PID namespace also in strace's ("= 2 /* 40 in strace's PID NS */"):
    # which process started which, and so which processes are the package's, is then known (strace 5.9 and later)
    "--pidns-translation",
    "-e",
    # exactly the calls :func:`parse` reads: the stat/access/readlink storm of an interpreter's imports (most of
    # %file) is left out, which makes tracing a Python build several times cheaper
    "trace=open,openat,openat2,creat,rename,renameat,renameat2,link,linkat,symlink,symlinkat,mkdir,mkdirat,"
    "unlink,unlinkat,truncate,chmod,fchmodat,%process,%network,write,writev,pwrite64,sendfile,kill,tkill,tgkill,"
    # what the sandbox's seccomp filter denies to the package: the attempt is recorded
    "unshare,setns,mount,umount2,pivot_root,chroot,ptrace,keyctl,add_key,request_key,bpf,perf_event_open",
)

#: calls whose refusal (EPERM from the seccomp filter) is recorded as an attempt on the sandbox
GUARDED = frozenset({"unshare", "setns", "mount", "umount2", "pivot_root", "chroot", "ptrace", "keyctl", "add_key",
                     "request_key", "bpf", "perf_event_open"})

#: ``[pid N] call(...)`` (strace -f writing to stderr; the first process has no prefix)
_LINE = re.compile(r"^(?:\[pid\s+(\d+)\]\s|(\d+)\s+)?(.*)$")
_CALL = re.compile(r"^([a-z0-9_]+)\((.*)\)\s+=\s+(-?\d+|\?|0x[0-9a-f]+)(?:<([^>]*)>?)?(?:\s+([A-Z][A-Z0-9_]+))?")
_STR = re.compile(r'"((?:[^"\\]|\\.)*)"(\.\.\.)?')
_FD = re.compile(r"^(-?\d+|AT_FDCWD)(?:<(.*?)>)?,\s*")
_ESC = re.compile(r"\\(x[0-9a-fA-F]{2}|[0-7]{1,3}|.)")
_SIMPLE = {"n": "\n", "t": "\t", "r": "\r", "v": "\v", "f": "\f", "a": "\a", "b": "\b", "e": "\x1b"}
_INET = re.compile(r'sin6?_port=htons\((\d+)\).*?(?:inet_addr\("([^"]+)"\)|inet_pton\(AF_INET6,\s*"([^"]+)")')
_UNIX = re.compile(r'sun_path="([^"]*)"')
_SOCKET_DECOR = re.compile(r"(TCP|UDP|TCPv6|UDPv6):\[(?:[^\]]*?->)?([^\]]+)\]")

#: strace's translation of a PID from the traced process's namespace into its own
_NS_PID = re.compile(r"\s*/\* (\d+) in strace's PID NS \*/")
_RET_NS_PID = re.compile(r"=\s+\d+\s*/\* (\d+) in strace's PID NS \*/\s*$")
#: a child's end as ``wait4`` reports it
_WAIT = re.compile(r"WEXITSTATUS\(s\) == (\d+)|WTERMSIG\(s\) == (SIG[A-Z0-9]+)")

_OPENS = {"open", "openat", "openat2", "creat"}
_WRITE_FLAGS = ("O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC", "O_APPEND")


def unescape(raw: str) -> bytes:
    def one(m: re.Match[str]) -> str:
        s = m.group(1)
        if s[0] == "x" and len(s) == 3:
            return chr(int(s[1:], 16))
        if s[0].isdigit():
            return chr(int(s, 8) & 0xFF)
        return _SIMPLE.get(s, s)

    return _ESC.sub(one, raw).encode("latin-1", "replace")


@dataclass(slots=True)
class Process:
    pid: int
    parent: int | None = None
    argv: list[str] = field(default_factory=list)
    exe: str = ""
    #: the argv of its first ``execve`` attempt (None before one): what its parent started it to run
    first_argv: list[str] | None = None
    #: children by the PID ``clone`` returned in this process's own namespace (for ``wait4``'s answers)
    children: dict[int, int] = field(default_factory=dict)
    #: how it ended as its parent's ``wait4`` saw it: the exit status, or 128 + the signal number
    status: int | None = None


@dataclass(slots=True)
class FileEvent:
    pid: int
    path: str
    write: bool
    ok: bool
    syscall: str
    line: str


@dataclass(slots=True)
class ExecEvent:
    pid: int
    path: str
    argv: list[str]
    ok: bool
    line: str


@dataclass(slots=True)
class ConnectEvent:
    pid: int
    address: str
    port: int
    result: str
    line: str


@dataclass(slots=True)
class DataEvent:
    """Bytes written or sent: to a file (``target`` is its path) or a socket (``socket`` True)."""

    pid: int
    target: str
    socket: bool
    data: bytes
    line: str


@dataclass(slots=True)
class DeniedEvent:
    """A system call the sandbox refused (a nested namespace, a mount, ptrace, a keyring, BPF…)."""

    pid: int
    syscall: str
    args: str
    line: str


@dataclass(slots=True)
class KillEvent:
    pid: int
    target: int
    signal: str
    line: str


@dataclass(slots=True)
class Trace:
    processes: dict[int, Process] = field(default_factory=dict)
    files: list[FileEvent] = field(default_factory=list)
    execs: list[ExecEvent] = field(default_factory=list)
    connects: list[ConnectEvent] = field(default_factory=list)
    data: list[DataEvent] = field(default_factory=list)
    kills: list[KillEvent] = field(default_factory=list)
    denied: list[DeniedEvent] = field(default_factory=list)
    lines: int = 0

    def chain(self, pid: int) -> list[Process]:
        """The process and its ancestors (nearest first)."""
        out: list[Process] = []
        seen: set[int] = set()
        cur: int | None = pid
        while cur is not None and cur in self.processes and cur not in seen:
            seen.add(cur)
            out.append(self.processes[cur])
            cur = self.processes[cur].parent
        return out


def _signal_number(name: str) -> int:
    try:
        return int(signal.Signals[name])
    except KeyError:
        return 0


def _proc(trace: Trace, pid: int) -> Process:
    p = trace.processes.get(pid)
    if p is None:
        p = trace.processes[pid] = Process(pid)
    return p


def _join(base: str | None, path: str) -> str:
    if path.startswith("/") or not base:
        return path
    return base.rstrip("/") + "/" + path


def _short(line: str, limit: int = 300) -> str:
    return line if len(line) <= limit else line[:limit] + "…"


def parse(text: str) -> Trace:
    """The events of an strace log. The first process's lines carry no PID until a second one exists; it is
    PID 0 throughout (its real PID, once it shows, is taken as the same process)."""
    trace = Trace()
    pending: dict[int, str] = {}
    alias: int | None = None
    for raw in text.splitlines():
        m = _LINE.match(raw)
        if not m:
            continue
        pid, rest = int(m.group(1) or m.group(2) or 0), m.group(3)
        if pid and pid == alias:
            pid = 0
        if rest.endswith("<unfinished ...>"):
            pending[pid] = rest[: -len("<unfinished ...>")].rstrip()
            continue
        if rest.startswith("<... "):
            head = pending.pop(pid, None)
            if head is None and pid and alias is None and pid not in trace.processes and 0 in pending:
                alias, pid, head = pid, 0, pending.pop(0)  # the first process resumes a call begun without a PID
            resumed = re.match(r"<\.\.\. [a-z0-9_]+ resumed>\s?(.*)$", rest)
            if head is None or resumed is None:
                continue
            rest = head + resumed.group(1)
        if rest.startswith(("+++", "---")):
            continue
        trace.lines += 1
        call = _CALL.match(rest)
        if call is None:
            continue
        _event(trace, pid, call.group(1), call.group(2), call.group(3), call.group(4) or "", rest)
    if alias is None and 0 in trace.processes:
        unannounced = [p for p in trace.processes.values() if p.pid and p.parent is None]
        if len(unannounced) == 1:
            _merge_into_root(trace, unannounced[0].pid)
    return trace


def _merge_into_root(trace: Trace, alias: int) -> None:
    """The first process's real PID: its events and children become PID 0's."""
    real = trace.processes.pop(alias)
    root = trace.processes[0]
    root.children.update(real.children)
    for proc in trace.processes.values():
        if proc.parent == alias:
            proc.parent = 0
    for events in (trace.files, trace.execs, trace.connects, trace.data, trace.kills, trace.denied):
        for ev in events:
            if ev.pid == alias:
                ev.pid = 0


def _event(trace: Trace, pid: int, name: str, args: str, ret: str, ret_decor: str, line: str) -> None:
    ok = ret not in ("?",) and not ret.startswith("-")
    proc = _proc(trace, pid)
    if "PID NS */" in args:
        args = _NS_PID.sub("", args)
    if not ok and " EPERM " in line + " " and (name in GUARDED or (name == "clone" and "CLONE_NEW" in args)):
        trace.denied.append(DeniedEvent(pid, name, args[:200], _short(line)))
        return
    if name in ("clone", "clone3", "fork", "vfork") and ok and ret.isdigit():
        outer = _RET_NS_PID.search(line)
        child = _proc(trace, int(outer.group(1)) if outer else int(ret))
        proc.children[int(ret)] = child.pid
        child.parent = pid
        if child.first_argv is None:  # its own lines may come before its parent's clone returns
            child.argv, child.exe = list(proc.argv), proc.exe
        return
    if name == "wait4" and ok and ret.isdigit() and int(ret) > 0:
        reaped = trace.processes.get(proc.children.get(int(ret), -1))
        end = _WAIT.search(args)
        if reaped is not None and end is not None:
            reaped.status = int(end.group(1)) if end.group(1) else 128 + _signal_number(end.group(2))
        return
    if name in ("execve", "execveat"):
        strings = [unescape(s.group(1)).decode("utf-8", "replace") for s in _STR.finditer(args)]
        if not strings:
            return
        path = strings[0]
        bracket = args.find("[")
        argv = [unescape(s.group(1)).decode("utf-8", "replace") for s in _STR.finditer(args[bracket:])] if bracket >= 0 else []
        trace.execs.append(ExecEvent(pid, path, argv, ok, _short(line)))
        if proc.first_argv is None:
            proc.first_argv = argv
        if ok:
            proc.exe, proc.argv = path, argv
        return
    if name in _OPENS:
        fd = _FD.match(args) if name != "open" and name != "creat" else None
        base = fd.group(2) if fd else None
        s = _STR.search(args)
        if s is None:
            return
        path = unescape(s.group(1)).decode("utf-8", "replace")
        full = ret_decor if ok and ret_decor.startswith("/") else _join(base, path)
        flags = args[s.end():]
        write = name == "creat" or any(f in flags for f in _WRITE_FLAGS)
        trace.files.append(FileEvent(pid, full, write, ok, name, _short(line)))
        return
    if name in ("rename", "renameat", "renameat2", "link", "linkat", "symlink", "symlinkat", "mkdir", "mkdirat",
                "unlink", "unlinkat", "truncate", "chmod", "fchmodat"):
        quoted = list(_STR.finditer(args))
        if not quoted:
            return
        # the destination: the last path argument, resolved against its dirfd decoration when relative
        last = quoted[-1]
        path = unescape(last.group(1)).decode("utf-8", "replace")
        dirs = re.findall(r"(?:AT_FDCWD|\d+)<([^>]*)>", args[: last.start()])
        full = _join(dirs[-1] if dirs else None, path)
        trace.files.append(FileEvent(pid, full, True, ok, name, _short(line)))
        return
    if name == "connect":
        inet = _INET.search(args)
        if inet:
            trace.connects.append(ConnectEvent(pid, inet.group(2) or inet.group(3) or "", int(inet.group(1)),
                                               ret if ok else line.rsplit("=", 1)[-1].strip(), _short(line)))
        return
    if name in ("write", "writev", "pwrite64", "sendto", "sendmsg", "send", "sendmmsg"):
        fd = _FD.match(args)
        decor: str = fd.group(2) if fd and fd.group(2) else ""
        data = b"".join(unescape(s.group(1)) for s in _STR.finditer(args))
        if not data:
            return
        sock = _SOCKET_DECOR.search(decor)
        is_socket = sock is not None
        target: str = sock.group(2) if sock else decor
        if not is_socket and not target.startswith("/"):
            return  # pipes, local (UNIX) sockets and terminals
        if name in ("sendto", "sendmsg") and not sock:
            inet = _INET.search(args)
            if inet:
                target, is_socket = f"{inet.group(2) or inet.group(3)}:{inet.group(1)}", True
        trace.data.append(DataEvent(pid, target, is_socket, data, _short(line)))
        return
    if name in ("kill", "tkill", "tgkill"):
        nums = re.findall(r"-?\d+", args)
        sig = re.search(r"SIG[A-Z0-9]+", args)
        if nums:
            victim = int(nums[1]) if name == "tgkill" and len(nums) > 1 else int(nums[0])
            trace.kills.append(KillEvent(pid, victim, sig.group(0) if sig else "", _short(line)))
