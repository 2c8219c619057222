"""Run ``npm pack --dry-run --json --ignore-scripts`` (never the package's own scripts)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

#: Arguments that keep npm from running any script of the scanned package.
NPM_PACK_ARGS = ("pack", "--dry-run", "--json", "--ignore-scripts", "--workspaces=false")


class NpmPackError(Exception):
    pass


@dataclass(frozen=True, slots=True)
class PackEntry:
    path: str
    size: int
    mode: int = 0o644


def find_npm() -> str | None:
    return shutil.which("npm")


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "npm_config_ignore_scripts": "true",
            "npm_config_audit": "false",
            "npm_config_fund": "false",
            "npm_config_update_notifier": "false",
            "npm_config_loglevel": "error",
            "npm_config_progress": "false",
        }
    )
    return env


def pinned_args(scratch: Path) -> list[str]:
    """Settings a project's ``.npmrc`` must not choose: command-line flags beat every npmrc file.

    A hostile ``.npmrc`` could otherwise point ``logs-dir`` or ``cache`` at any
    path of the user's (npm writes there) or turn scripts back on.
    """
    return [
        f"--logs-dir={scratch / 'logs'}",
        "--logs-max=0",
        f"--cache={scratch / 'cache'}",
        "--loglevel=error",
        "--audit=false",
        "--fund=false",
        "--update-notifier=false",
        "--progress=false",
    ]


def npm_pack_dry_run(directory: Path, npm: str | None = None, timeout: float = 120.0) -> list[PackEntry]:
    """The file list from ``npm pack --dry-run --json --ignore-scripts`` in ``directory``."""
    exe = npm or find_npm()
    if exe is None:
        raise NpmPackError("npm is not installed")
    try:
        with tempfile.TemporaryDirectory(prefix="shipwarden-npm-") as scratch:
            proc = subprocess.run(
                [exe, *NPM_PACK_ARGS, *pinned_args(Path(scratch))],
                cwd=directory,
                env=_env(),
                capture_output=True,
                text=True,
                timeout=timeout,
                stdin=subprocess.DEVNULL,
                check=False,
            )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise NpmPackError(f"npm pack failed to run: {exc}") from None
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise NpmPackError(f"npm pack exited {proc.returncode}: {' / '.join(tail)}")
    out = proc.stdout
    start = out.find("[")
    try:
        data = json.loads(out[start:]) if start >= 0 else None
    except ValueError as exc:
        raise NpmPackError(f"npm pack printed no JSON: {exc}") from None
    if not isinstance(data, list) or not data or not isinstance(data[0], dict):
        raise NpmPackError("npm pack printed an unexpected JSON shape")
    files = data[0].get("files") or []
    return [
        PackEntry(str(f.get("path", "")), int(f.get("size", 0)), int(f.get("mode", 0o644)))
        for f in files
        if isinstance(f, dict) and f.get("path")
    ]
