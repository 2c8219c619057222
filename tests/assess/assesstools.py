"""Helpers of the assess tests: required system tools, a PostgreSQL server of our own, fixture repositories."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).parents[2] / "examples" / "vulnerable-release"
PG_BIN = Path("/usr/lib/postgresql/15/bin")
GIT_ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
    "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid",
}


def need(tool: str) -> str:
    """The path of a system tool; skip without it, except in CI (``CI=true``), where its absence fails."""
    found = shutil.which(tool) or (str(PG_BIN / tool) if (PG_BIN / tool).is_file() else None)
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{tool} is required in CI (scripts/system-deps.sh installs it)")
        pytest.skip(f"{tool} is not installed (scripts/system-deps.sh installs it)")
    return found


def clock(minute: int) -> dt.datetime:
    return dt.datetime(2026, 11, 2, 9, minute, 0, tzinfo=dt.UTC)


def git(root: Path, *args: str) -> str:
    proc = subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, env=GIT_ENV, text=True)
    return proc.stdout


def example_repo(base: Path, remote: str = "https://github.example.invalid/acme/widgets.git") -> Path:
    """A git checkout of the bundled example with a remote (and nothing else)."""
    root = base / "widgets"
    shutil.copytree(EXAMPLE, root)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "example")
    git(root, "remote", "add", "origin", remote)
    return root


def write_json(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")


@contextmanager
def postgres_server() -> Iterator[str]:
    """Start a throwaway PostgreSQL (initdb into a temporary folder, Unix socket only); yield its URL."""
    initdb, pg_ctl = need("initdb"), need("pg_ctl")
    base = Path(tempfile.mkdtemp(prefix="swpg"))
    data, sock, logs = base / "data", base / "s", base / "logs"
    sock.mkdir()
    logs.mkdir()
    as_root = os.geteuid() == 0
    prefix: list[str] = []
    if as_root:  # PostgreSQL refuses to run as root: run it as the postgres user
        base.chmod(0o755)
        shutil.chown(sock, "postgres")
        shutil.chown(logs, "postgres")
        data.mkdir()
        shutil.chown(data, "postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
    user = "postgres" if as_root else os.environ.get("USER", "postgres")
    run = {"check": True, "capture_output": True, "timeout": 120}
    subprocess.run([*prefix, initdb, "-D", str(data), "-A", "trust", "-U", user, "--no-sync"], **run)  # type: ignore[call-overload]
    options = f"-k {sock} -c listen_addresses='' -c fsync=off -c shared_buffers=16MB -c max_connections=20"
    start = subprocess.run([*prefix, pg_ctl, "-D", str(data), "-o", options, "-w", "-t", "60", "-l",
                            str(logs / "log"), "start"], capture_output=True, timeout=120, check=False)
    if start.returncode != 0:
        log = (logs / "log").read_text(errors="replace") if (logs / "log").is_file() else ""
        shutil.rmtree(base, ignore_errors=True)
        raise RuntimeError(f"pg_ctl start failed: {start.stderr.decode(errors='replace')}\n{log}")
    try:
        yield f"postgresql://{user}@/postgres?host={sock}"
    finally:
        subprocess.run([*prefix, pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"],
                       capture_output=True, timeout=60, check=False)
        shutil.rmtree(base, ignore_errors=True)
