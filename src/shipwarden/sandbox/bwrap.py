"""Run a command inside a bubblewrap sandbox that shipwarden sets up itself.

The sandbox (see ``docs/sandbox.md``):

* new user, PID, network, IPC, UTS (and, where possible, cgroup) namespaces;
  no capabilities; no nested user namespaces; a new session (no terminal);
* a seccomp filter (:mod:`.seccomp`, compiled by libseccomp, given to
  bubblewrap with ``--seccomp``): no kernel keyrings, BPF, perf events or
  modules anywhere inside; no new namespaces, mounts or ``ptrace`` for scanned
  code (a launcher that keeps capabilities gets the narrower filter and loads
  the full one into the nested namespace its scanned code runs in);
* when shipwarden runs as root, bubblewrap itself runs as an unprivileged
  user (``nobody``), so the code inside maps to that user outside and root's
  exemptions (process limit, file permissions) do not apply;
* a cleared environment (only what the caller names);
* the system read-only: ``/usr`` (and the ``/bin``, ``/lib``… links), a short
  list of harmless files from ``/etc``, generated ``passwd``/``group``/``hosts``/
  ``resolv.conf``; nothing else of the host — no ``/home``, ``/root``, ``/work``,
  ``/opt``, ``/var``, no other ``/tmp`` content;
* one writable scratch tree (a host directory the caller prepares, mounted at
  ``/scratch``) and a size-limited ``/tmp``;
* limits applied in the child by ``prlimit``: CPU seconds, address space,
  processes, file size, open files, no core dumps; a wall-clock kill of the
  whole PID namespace; stdout/stderr captured up to a byte cap.

If bubblewrap is missing or cannot create the namespaces, :class:`SandboxUnavailable`
is raised: callers refuse the operation, they never run the code without it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import IO

#: Where the caller's scratch tree appears inside the sandbox.
SCRATCH = "/scratch"
#: The user the sandboxed code runs as, inside.
INNER_UID = 1000
#: When shipwarden runs as root: the unprivileged user bubblewrap runs as outside.
OUTER_UID = 65534

#: Files and folders of /etc that say nothing about the machine's owner and that
#: the dynamic linker, TLS and locale code need. Everything else of /etc stays out
#: (``npmrc``, ``pip.conf``, ``shadow``, ``ssl/private``, ``gitconfig``…).
_ETC = (
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "localtime",
    "nsswitch.conf",
    "ssl/certs",
    "ssl/openssl.cnf",
    "ca-certificates",
    "alternatives",
    "os-release",
    "debian_version",
    "mime.types",
    "gai.conf",
    "host.conf",
    "protocols",
    "services",
    "python3",
    "python3.11",
    "python3.12",
    "python3.13",
)
#: Top-level names that are links into /usr on merged-/usr systems (or real folders elsewhere).
_USR_LINKS = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing or cannot set up the namespaces: refuse, never run unsandboxed."""


@dataclass(frozen=True, slots=True)
class Limits:
    """What one sandboxed command may use."""

    wall_seconds: float = 600.0
    cpu_seconds: int = 600
    #: address space per process (RLIMIT_AS)
    memory_bytes: int = 4 << 30
    processes: int = 256
    file_bytes: int = 512 << 20
    open_files: int = 1024
    tmp_bytes: int = 256 << 20
    #: bytes of stdout and of stderr kept
    output_bytes: int = 1 << 20


@dataclass(slots=True)
class Mount:
    """A host path shown inside the sandbox (read-only unless ``writable``)."""

    source: Path
    dest: str
    writable: bool = False


