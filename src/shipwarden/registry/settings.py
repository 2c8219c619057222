"""Where the user's registries are (read from their configuration), size limits, and the errors of registry look-ups."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from shipwarden.core import safeio

MiB = 1024 * 1024
#: Largest metadata document (packument, index page) accepted.
MAX_METADATA = 64 * MiB
#: Largest package file downloaded.
MAX_DOWNLOAD = 512 * MiB
#: How long a metadata response (dist-tags, file lists) is reused from the cache.
METADATA_TTL = 600.0

NPM_ACCEPT = "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8"
PYPI_ACCEPT = "application/vnd.pypi.simple.v1+json, text/html; q=0.1"


class RegistryError(Exception):
    """A registry is not configured, unreachable, or answered something unusable."""


class NotFoundError(RegistryError):
    """The registry answered 404: no such package (or version file)."""


# ---------------------------------------------------------------------------
# configuration


def _run(cmd: list[str], cwd: Path | None, env: Mapping[str, str]) -> str:
    try:
        proc = subprocess.run(
            cmd, cwd=cwd, env=dict(env), capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return proc.stdout if proc.returncode == 0 else ""


def npm_registries(*, cwd: Path | None = None, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """Every npm registry the user's configuration names, read once: ``""`` → the default registry,
    ``"@scope"`` → that scope's. One ``npm config list --json`` (which reads every ``.npmrc`` and the
    environment) when npm is installed, else the environment and the user's and project's ``.npmrc``.
    npm refuses to run inside a project whose ``devEngines.packageManager`` names another manager
    (EBADDEVENGINES); then it is asked outside the project and the project's ``.npmrc`` is read here."""
    env = os.environ if env is None else env
    found: dict[str, str] = {}
    home = env.get("HOME") or str(Path.home())
    found.update(_npmrc_registries(Path(home) / ".npmrc"))
    npm = shutil.which("npm", path=env.get("PATH"))
    in_project = False
    if npm:
        listed = _npm_config_list(npm, cwd, env)
        in_project = listed is not None and cwd is not None
        if listed is None:
            listed = _npm_config_list(npm, Path(home) if Path(home).is_dir() else Path("/"), env)
        found.update(listed or {})
    if cwd is not None and not in_project:
        found.update(_npmrc_registries(Path(cwd) / ".npmrc"))
    for name, value in env.items():
        low = name.lower()
        if low == "npm_config_registry" and value:
            found[""] = value
        elif low.startswith("npm_config_@") and low.endswith(":registry") and value:
            found[name[len("npm_config_") : -len(":registry")]] = value
    return {scope: url.rstrip("/") + "/" for scope, url in found.items() if url and url != "undefined"}


def _npm_config_list(npm: str, cwd: Path | None, env: Mapping[str, str]) -> dict[str, str] | None:
    """Registries from ``npm config list --json`` run in ``cwd`` (None when npm fails there)."""
    try:
        listed = json.loads(_run([npm, "config", "list", "--json"], cwd, env) or "null")
    except ValueError:
        return None
    if not isinstance(listed, dict) or "error" in listed:
        return None
    out: dict[str, str] = {}
    for key, value in listed.items():
        if isinstance(value, str) and value and (key == "registry" or re.fullmatch(r"@[^:/\s]+:registry", key)):
            out["" if key == "registry" else key.split(":", 1)[0]] = value
    return out


def _npmrc_registries(path: Path) -> dict[str, str]:
    try:
        text = safeio.read_text(path, limit=1024 * 1024)  # a project's .npmrc may be a FIFO
    except OSError:
        return {}
    return {m.group(1) or "": m.group(2).strip("\"'") for m in _NPMRC_REGISTRY.finditer(text)}


_NPMRC_REGISTRY = re.compile(r"^\s*(@[^:\s]+)?:?registry\s*=\s*(\S+)\s*$", re.M)


def npm_registry_url(scope: str = "", *, cwd: Path | None = None, env: Mapping[str, str] | None = None) -> str:
    """The npm registry the user's configuration uses (for ``@scope`` when given)."""
    return _pick(npm_registries(cwd=cwd, env=env), scope)


def _pick(registries: Mapping[str, str], scope: str) -> str:
    if scope and scope in registries:
        return registries[scope]
    if "" in registries:
        return registries[""]
    raise RegistryError("no npm registry configured: set NPM_CONFIG_REGISTRY or install npm")


_PIP_LINE = re.compile(r"^(?:global|install|download)\.index-url\s*=\s*'?([^'\s]+)'?\s*$", re.M)


def pypi_index_url(*, env: Mapping[str, str] | None = None, python: str | None = None) -> str:
    """The Python simple index the user's pip (or uv) configuration uses."""
    env = os.environ if env is None else env
    for name in ("PIP_INDEX_URL", "UV_DEFAULT_INDEX", "UV_INDEX_URL"):
        if env.get(name):
            return env[name].rstrip("/") + "/"
    exe = python or sys.executable
    out = _run([exe, "-m", "pip", "config", "list"], None, env)
    m = _PIP_LINE.search(out)
    if m:
        return m.group(1).rstrip("/") + "/"
    default = _run(
        [exe, "-c", "from pip._internal.models.index import PyPI; print(PyPI.simple_url)"], None, env
    ).strip()
    if default:
        return default.rstrip("/") + "/"
    raise RegistryError("no Python package index configured: set PIP_INDEX_URL")


# ---------------------------------------------------------------------------
# transport and cache


