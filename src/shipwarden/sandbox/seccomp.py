"""seccomp filters for the sandbox, compiled to BPF by libseccomp (through its Python bindings).

Two filters, both denying with an error (``EPERM``) so the attempt shows in a
trace instead of killing the process; system calls of another architecture
(32-bit ``int 0x80`` on x86-64) kill the caller, libseccomp's default:

* :data:`LAUNCHER`, given to bubblewrap (``--seccomp FD``) for a sandbox whose
  launcher sets up its own network and a nested namespace (detonate): kernel
  keyrings, BPF, perf events, kernel modules, kexec, swap, process accounting,
  handle-based opens and ``userfaultfd`` are denied to everything inside; the
  launcher may still create the nested namespace, mount its ``/proc`` and run
  ``strace`` (``ptrace`` of its own children);
* :data:`STRICT`: all of that, and also new namespaces of any kind
  (``unshare``/``clone`` with a ``CLONE_NEW*`` flag, ``setns``; ``clone3``,
  whose flags a filter cannot read, answers ``ENOSYS`` so the C library falls
  back to ``clone``), ``mount`` and the new mount API, ``pivot_root``,
  ``chroot``, and ``ptrace``. Every other sandbox gets it from bubblewrap;
  detonate loads it into the package's own namespace (:data:`LOADER`), where
  ``strace`` — outside that filter — still traces it.

The bindings are libseccomp's own (``seccomp``, Debian's ``python3-seccomp``) when
importable, else ``pyseccomp`` (the same API over ctypes); libseccomp itself
(``libseccomp2``) must be installed. Without them :class:`SeccompUnavailable`
is raised and the sandbox is refused.
"""

from __future__ import annotations

import errno
import tempfile
from functools import lru_cache
from typing import Any

LAUNCHER = "launcher"
STRICT = "strict"

#: denied to everything in any sandbox
_ALWAYS = (
    "keyctl", "add_key", "request_key", "bpf", "perf_event_open", "kexec_load", "kexec_file_load", "init_module",
    "finit_module", "delete_module", "swapon", "swapoff", "acct", "open_by_handle_at", "name_to_handle_at",
    "userfaultfd", "lookup_dcookie", "quotactl", "syslog", "iopl", "ioperm", "reboot",
)
#: denied to scanned code (STRICT) besides: the ways out of, or into, namespaces and other processes
_CODE = (
    "setns", "mount", "umount2", "pivot_root", "chroot", "move_mount", "open_tree", "fsopen", "fsconfig",
    "fsmount", "fspick", "mount_setattr", "ptrace",
)
#: CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET, NEWTIME
_NAMESPACE_FLAGS = (0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000, 0x00000080)

#: Loads a compiled filter (argv[1]) into this process, then execs argv[2:]: run inside the sandbox by
#: ``/usr/bin/python3 -I`` (stdlib only). PR_SET_NO_NEW_PRIVS first, as an unprivileged process must.
LOADER = r'''import ctypes, os, sys
data = open(sys.argv[1], "rb").read()
class Prog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]
buf = ctypes.create_string_buffer(data, len(data))
prog = Prog(len(data) // 8, ctypes.cast(buf, ctypes.c_void_p))
libc = ctypes.CDLL(None, use_errno=True)
if libc.prctl(38, 1, 0, 0, 0) != 0 or libc.prctl(22, 2, ctypes.byref(prog), 0, 0) != 0:
    sys.stderr.write("seccomp filter not loaded: %s\n" % os.strerror(ctypes.get_errno()))
    sys.exit(126)
os.execv(sys.argv[2], sys.argv[2:])
'''


class SeccompUnavailable(RuntimeError):
    """libseccomp or its Python bindings are missing: the sandbox cannot be hardened."""


def _bindings() -> Any:
    try:
        import seccomp  # type: ignore[import-not-found]  # libseccomp's own bindings (python3-seccomp)

        return seccomp
    except ImportError:
        pass
    try:
        import pyseccomp  # type: ignore[import-untyped]
    except (ImportError, OSError, AttributeError, TypeError) as exc:
        raise SeccompUnavailable(
            f"libseccomp cannot be used ({exc}); install libseccomp2 (Debian/Ubuntu: apt-get install libseccomp2)"
        ) from None
    return pyseccomp


@lru_cache(maxsize=2)
def compiled(kind: str) -> bytes:
    """The BPF program of filter ``kind`` (:data:`LAUNCHER` or :data:`STRICT`) for this machine's architecture."""
    sc = _bindings()
    try:
        flt = sc.SyscallFilter(defaction=sc.ALLOW)
        deny = sc.ERRNO(errno.EPERM)
        names = _ALWAYS + (_CODE if kind == STRICT else ())
        for name in names:
            _rule(sc, flt, deny, name)
        if kind == STRICT:
            for flag in _NAMESPACE_FLAGS:
                for call in ("unshare", "clone"):
                    _rule(sc, flt, deny, call, sc.Arg(0, sc.MASKED_EQ, flag, flag))
            _rule(sc, flt, sc.ERRNO(errno.ENOSYS), "clone3")
        with tempfile.TemporaryFile() as fh:
            flt.export_bpf(fh)
            fh.seek(0)
            data: bytes = fh.read()
    except (OSError, RuntimeError, ValueError) as exc:
        raise SeccompUnavailable(f"the seccomp filter could not be compiled: {exc}") from None
    if not data or len(data) % 8:
        raise SeccompUnavailable("libseccomp produced no filter")
    return data


def _rule(sc: Any, flt: Any, action: int, name: str, *args: Any) -> None:
    """Add a rule; a system call this architecture or libseccomp does not know is skipped."""
    try:
        sc.resolve_syscall(sc.system_arch(), name)
    except (ValueError, OSError, RuntimeError):
        return
    try:
        flt.add_rule(action, name, *args)
    except (ValueError, OSError, RuntimeError):
        return
