"""``gate --build``: build a Python project's sdist and wheel the way a release would — in a sandbox.

This is the only place the gate runs code from the scanned project (its build
backend), and only when asked. It never runs outside the bubblewrap sandbox of
:mod:`shipwarden.sandbox`; when that cannot be set up, ``--build`` is refused.

1. The project's ``[build-system] requires`` are read from ``pyproject.toml``
   (setuptools when absent) and fetched **as wheels only** (``pip download
   --only-binary=:all:``), together with ``pip`` and ``build``, through the
   user's own pip configuration — as ``pip install`` would find them. Wheels
   are unpacked, never executed, so nothing from the registry runs outside the
   sandbox; a requirement with no wheel, or a direct URL, is reported and the
   build refused.
2. The project is copied into the sandbox's scratch tree.
3. Inside the sandbox (no network, cleared environment, throwaway HOME, no view
   of the user's home, the project, or shipwarden's own environment, time and
   memory limits) a throwaway venv is created, the wheels are installed into it
   offline, and ``python -m build --no-isolation`` makes the sdist and then the
   wheel from it.
4. Only ``dist/`` comes back out. The build's output is passed through the
   secret redactor before it reaches any message.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement

from shipwarden import sandbox
from shipwarden.core import safeio
from shipwarden.sandbox.copy import CopyLimitError, copy_tree
from shipwarden.secrets.redactor import redact_text

_PYPROJECT_LIMIT = 1 << 20
_DEFAULT_REQUIRES = ["setuptools>=40.8.0"]
#: what every sandboxed build needs besides the project's own requirements
_TOOLS = ["pip", "build"]

#: The build, inside the sandbox: a fresh venv, the wheels installed offline, then build.
_SCRIPT = r"""
set -e
"$SW_PYTHON" -m venv --without-pip /scratch/venv
pipwheel=$(ls /scratch/wheels/pip-*.whl | head -n 1)
/scratch/venv/bin/python "$pipwheel/pip" install --quiet --no-index --no-cache-dir --disable-pip-version-check \
    --only-binary=:all: --find-links /scratch/wheels build "$@"