@dataclass(slots=True)
class Spec:
    argv: list[str]
    #: host directory mounted read-write at ``/scratch``
    scratch: Path
    env: dict[str, str] = field(default_factory=dict)
    cwd: str = SCRATCH
    mounts: list[Mount] = field(default_factory=list)
    limits: Limits = field(default_factory=Limits)
    hostname: str = "sandbox"
    #: extra lines for the generated /etc/hosts (``"127.0.0.1 name"``)
    hosts: list[str] = field(default_factory=list)
    #: extra environment-free data files: dest path inside -> content
    files: dict[str, bytes] = field(default_factory=dict)
    #: the uid/gid the command starts as inside (0 only for launchers that set up the
    #: network sink and then run the scanned code as an unprivileged user of a nested namespace)
    uid: int = INNER_UID
    #: capabilities kept inside (only with ``uid`` 0; e.g. CAP_NET_ADMIN for the sink's routes)
    caps: tuple[str, ...] = ()
    #: extra lines for the generated /etc/passwd
    users: list[str] = field(default_factory=list)
    #: False: the command applies :func:`prlimit_args` itself to the part that runs scanned code
    #: (a launcher whose own helpers, such as the network sink, must not share the package's limits)
    limit_command: bool = True


@dataclass(slots=True)
class Result:
    returncode: int
    stdout: bytes
    stderr: bytes
    timed_out: bool = False
    #: bytes dropped beyond ``Limits.output_bytes`` (stdout + stderr)
    truncated: int = 0

    @property
    def signal(self) -> int | None:
        """The signal that ended the command (bubblewrap reports a child's as 128 + N)."""
        if self.returncode < 0:
            return -self.returncode
        if 128 < self.returncode <= 128 + 64:
            return self.returncode - 128
        return None

    def text(self) -> str:
        return (self.stdout + self.stderr).decode("utf-8", "replace")


def _bwrap() -> str:
    path = shutil.which("bwrap")
    if path is None:
        raise SandboxUnavailable(
            "bubblewrap (bwrap) is not installed; shipwarden runs no scanned code without it. "
            "Install the `bubblewrap` package (Debian/Ubuntu: apt-get install bubblewrap; "
            "`make setup` does it when run as root)."
        )
    return path


def _prlimit() -> str:
    for cand in ("/usr/bin/prlimit", "/bin/prlimit"):
        if os.access(cand, os.X_OK):
            return "/usr/bin/prlimit" if cand.startswith("/usr") else cand
    raise SandboxUnavailable("prlimit (util-linux) is not installed: the sandbox cannot apply its limits")


def _drop_to() -> tuple[int, int] | None:
    return (OUTER_UID, OUTER_UID) if os.geteuid() == 0 else None


def new_scratch(prefix: str = "shipwarden-sandbox-") -> Path:
    """A fresh scratch tree for :class:`Spec` (the caller removes it: :func:`remove_scratch`)."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    path.chmod(0o700)
    return path


def remove_scratch(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def prepare_scratch(path: Path) -> None:
    """Hand the scratch tree to the user the sandbox runs as (when shipwarden is root)."""
    ids = _drop_to()
    if ids is None:
        return
    for dirpath, dirnames, filenames in os.walk(path):
        os.lchown(dirpath, *ids)
        for name in dirnames + filenames:
            os.lchown(os.path.join(dirpath, name), *ids)


def _passwd(home: str, users: list[str]) -> bytes:
    lines = users or [f"user:x:{INNER_UID}:{INNER_UID}:user:{home}:/bin/sh"]
    return ("root:x:0:0:root:/nonexistent:/usr/sbin/nologin\n" + "".join(u + "\n" for u in lines)).encode()


def _system_args() -> list[str]:
    args: list[str] = ["--ro-bind", "/usr", "/usr"]
    for name in _USR_LINKS:
        host = Path("/") / name
        if host.is_symlink():
            args += ["--symlink", os.readlink(host), f"/{name}"]
        elif host.is_dir():
            args += ["--ro-bind", str(host), f"/{name}"]
    for name in _ETC:
        host = Path("/etc") / name
        if host.exists():
            args += ["--ro-bind", str(host), f"/etc/{name}"]
    return args


def seccomp_kind(spec: Spec) -> str:
    """Which filter bubblewrap applies: the narrower one only for a launcher that keeps capabilities."""
    from shipwarden.sandbox import seccomp

    return seccomp.LAUNCHER if spec.caps else seccomp.STRICT


def seccomp_program(kind: str) -> bytes:
    """The compiled filter, or :class:`SandboxUnavailable` when libseccomp cannot make it."""
    from shipwarden.sandbox import seccomp

    try:
        return seccomp.compiled(kind)
    except seccomp.SeccompUnavailable as exc:
        raise SandboxUnavailable(f"the sandbox's seccomp filter cannot be made: {exc}") from None


def _open_filter(spec: Spec, data_dir: Path) -> int:
    """A read-only descriptor of the spec's compiled filter, for ``bwrap --seccomp FD`` (the caller closes it)."""
    path = data_dir / "seccomp.bpf"
    path.write_bytes(seccomp_program(seccomp_kind(spec)))
    return os.open(path, os.O_RDONLY | os.O_CLOEXEC)


