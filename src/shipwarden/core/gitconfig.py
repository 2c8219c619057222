"""Can git be run on a scanned repository without it reading something hostile?

git reads the repository's own ``.git/config`` on every command, and that file
can ``[include] path = …`` anything: a FIFO there blocks git forever (a
``--all-branches`` scan once waited out a 120 s timeout and lost the root).
:func:`config_hazard` reads the configuration chain through
:mod:`shipwarden.core.safeio` first (bounded, non-blocking) and names the first
include that is not a regular file, so the caller skips git with a note.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from shipwarden.core import safeio
from shipwarden.core.patterns import LazyPattern

#: Largest git configuration file read, and most files followed through includes.
MAX_CONFIG_BYTES = 1024 * 1024
MAX_INCLUDES = 16

_SECTION = LazyPattern(r"^\s*\[\s*([A-Za-z0-9.-]+)(?:\s+\"[^\"]*\")?\s*\]")
_PATH = LazyPattern(r"^\s*path\s*=\s*(.*?)\s*$", re.I)


def git_dir(root: Path) -> Path | None:
    """The git directory holding ``root`` (the nearest ``.git`` upward), or ``None``."""
    current = Path(os.path.abspath(root))
    for folder in (current, *current.parents):
        dot = folder / ".git"
        if dot.is_dir():
            return dot
        if dot.is_file():
            try:
                text = safeio.read_text(dot, limit=4096)
            except OSError:
                return None
            target = text.strip().removeprefix("gitdir:").strip()
            return (folder / target) if target else None
    return None


def _config_files(gdir: Path) -> list[Path]:
    files = [gdir / "config"]
    try:
        common = safeio.read_text(gdir / "commondir", limit=4096).strip()
    except OSError:
        common = ""
    if common:
        files.insert(0, (gdir / common) / "config")
    return files


def _unquote(value: str) -> str:
    value = value.split(" #", 1)[0].split(" ;", 1)[0].strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    return value


def _includes(text: str, base: Path) -> list[Path]:
    out: list[Path] = []
    section = ""
    for line in text.splitlines():
        m = _SECTION.match(line)
        if m:
            section = m.group(1).lower()
            rest = line[m.end():]
            line = rest
        if section not in ("include", "includeif"):
            continue
        p = _PATH.match(line)
        if p:
            value = _unquote(p.group(1))
            if value.startswith("~/"):
                out.append(Path(os.path.expanduser(value)))
            elif value:
                out.append(base / value)
    return out


def config_hazard(root: Path) -> str | None:
    """Why running git in ``root`` could block or read something unbounded; ``None`` when it cannot."""
    gdir = git_dir(root)
    if gdir is None:
        return None
    pending = _config_files(gdir)
    seen: set[str] = set()
    while pending and len(seen) < MAX_INCLUDES:
        path = pending.pop(0)
        key = os.path.realpath(path)
        if key in seen:
            continue
        seen.add(key)
        if not os.path.lexists(path):
            continue
        try:
            text = safeio.read_text(path, limit=MAX_CONFIG_BYTES)
        except FileNotFoundError:
            continue  # git ignores a missing include
        except OSError as exc:
            return f"git configuration {path.name}: {exc}; git is not run on this repository"
        pending.extend(_includes(text, path.parent))
    return None


#: Options given to every git command shipwarden runs: nothing configured in a
#: repository may run a program (hooks, fsmonitor) or use the ``ext::`` transport.
SAFE_GIT_OPTIONS = (
    "-c", "core.fsmonitor=false",
    "-c", "core.hooksPath=/dev/null",
    "-c", "protocol.ext.allow=never",
)


def run_git(cwd: Path, *args: str, timeout: int = 120, max_bytes: int = 64 * 1024 * 1024) -> bytes:
    """Run ``git -C cwd ARGS`` without prompts, system configuration or hooks.

    Raises :class:`OSError` with git's message (or a timeout note); at most
    ``max_bytes`` of its output are kept.
    """
    import subprocess

    try:
        proc = subprocess.run(
            ["git", "-C", str(cwd), *SAFE_GIT_OPTIONS, *args],
            capture_output=True,
            check=False,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_CONFIG_NOSYSTEM": "1"},
        )
    except subprocess.TimeoutExpired:
        raise OSError(f"git {args[0]} did not finish in {timeout} s") from None
    if proc.returncode != 0:
        raise OSError(proc.stderr.decode("utf-8", "replace").strip() or f"git {args[0]} failed")
    return proc.stdout[:max_bytes]