cd /scratch
exec /scratch/venv/bin/python -m build --no-isolation --outdir /scratch/dist /scratch/src
"""


class BuildError(Exception):
    pass


@dataclass(slots=True)
class BuildResult:
    sdist: Path | None = None
    wheel: Path | None = None
    #: always True now: the build ran in the sandbox (kept for callers)
    isolated: bool = True
    #: the build's output, redacted
    log: list[str] = field(default_factory=list)


def redact_log(text: str) -> str:
    """The one place build output is redacted before it may reach any output."""
    return redact_text(text)


def _read_pyproject(source: Path) -> dict[str, object]:
    try:
        text = safeio.read_text(source / "pyproject.toml", limit=_PYPROJECT_LIMIT)
        return safeio.load_toml(text, "pyproject.toml")
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise BuildError(f"pyproject.toml: not read ({exc})") from None


def build_requirements(source: Path) -> list[str]:
    """The build requirements to fetch as wheels (validated; no URLs, no options)."""
    system = _read_pyproject(source).get("build-system")
    requires: object = _DEFAULT_REQUIRES
    backend: object = None
    if isinstance(system, dict):
        requires = system.get("requires", _DEFAULT_REQUIRES)
        backend = system.get("build-backend")
    if not isinstance(requires, list) or not all(isinstance(r, str) for r in requires):
        raise BuildError("pyproject.toml: [build-system] requires is not a list of strings")
    out: list[str] = []
    for text in requires:
        try:
            req = Requirement(text)
        except InvalidRequirement as exc:
            raise BuildError(f"build requirement {text[:80]!r} is not valid ({exc})") from None
        if req.url:
            raise BuildError(f"build requirement {req.name} is a direct URL: not fetched (only wheels from your index)")
        out.append(str(req))
    # setuptools' legacy backend asks for `wheel` when building a wheel (before setuptools 70.1)
    if backend is None or (isinstance(backend, str) and backend.startswith("setuptools")):
        out.append("wheel")
    return out


def fetch_wheels(requirements: list[str], dest: Path, timeout: float, python_version: str | None) -> None:
    """Download the wheels of the build tools and requirements through the user's pip configuration."""
    dest.mkdir(parents=True, exist_ok=True)
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--only-binary=:all:",
        "--no-input",
        "--disable-pip-version-check",
        "--quiet",
        *(["--python-version", python_version] if python_version else []),
        "--dest",
        str(dest),
        *_TOOLS,
        *requirements,
    ]
    try:
        proc = subprocess.run(
            cmd, cwd=dest, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BuildError(f"the build requirements could not be fetched: {exc}") from None
    if proc.returncode != 0:
        lines = [ln for ln in redact_log(proc.stderr or proc.stdout).splitlines() if ln.startswith("ERROR")]
        raise BuildError(
            "the build requirements could not be had as wheels through your pip configuration "
            f"({', '.join(_TOOLS + requirements)}): {' / '.join(lines[-2:]) or 'pip download failed'}; "
            "without them the build is not run (offline: add them to a wheelhouse named by PIP_FIND_LINKS)"
        )


def _python_inside() -> tuple[str, list[sandbox.Mount], str | None]:
    """The interpreter the build uses in the sandbox, its mounts, and its version when not shipwarden's.

    shipwarden's own base interpreter (never its venv) when the sandbox can see it:
    under ``/usr``, or — when not running as root — its installation tree shown
    read-only. Otherwise the system's ``/usr/bin/python3``.
    """
    exe = os.path.realpath(getattr(sys, "_base_executable", sys.executable))
    prefix = os.path.realpath(sys.base_prefix)
    if prefix == "/usr" or prefix.startswith("/usr/"):
        return exe, [], None
    if os.geteuid() != 0:
        return exe, [sandbox.Mount(Path(prefix), prefix)], None
    system = shutil.which("python3", path="/usr/bin:/bin")
    if system is None or not os.path.realpath(system).startswith("/usr/"):
        raise BuildError("--build needs a python3 under /usr that the sandbox can see (install python3)")
    try:
        proc = subprocess.run(
            [system, "-I", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True, text=True, timeout=60, check=True, stdin=subprocess.DEVNULL, env={},
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise BuildError(f"{system} does not run: {exc}") from None
    return system, [], proc.stdout.strip()


def build_python(
    source: Path,
    workdir: Path,
    *,
    timeout: float = 600.0,
    limits: sandbox.Limits | None = None,
) -> BuildResult:
    """Build ``source`` into ``workdir/dist`` inside the sandbox; raise BuildError (redacted) on failure."""
    try:
        sandbox.check_available()
    except sandbox.SandboxUnavailable as exc:
        raise BuildError(f"--build refused: {exc}") from None
    source = source.resolve()
    if not source.is_dir():
        raise BuildError(f"{source} is not a directory")
    requirements = build_requirements(source)
    scratch = sandbox.new_scratch("shipwarden-build-")
    try:
        try:
            copy_tree(source, scratch / "src")
        except (CopyLimitError, OSError) as exc:
            raise BuildError(f"the project could not be copied into the sandbox: {exc}") from None
        python, mounts, version = _python_inside()
        fetch_wheels(requirements, scratch / "wheels", timeout, version)
        (scratch / "home").mkdir()
        (scratch / "dist").mkdir()
        env = sandbox.sandbox_env(
            {
                "SW_PYTHON": python,
                "PYTHONNOUSERSITE": "1",
                "PYTHONDONTWRITEBYTECODE": "1",
                "PIP_NO_INDEX": "1",
                "PIP_NO_INPUT": "1",
                "PIP_CONFIG_FILE": os.devnull,
                "SOURCE_DATE_EPOCH": os.environ.get("SOURCE_DATE_EPOCH", "315532800"),
            }
        )
        spec = sandbox.Spec(
            argv=["/bin/sh", "-c", _SCRIPT, "sh", *requirements],
            scratch=scratch,
            env=env,
            mounts=mounts,
            limits=limits or sandbox.Limits(wall_seconds=timeout, cpu_seconds=int(timeout)),
        )
        res = sandbox.run(spec)
        log = redact_log(res.text())
        result = BuildResult(log=log.splitlines()[-200:])
        if res.timed_out or res.returncode != 0:
            why = (
                f"killed after {spec.limits.wall_seconds:g} s"
                if res.timed_out
                else f"killed by signal {res.signal}" if res.signal else f"exit {res.returncode}"
            )
            tail = " / ".join(ln for ln in log.strip().splitlines()[-6:] if ln.strip())
            raise BuildError(f"python -m build failed in the sandbox ({why}): {tail}")
        outdir = workdir / "dist"
        outdir.mkdir(parents=True, exist_ok=True)
        for built in sorted((scratch / "dist").iterdir()):
            if built.is_file() and not built.is_symlink() and built.name.endswith((".tar.gz", ".whl")):
                shutil.copyfile(built, outdir / built.name)
        result.sdist = next(iter(sorted(outdir.glob("*.tar.gz"))), None)
        result.wheel = next(iter(sorted(outdir.glob("*.whl"))), None)
        return result
    finally:
        sandbox.remove_scratch(scratch)
