"""``gate --build``: build a Python project's sdist and wheel the way a release would.

This is the only place the gate runs code from the scanned project (its build
backend), and only when asked. The build runs:

* as ``python -m build`` (PyPA ``build``), sdist first, then the wheel from it;
* in an isolated build environment (``build``'s default), offline: pip gets
  ``PIP_NO_INDEX=1``, no proxy variables and an empty config file, so the backend
  must come from ``PIP_FIND_LINKS`` (a local wheelhouse) if the user set one.
  When that cannot work offline, it falls back to ``--no-isolation`` (the
  backend already installed beside shipwarden), and says so;
* with a scrubbed environment: only PATH, locale and timezone variables are
  passed on; HOME and TMPDIR point into a fresh temporary directory, so no
  token, registry credential or cloud variable reaches the backend;
* writing only into that temporary directory (plus whatever the backend writes
  into the project, e.g. ``build/`` or ``*.egg-info``, as it would in a release).
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

_PASS = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "SYSTEMROOT", "SOURCE_DATE_EPOCH", "PIP_FIND_LINKS")


class BuildError(Exception):
    pass


@dataclass(slots=True)
class BuildResult:
    sdist: Path | None = None
    wheel: Path | None = None
    isolated: bool = True
    log: list[str] = field(default_factory=list)


def scrubbed_env(workdir: Path, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment the backend sees: no credentials, no network, temp HOME."""
    source = os.environ if base is None else base
    env = {k: source[k] for k in _PASS if k in source}
    home = workdir / "home"
    tmp = workdir / "tmp"
    home.mkdir(parents=True, exist_ok=True)
    tmp.mkdir(parents=True, exist_ok=True)
    env.update(
        {
            "HOME": str(home),
            "USERPROFILE": str(home),
            "TMPDIR": str(tmp),
            "TEMP": str(tmp),
            "TMP": str(tmp),
            "PIP_NO_INDEX": "1",
            "PIP_NO_INPUT": "1",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "PIP_CONFIG_FILE": os.devnull,
            "UV_OFFLINE": "1",
            "UV_NO_CONFIG": "1",
            "PYTHONNOUSERSITE": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
            "NO_PROXY": "*",
            "no_proxy": "*",
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_TERMINAL_PROMPT": "0",
        }
    )
    return env


def build_available(python: str = sys.executable) -> bool:
    proc = subprocess.run(
        [python, "-c", "import build"], capture_output=True, timeout=60, stdin=subprocess.DEVNULL, check=False
    )
    return proc.returncode == 0


def build_python(source: Path, workdir: Path, *, python: str = sys.executable, timeout: float = 600.0) -> BuildResult:
    """Build ``source`` into ``workdir/dist``; raise BuildError with the tail of the log on failure."""
    if not build_available(python):
        raise BuildError("`python -m build` is not available: pip install build (or point TARGET at built archives)")
    outdir = workdir / "dist"
    result = BuildResult()
    attempts = [("isolated, offline", []), ("no isolation (offline fallback)", ["--no-isolation"])]
    last = ""
    for label, extra in attempts:
        for old in outdir.glob("*"):
            old.unlink()
        cmd = [python, "-m", "build", *extra, "--outdir", str(outdir), str(source)]
        try:
            proc = subprocess.run(
                cmd,
                cwd=workdir,
                env=scrubbed_env(workdir),
                capture_output=True,
                text=True,
                timeout=timeout,
                stdin=subprocess.DEVNULL,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise BuildError(f"python -m build failed to run: {exc}") from None
        result.log.append(f"{label}: exit {proc.returncode}")
        if proc.returncode == 0:
            result.isolated = not extra
            result.sdist = next(iter(sorted(outdir.glob("*.tar.gz"))), None)
            result.wheel = next(iter(sorted(outdir.glob("*.whl"))), None)
            return result
        last = (proc.stderr or proc.stdout).strip()
    tail = " / ".join(last.splitlines()[-4:])
    raise BuildError(f"python -m build failed ({'; '.join(result.log)}): {tail}")
