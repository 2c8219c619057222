"""The identity of an assessed checkout, read with git (read-only, the repository's config runs nothing)."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import urllib.parse
from pathlib import Path

from shipwarden.assess.model import Repository

GIT_TIMEOUT = 60
_SCP_LIKE = re.compile(r"^(?:[^@/]+@)?([^:/]+):(.+)$")


def _git(root: Path, *args: str) -> str | None:
    try:
        proc = subprocess.run(
            ["git", "-C", str(root), "-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null", *args],
            capture_output=True,
            check=False,
            timeout=GIT_TIMEOUT,
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_CONFIG_NOSYSTEM": "1", "GIT_OPTIONAL_LOCKS": "0"},
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode != 0:
        return None
    return proc.stdout.decode("utf-8", "replace")


def clean_remote(url: str) -> str:
    """A remote URL without credentials: ``https://user:token@host/x`` → ``https://host/x``."""
    url = url.strip()
    if "://" in url:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname or ""
        if parts.port:
            host = f"{host}:{parts.port}"
        return urllib.parse.urlunsplit((parts.scheme, host, parts.path, "", ""))
    match = _SCP_LIKE.match(url)
    if match:  # git@host:owner/name.git
        return f"{match.group(1)}:{match.group(2)}"
    return url


def identity_of(remote: str | None, root: Path) -> str:
    """What keys a repository's history: its normalised remote URL, else its absolute path."""
    if remote:
        text = clean_remote(remote).lower().removesuffix("/").removesuffix(".git")
        text = re.sub(r"^[a-z+]+://", "", text)
        return text.replace(":", "/", 1) if "/" in text and ":" in text.split("/")[0] else text
    return "path:" + str(root.resolve())


def identity_key(identity: str) -> str:
    """A file-name-safe key of an identity."""
    return hashlib.sha256(identity.encode("utf-8")).hexdigest()[:16]


def read_repository(root: Path) -> Repository:
    """Remote (``origin``, else the first), commit, branch and uncommitted changes of ``root``."""
    resolved = root.resolve()
    name = resolved.name or str(resolved)
    inside = _git(root, "rev-parse", "--is-inside-work-tree")
    if inside is None or inside.strip() != "true":
        return Repository(root=str(resolved), name=name, identity=identity_of(None, resolved))
    remote: str | None = None
    remotes = (_git(root, "remote") or "").split()
    if remotes:
        chosen = "origin" if "origin" in remotes else remotes[0]
        url = _git(root, "config", "--get", f"remote.{chosen}.url")
        remote = clean_remote(url) if url and url.strip() else None
    prefix = (_git(root, "rev-parse", "--show-prefix") or "").strip().rstrip("/")
    commit = (_git(root, "rev-parse", "--verify", "-q", "HEAD") or "").strip() or None
    branch = (_git(root, "symbolic-ref", "-q", "--short", "HEAD") or "").strip() or None
    status = _git(root, "status", "--porcelain=v1", "--untracked-files=normal", "--ignore-submodules", "-z")
    dirty = None if status is None else bool(status.strip("\0\n "))
    identity = identity_of(remote, resolved)
    if remote:
        name = remote.rstrip("/").removesuffix(".git").rsplit("/", 1)[-1].rsplit(":", 1)[-1] or name
        if prefix:  # a sub-folder of a monorepo has a history of its own
            identity, name = f"{identity}#{prefix}", f"{name}/{prefix}"
    return Repository(
        root=str(resolved),
        name=name,
        identity=identity,
        remote=remote,
        commit=commit,
        branch=branch,
        dirty=dirty,
    )