def command(spec: Spec, data_dir: Path, seccomp_fd: int | None = None) -> list[str]:
    """The full bwrap + prlimit command line for ``spec`` (generated files go to ``data_dir``; ``seccomp_fd``: the
    descriptor bubblewrap reads the filter from, passed to it)."""
    lim = spec.limits
    home = spec.env.get("HOME", f"{SCRATCH}/home")
    generated = {
        "/etc/passwd": _passwd(home, spec.users),
        "/etc/group": f"root:x:0:\nuser:x:{INNER_UID}:\n".encode(),
        "/etc/hosts": (
            f"127.0.0.1 localhost\n127.0.1.1 {spec.hostname}\n::1 localhost\n" + "".join(h + "\n" for h in spec.hosts)
        ).encode(),
        "/etc/resolv.conf": b"nameserver 127.0.0.1\n",
        "/etc/hostname": f"{spec.hostname}\n".encode(),
        **spec.files,
    }
    args = [
        _bwrap(),
        "--unshare-user",
        "--unshare-pid",
        "--unshare-net",
        "--unshare-ipc",
        "--unshare-uts",
        "--unshare-cgroup-try",
        # a launcher with capabilities needs them over the sandbox's own namespaces,
        # which --disable-userns (a nested namespace) would take away
        *([] if spec.caps else ["--disable-userns"]),
        *(["--seccomp", str(seccomp_fd)] if seccomp_fd is not None else []),
        "--uid",
        str(spec.uid),
        "--gid",
        str(spec.uid),
        "--cap-drop",
        "ALL",
        *[a for cap in spec.caps for a in ("--cap-add", cap)],
        "--die-with-parent",
        "--new-session",
        "--hostname",
        spec.hostname,
        "--clearenv",
        *_system_args(),
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--size",
        str(lim.tmp_bytes),
        "--tmpfs",
        "/tmp",
        "--bind",
        str(spec.scratch),
        SCRATCH,
    ]
    for i, (dest, content) in enumerate(sorted(generated.items())):
        host = data_dir / f"f{i}"
        host.write_bytes(content)
        host.chmod(0o644)
        args += ["--ro-bind", str(host), dest]
    for m in spec.mounts:
        args += ["--bind" if m.writable else "--ro-bind", str(m.source), m.dest]
    for k, v in sorted(spec.env.items()):
        args += ["--setenv", k, v]
    args += ["--chdir", spec.cwd, "--"]
    args += [*(prlimit_args(lim) if spec.limit_command else []), *spec.argv]
    return args


def prlimit_args(lim: Limits) -> list[str]:
    """``prlimit … --`` applying ``lim`` to the command that follows."""
    return [
        _prlimit(),
        f"--cpu={lim.cpu_seconds}",
        f"--as={lim.memory_bytes}",
        f"--nproc={lim.processes}",
        f"--fsize={lim.file_bytes}",
        f"--nofile={lim.open_files}",
        "--core=0",
        "--",
    ]


class _Capture(threading.Thread):
    """Read a pipe to its end, keeping at most ``cap`` bytes."""

    def __init__(self, stream: IO[bytes], cap: int) -> None:
        super().__init__(daemon=True)
        self.stream = stream
        self.cap = cap
        self.data = bytearray()
        self.dropped = 0

    def run(self) -> None:
        read = getattr(self.stream, "read1", None) or self.stream.read
        while True:
            chunk: bytes = read(65536)
            if not chunk:
                return
            room = self.cap - len(self.data)
            if room > 0:
                self.data += chunk[:room]
            self.dropped += max(0, len(chunk) - max(room, 0))


