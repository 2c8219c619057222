"""Detonate one package: lay out bait and the package in a scratch tree, run its install-time code traced.

Inside the sandbox (:mod:`shipwarden.sandbox`) a launcher, running as the
sandbox's root with only the capabilities it needs for its own network
namespace, routes every address to loopback, starts the sink
(:mod:`.sinkserver`) and then runs, under ``strace -f``, a nested user and PID
namespace in which the package's code runs as an ordinary user (uid 1000)
that sees neither the sink nor the tracer. The trace goes to the sandbox's
stderr and the sink's records to its stdout, neither of which the package's
code holds, so it cannot forge or erase them.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import time
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from shipwarden import sandbox
from shipwarden.detonate import pysource
from shipwarden.detonate.bait import USERS, Bait, Profile, make_bait

#: what the launcher needs inside its own namespaces: routes and low ports for the sink,
#: and CAP_SETFCAP to map its uid 0 into the nested namespace the package runs in
from shipwarden.detonate.package import DetonateError, Package, _lifecycle, _system_python
from shipwarden.detonate.trace import STRACE_ARGS, Process, Trace, parse
from shipwarden.sandbox import seccomp
from shipwarden.sandbox.copy import CopyLimitError, copy_tree

_CAPS = ("CAP_NET_ADMIN", "CAP_NET_BIND_SERVICE", "CAP_SETFCAP")
_NPM_ROOT = "/usr/lib/node_modules/npm"
#: seconds the package's background processes are still watched after its scripts end (the watch
#: stops as soon as none is left); 8 s let a detached payload on a loaded machine finish unseen
LINGER_SECONDS = 15
#: the harness's own files inside the sandbox: its inputs (the run script, the seccomp loader, the sink, the
#: decoy, shims, the build's wheels) under a read-only bind the package's code cannot change, and a writable
#: folder for the sink's certificates and the logs of the package's output and the build venv's setup
HARNESS = "/scratch/.sw/ro"
SW = "/scratch/.sw"
OUT_LOG = f"{SW}/out.log"
RUN_SH = f"{HARNESS}/run.sh"
#: the launcher's notes on its stdout (beside the sink's JSON records), where the package cannot write
NOTE_PREFIX = "sw-note "


@dataclass(slots=True)
class Observation:
    package: Package
    profile: Profile
    bait: Bait
    trace: Trace
    sink: list[dict[str, Any]]
    #: event -> exit status of what ran
    statuses: dict[str, int]
    output: str
    timed_out: bool
    seconds: float
    #: inside paths of the package, workspace and home
    package_dir: str
    workspace: str
    home: str
    notes: list[str] = field(default_factory=list)
    #: argv prefixes of detonate's own steps whose actions are the package manager's, not the package's
    #: (pip installing the built wheel writes its ``.pth`` files)
    own: list[list[str]] = field(default_factory=list)
    #: exact argvs detonate itself ran (not counted as spawned by the package; what runs inside them is)
    steps: list[list[str]] = field(default_factory=list)
    #: canaries a package manager sent only as its own login to the host their bait names ("~/.npmrc → host:443")
    logins: list[str] = field(default_factory=list)
    #: traced PIDs whose actions are the package's (descendants of the run script's shell, less detonate's own
    #: steps); everything else in the trace is the harness
    package_pids: set[int] = field(default_factory=set)


def _write(path: Path, content: str | bytes, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode()
    path.write_bytes(content)  # not-output: a file laid out inside the sandbox
    path.chmod(mode)


_WORKFLOW = """name: release
on: push
jobs:
  release:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: npm ci
      - run: npm publish
        env:
          NODE_AUTH_TOKEN: ${{ secrets.NPM_TOKEN }}
"""


def site_inside(bait: Bait) -> str:
    """The workspace venv's site-packages, inside the sandbox."""
    return f"{bait.workspace}/.venv/lib/python{_system_python()[1]}/site-packages"


def _lay_out(scratch: Path, bait: Bait, package: Package) -> tuple[str, str]:
    """Home with bait, workspace with the package installed; returns (package dir, workspace) inside."""
    home = scratch / "home"
    for rel, content in bait.files.items():
        _write(home / rel, content, 0o600)
    ws_rel = bait.workspace[len(bait.home) + 1 :]
    ws = home / ws_rel
    _write(ws / "package.json", json.dumps({"name": "app", "version": "1.0.0", "private": True,
                                            "dependencies": {package.name: package.version}}, indent=2) + "\n")
    _write(ws / ".github/workflows/release.yml", _WORKFLOW)
    _write(ws / ".git/HEAD", "ref: refs/heads/main\n")
    _write(ws / ".git/config", "[core]\n\trepositoryformatversion = 0\n")
    (ws / ".git/hooks").mkdir(parents=True, exist_ok=True)
    (ws / "src").mkdir(exist_ok=True)
    _write(ws / "src/index.js", "module.exports = 1\n")
    (scratch / "tmp").mkdir()
    if package.ecosystem == "pypi":
        python, version = _system_python()
        venv = ws / ".venv"
        site = venv / "lib" / f"python{version}" / "site-packages"
        site.mkdir(parents=True)
        (venv / "bin").mkdir()
        os.symlink(python, venv / "bin" / "python")
        _write(venv / "pyvenv.cfg", f"home = /usr/bin\ninclude-system-site-packages = false\nversion = {version}\n")
        inside = f"{bait.workspace}/.venv/lib/python{version}/site-packages"
        if package.manifest.get("sdist"):
            # pip unpacks the sdist into a temporary folder and builds it there
            top = f"{package.name}-{package.version}".replace("/", "_")
            shutil.copytree(package.source, scratch / "tmp" / pysource.SOURCE_ROOT[len("/tmp/"):] / top, symlinks=True)
            if package.wheelhouse is not None:
                shutil.copytree(package.wheelhouse, scratch / HARNESS[len("/scratch/"):] / "wheels")
            return f"{pysource.SOURCE_ROOT}/{top}", bait.workspace
        shutil.copytree(package.source, site, symlinks=True, dirs_exist_ok=True)
        return inside, bait.workspace
    pkg_rel = f"node_modules/{package.name}"
    if package.dependencies is not None:
        try:
            copy_tree(package.dependencies, ws / "node_modules", max_bytes=4 << 30)
        except (CopyLimitError, OSError) as exc:
            raise DetonateError(f"{package.label}: its dependencies could not be copied ({exc})") from None
    dest = ws / pkg_rel
    if dest.is_symlink() or dest.is_file():
        dest.unlink()
    elif dest.exists():
        shutil.rmtree(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(package.source, dest, symlinks=True)
    return f"{bait.workspace}/{pkg_rel}", bait.workspace


def _npm_env(package: Package, bait: Bait, pkg_dir: str) -> dict[str, str]:
    table = _lifecycle()["npm"]
    subst = {"npm_root": _NPM_ROOT, "workspace": bait.workspace, "home": bait.home}
    env = {k: str(v).format(**subst) for k, v in table["env"].items()}
    fields = {k: package.manifest.get(k) for k in table["package_fields"]}
    _package_envs(fields, "npm_package_", env)
    env["npm_package_json"] = f"{pkg_dir}/package.json"
    bins: list[str] = []
    p = pkg_dir
    while True:
        bins.append(f"{p}/node_modules/.bin")
        parent = os.path.dirname(p)
        if parent == p:
            break
        p = parent
    env["PATH"] = ":".join([*bins, f"{_NPM_ROOT}/node_modules/@npmcli/run-script/lib/node-gyp-bin",
                            "/usr/local/bin:/usr/bin:/bin"])
    return env


def _package_envs(vals: dict[str, Any], prefix: str, env: dict[str, str]) -> None:
    for key, val in vals.items():
        if val is None and key in ("config", "engines", "bin"):
            continue
        if val is None or val is False:
            env[f"{prefix}{key}"] = ""
        elif isinstance(val, list):
            for i, item in enumerate(val):
                _package_envs({f"{key}_{i}": item}, prefix, env)
        elif isinstance(val, dict):
            _package_envs(val, f"{prefix}{key}_", env)
        else:
            env[f"{prefix}{key}"] = str(val).lower() if isinstance(val, bool) else str(val)


_DECOY = """import os, time
# a stand-in for the runner's worker process: its memory and environment hold a canary
held = {canary!r}
os.environ["ACTIONS_RUNTIME_TOKEN"] = held
time.sleep(100000)
"""


def _scripts(
    package: Package,
    bait: Bait,
    pkg_dir: str,
    npm_env: dict[str, str],
    linger: float = LINGER_SECONDS,
    limits: sandbox.Limits | None = None,
) -> tuple[str, str]:
    """The launcher (as the sandbox's root) and the run script (as the user, in a nested namespace)."""
    steps = ["cd " + shlex.quote(pkg_dir)]
    shims = _lifecycle().get("shims", {})
    if shims:
        npm_env = {**npm_env, "PATH": npm_env["PATH"] + f":{HARNESS}/shims"}
    steps.append("decoy=0")
    if bait.profile is Profile.CI:
        steps.append(f"exec -a Runner.Worker {' '.join(_DECOY_ARGV[1:])} </dev/null >/dev/null 2>&1 &")
        steps.append("decoy=$!")
    for k, v in sorted(npm_env.items()):
        steps.append(f"export {k}={shlex.quote(v)}")
    steps.append("lifecycle() {")
    if package.ecosystem == "pypi":
        steps[0] = "cd " + shlex.quote(bait.workspace)
        if package.manifest.get("sdist"):
            steps += pysource.lifecycle_steps(pkg_dir, bait.workspace, site_inside(bait))
        # interpreter start-up in the venv the wheel is installed into: site.py runs every .pth
        steps += [
            "echo '> python start-up with the .pth files installed'",
            " ".join(_STARTUP),
        ]
    for event, command in package.scripts.items() if package.ecosystem == "npm" else ():
        steps += [
            f"echo '> {package.name}@{package.version} {event}'",
            f"npm_lifecycle_event={event} npm_lifecycle_script={shlex.quote(command)} /bin/sh -c {shlex.quote(command)}",
            "rc=$?",
            '[ "$rc" -eq 0 ] || return "$rc"',
        ]
    steps += [
        "return 0",
        "}",
        "lifecycle",
        "status=$?",
        # what the scripts left running in the background (a detached payload) is watched a while
        # longer: this shell is PID 1 of the package's namespace, and everything dies with it
        f"deadline=$((SECONDS + {max(0, int(linger))}))",
        "while [ $SECONDS -lt $deadline ]; do",
        "  others=0",
        "  for p in /proc/[0-9]*; do n=${p#/proc/}; [ \"$n\" = 1 ] || [ \"$n\" = \"$decoy\" ] || [ \"$n\" = \"$BASHPID\" ] || others=1; done",
        "  [ $others = 1 ] || break",
        f"  {' '.join(_SLEEP)}",
        "done",
        "exit $status",
    ]
    run = "\n".join(steps) + "\n"
    shell = "/bin/bash"
    strace = " ".join(shlex.quote(a) for a in STRACE_ARGS)
    # the package's limits apply to its own process tree, not to the sink beside it
    prlimit = " ".join(shlex.quote(a) for a in sandbox.bwrap.prlimit_args(limits or sandbox.Limits()))
    setup = pysource.setup_steps(list(package.manifest.get("requires", []))) if package.manifest.get("sdist") else ""
    launch = f"""{setup}
ip route add local 0.0.0.0/0 dev lo 2>/dev/null || echo "no catch-all route" >> /scratch/.sw/notes
ip -6 route add local ::/0 dev lo 2>/dev/null || true
MALLOC_ARENA_MAX=2 /usr/bin/python3 -I {HARNESS}/sink.py {SW} 2>{SW}/sink.err &
sink=$!
i=0
while [ ! -e {SW}/sink.ready ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done
[ -e {SW}/sink.ready ] || echo "the network sink did not start: $(tail -n 1 {SW}/sink.err)" >> {SW}/notes
# the notes are kept here before the package runs: it can write the scratch tree, not this shell's memory
notes=$(cat {SW}/notes 2>/dev/null)
rm -f {SW}/notes
strace {strace} -- {prlimit} unshare --user --pid --fork --mount --mount-proc --kill-child \\
    --map-user=1000 --map-group=1000 -- /bin/sh -c 'exec >{OUT_LOG} 2>&1; exec /usr/bin/python3 -I {HARNESS}/seccomp.py {HARNESS}/code.bpf {shell} {RUN_SH}' \\
    </dev/null >/dev/null
rc=$?
sleep 0.2
kill -9 $sink 2>/dev/null
printf '%s\\n' "$notes" | while IFS= read -r line; do [ -z "$line" ] || printf '\\n{NOTE_PREFIX}%s\\n' "$line"; done
exit $rc
"""
    return launch, run


def _make_ca(tls: Path) -> bytes | None:
    """A CA for this run only (openssl); its certificate, or None when openssl is missing."""
    openssl = shutil.which("openssl")
    if openssl is None or sandbox.bwrap.which_inside("openssl") is None:
        return None
    tls.mkdir(parents=True)
    import subprocess

    try:
        subprocess.run([openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                        "-days", "2", "-subj", "/CN=detonate sandbox CA", "-keyout", str(tls / "ca.key"),
                        "-out", str(tls / "ca.pem")], check=True, capture_output=True, timeout=30,
                       stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return None
    return (tls / "ca.pem").read_bytes()


_SYSTEM_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"

#: argvs of the run script's own children that are not the package's
_STARTUP = (".venv/bin/python", "-c", "pass")
_DECOY_ARGV = ("Runner.Worker", "/usr/bin/python3", "-I", f"{HARNESS}/decoy.py")
_SLEEP = ("sleep", "0.2")


def _step_argvs(package: Package, bait: Bait) -> list[tuple[str, list[str], bool]]:
    """What the run script starts for each step, in order: (event, argv, whether argv is only a prefix)."""
    if package.ecosystem == "npm":
        return [(event, ["/bin/sh", "-c", command], False) for event, command in package.scripts.items()]
    out: list[tuple[str, list[str], bool]] = []
    if package.manifest.get("sdist"):
        out += [("build", pysource.build_command(), False), ("install", pysource.install_prefix(site_inside(bait)), True)]
    return [*out, ("startup", list(_STARTUP), False)]


def _run_shell(trace: Trace) -> Process | None:
    """The shell running the run script: PID 1 of the package's namespace (the first to exec it)."""
    for ev in trace.execs:
        if ev.ok and ev.argv[-1:] == [RUN_SH] and ev.argv[0].endswith("bash"):
            return trace.processes.get(ev.pid)
    return None


def _children(trace: Trace, parent: Process) -> list[Process]:
    return [trace.processes[pid] for pid in parent.children.values() if pid in trace.processes]


def step_statuses(trace: Trace, shell: Process | None, steps: list[tuple[str, list[str], bool]]) -> dict[str, int]:
    """Each step's exit status, as the run script's shell reaped it (from the trace: nothing the package can write).

    The shell's children are taken in the order it started them; each step is the next one whose first exec is the
    step's command line. A step that was not reaped (killed at the budget, never reached) has no status."""
    out: dict[str, int] = {}
    if shell is None:
        return out
    pending = list(steps)
    for child in _children(trace, shell):
        if not pending or child.first_argv is None:
            continue
        event, argv, prefix = pending[0]
        if child.first_argv == argv or (prefix and child.first_argv[: len(argv)] == argv):
            pending.pop(0)
            if child.status is not None:
                out[event] = child.status
    return out


def attribute(trace: Trace, shell: Process | None, own: list[list[str]]) -> set[int]:
    """The PIDs whose actions are the package's: everything the run script's shell started, and their children,
    except the decoy, the shell's own ``sleep`` and the package manager's steps in ``own`` (pip installing the built
    wheel). Decided by who started whom (the trace), never by a command line the package could choose. Without
    the shell in the trace, every process but the first is taken as the package's."""
    if shell is None:
        return {pid for pid in trace.processes if pid != 0}
    helpers = [list(_DECOY_ARGV[:1] + _DECOY_ARGV[2:]), list(_SLEEP)]
    out: set[int] = set()
    for proc in trace.processes.values():
        chain = trace.chain(proc.pid)
        above = [p.pid for p in chain]
        if shell.pid not in above[1:]:
            if proc.parent is None and proc.pid != 0:
                out.add(proc.pid)  # a process no traced clone announced (PID translation missing): the package's
            continue
        step = chain[above.index(shell.pid) - 1]  # the shell's child this process descends from
        if step.first_argv in helpers:
            continue
        if any(step.first_argv is not None and step.first_argv[: len(o)] == o and proc.argv[: len(o)] == o for o in own):
            continue
        out.add(proc.pid)
    return out


def tools_missing() -> list[str]:
    missing = [t for t in ("strace", "unshare", "ip", "python3", "bash") if sandbox.bwrap.which_inside(t) is None]
    if "strace" not in missing and not _strace_translates_pids():
        missing.append("strace 5.9 or later (--pidns-translation tells which processes are the package's)")
    return missing


@lru_cache(maxsize=1)
def _strace_translates_pids() -> bool:
    """Whether the sandbox's strace takes ``--pidns-translation`` (strace 5.9 and later)."""
    import subprocess

    strace = sandbox.bwrap.which_inside("strace")
    try:
        # the option is parsed before -V prints the version: an older strace stops at it (nothing is traced)
        proc = subprocess.run([str(strace), "--pidns-translation", "-V"],
                              capture_output=True, timeout=30, stdin=subprocess.DEVNULL, check=False, env={})
    except (OSError, subprocess.SubprocessError):
        return False
    return proc.returncode == 0


def detonate(
    package: Package, profile: Profile, limits: sandbox.Limits, *, linger: float = LINGER_SECONDS
) -> Observation:
    """Run ``package``'s install-time code in a fresh sandbox with fresh bait, traced."""
    sandbox.check_available()
    missing = tools_missing()
    if missing:
        raise sandbox.SandboxUnavailable(f"detonate needs {', '.join(missing)} under /usr (strace: apt-get install strace)")
    bait = make_bait(profile)
    notes_pre: list[str] = []
    scratch = sandbox.new_scratch("shipwarden-detonate-")
    started = time.monotonic()
    try:
        pkg_dir, workspace = _lay_out(scratch, bait, package)
        sw = scratch / SW[len("/scratch/"):]
        ro = scratch / HARNESS[len("/scratch/"):]
        ro.mkdir(parents=True, exist_ok=True)
        sink_src = resources.files("shipwarden.detonate").joinpath("sinkserver.py").read_text("utf-8")
        _write(ro / "sink.py", sink_src)
        # the package's own namespace gets the full filter (bubblewrap gives the launcher the narrower one)
        _write(ro / "seccomp.py", seccomp.LOADER)
        _write(ro / "code.bpf", sandbox.bwrap.seccomp_program(seccomp.STRICT))
        if profile is Profile.CI:
            decoy = bait.canary("github-app-token", "memory:Runner.Worker")
            _write(ro / "decoy.py", _DECOY.format(canary=decoy))
        npm_env = _npm_env(package, bait, pkg_dir) if package.ecosystem == "npm" else {"PATH": "/usr/local/bin:/usr/bin:/bin"}
        for tool, body in _lifecycle().get("shims", {}).items():
            if sandbox.bwrap.which_inside(tool) is None:
                _write(ro / "shims" / tool, f"#!/bin/sh\n{body}\n", 0o755)
        launch, run = _scripts(package, bait, pkg_dir, npm_env, linger, limits)
        _write(ro / "run.sh", run)
        user = USERS[profile]
        env = sandbox.sandbox_env(
            {**bait.env, "USER": user, "LOGNAME": user, "SHELL": "/bin/bash", "TMPDIR": "/tmp",
             "PWD": pkg_dir},
            home=bait.home,
        )
        files: dict[str, bytes] = {}
        ca = _make_ca(sw / "tls")
        if ca is not None:
            # trusted inside this sandbox only: the system bundle plus the run's CA
            try:
                system = Path(_SYSTEM_BUNDLE).read_bytes()[: 16 << 20]
            except OSError:
                system = b""
            files[_SYSTEM_BUNDLE] = system + b"\n" + ca
            env.update({"NODE_EXTRA_CA_CERTS": _SYSTEM_BUNDLE, "SSL_CERT_FILE": _SYSTEM_BUNDLE,
                        "REQUESTS_CA_BUNDLE": _SYSTEM_BUNDLE})
        else:
            notes_pre.append("openssl missing: HTTPS payloads are not decrypted (names and ports are still recorded)")
        if profile is Profile.CI:
            env.update({"RUNNER_TEMP": "/tmp", "RUNNER_WORKSPACE": os.path.dirname(workspace),
                        "GITHUB_WORKSPACE": workspace, "GITHUB_ACTOR": "dev"})
        spec = sandbox.Spec(
            argv=["/bin/sh", "-c", launch],
            scratch=scratch,
            env=env,
            cwd="/scratch",
            mounts=[sandbox.Mount(scratch / "home", bait.home, writable=True),
                    sandbox.Mount(scratch / "tmp", "/tmp", writable=True),
                    # over the writable scratch tree: the harness's inputs, which nothing inside can change
                    sandbox.Mount(ro, HARNESS)],
            limits=limits,
            hostname="runnervm" if profile is Profile.CI else "devbox",
            uid=0,
            caps=_CAPS,
            users=[f"{user}:x:1000:1000:{user}:{bait.home}:/bin/bash"],
            files=files,
            limit_command=False,
        )
        res = sandbox.run(spec)
        seconds = time.monotonic() - started
        trace = parse(res.stderr.decode("utf-8", "replace"))
        sink = []
        launcher_notes: list[str] = []
        for line in res.stdout.decode("utf-8", "replace").splitlines():
            if line.startswith(NOTE_PREFIX):
                launcher_notes.append(line[len(NOTE_PREFIX):][:500])
                continue
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict):
                sink.append(record)
        run_shell = _run_shell(trace)
        own = [pysource.install_prefix(site_inside(bait))] if package.manifest.get("sdist") else []
        statuses = step_statuses(trace, run_shell, _step_argvs(package, bait))
        package_pids = attribute(trace, run_shell, own)
        output = ""
        out_file = sw / "out.log"
        if out_file.is_file() and not out_file.is_symlink():
            with open(out_file, "rb") as fh:
                output = fh.read(256 << 10).decode("utf-8", "replace")
        notes = list(notes_pre)
        if res.truncated:
            notes.append(f"{res.truncated:,} bytes of trace or sink records beyond the cap were dropped")
        notes += launcher_notes[:20]
        if run_shell is None and trace.lines:
            notes.append("the run script's shell is not in the trace: every traced process is taken as the package's")
        return Observation(
            package=package,
            profile=profile,
            bait=bait,
            trace=trace,
            sink=sink,
            statuses=statuses,
            output=output,
            timed_out=res.timed_out,
            seconds=seconds,
            package_dir=pkg_dir,
            workspace=workspace,
            home=bait.home,
            notes=notes,
            own=own,
            steps=[list(_STARTUP)] if package.ecosystem == "pypi" else [],
            package_pids=package_pids,
        )
    finally:
        sandbox.remove_scratch(scratch)