def run(spec: Spec) -> Result:
    """Run ``spec`` in a fresh sandbox and wait (at most ``limits.wall_seconds``)."""
    check_available()
    data_dir = Path(tempfile.mkdtemp(prefix="shipwarden-sbx-etc-"))
    data_dir.chmod(0o755)
    filter_fd = _open_filter(spec, data_dir)
    argv = command(spec, data_dir, filter_fd)
    prepare_scratch(spec.scratch)
    ids = _drop_to()
    try:
        proc = _popen(argv, ids, filter_fd)
    finally:
        os.close(filter_fd)
    assert proc.stdout is not None and proc.stderr is not None  # both are pipes

    out = _Capture(proc.stdout, spec.limits.output_bytes)
    err = _Capture(proc.stderr, spec.limits.output_bytes)
    out.start()
    err.start()
    timed_out = False
    try:
        proc.wait(timeout=spec.limits.wall_seconds)
    except subprocess.TimeoutExpired:
        timed_out = True
    finally:
        # bwrap's own process group: killing it takes the PID namespace's init
        # with it (--die-with-parent), and with init every process inside
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    out.join(10)
    err.join(10)
    shutil.rmtree(data_dir, ignore_errors=True)
    return Result(
        returncode=proc.returncode,
        stdout=bytes(out.data),
        stderr=bytes(err.data),
        timed_out=timed_out,
        truncated=out.dropped + err.dropped,
    )


def _popen(argv: list[str], ids: tuple[int, int] | None, filter_fd: int) -> subprocess.Popen[bytes]:
    os.set_inheritable(filter_fd, True)
    return subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={"PATH": "/usr/bin:/bin"},
        cwd="/",
        start_new_session=True,
        close_fds=True,
        pass_fds=(filter_fd,),
        user=ids[0] if ids else None,
        group=ids[1] if ids else None,
        extra_groups=[] if ids else None,
    )


@lru_cache(maxsize=1)
def _probe() -> str | None:
    """None when a trivial command runs in the sandbox, else why not."""
    with tempfile.TemporaryDirectory(prefix="shipwarden-probe-") as tmp:
        scratch = Path(tmp) / "scratch"
        data = Path(tmp) / "etc"
        scratch.mkdir()
        data.mkdir()
        Path(tmp).chmod(0o755)
        data.chmod(0o755)
        spec = Spec(argv=["/bin/true"], scratch=scratch)
        try:
            filter_fd = _open_filter(spec, data)
            argv = command(spec, data, filter_fd)
        except SandboxUnavailable as exc:
            return str(exc)
        prepare_scratch(scratch)
        ids = _drop_to()
        try:
            with _popen(argv, ids, filter_fd) as popen:
                _, err = popen.communicate(timeout=60)
            proc = subprocess.CompletedProcess(argv, popen.returncode, b"", err)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"bubblewrap failed to start: {exc}"
        finally:
            os.close(filter_fd)
        if proc.returncode != 0:
            why = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [f"exit {proc.returncode}"]
            return (
                f"bubblewrap cannot create the sandbox's namespaces here ({why[0]}); "
                "shipwarden runs no scanned code without it. Allow unprivileged user namespaces "
                "(sysctl kernel.unprivileged_userns_clone=1 / user.max_user_namespaces) or run where they are allowed."
            )
    return None


def check_available() -> None:
    """Raise :class:`SandboxUnavailable` unless the sandbox works on this machine."""
    why = _probe()
    if why is not None:
        raise SandboxUnavailable(why)


def sandbox_env(extra: Mapping[str, str] | None = None, *, home: str = f"{SCRATCH}/home") -> dict[str, str]:
    """A minimal environment for the sandboxed command."""
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": home,
        "TMPDIR": "/tmp",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "USER": "user",
        "LOGNAME": "user",
        "SHELL": "/bin/sh",
    }
    if extra:
        env.update(extra)
    return env


def which_inside(name: str, extra_paths: Sequence[str] = ()) -> str | None:
    """An executable the sandbox can see (under /usr or one of ``extra_paths``)."""
    path = shutil.which(name, path="/usr/local/bin:/usr/bin:/bin")
    if path is None:
        return None
    real = os.path.realpath(path)
    if real.startswith("/usr/") or any(real.startswith(p.rstrip("/") + "/") for p in extra_paths):
        return path
    return None
