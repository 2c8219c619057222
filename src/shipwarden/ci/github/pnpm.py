"""pnpm's dependency build-script policy as a repository declares it.

pnpm 10 and later run no dependency lifecycle script unless the dependency is
allowlisted (``onlyBuiltDependencies`` or ``allowBuilds``, in ``package.json``'s
``pnpm`` field or in ``pnpm-workspace.yaml``). The setting names live in
``data/pnpm.toml``; files are read through the loader's reader (safe, bounded).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from typing import Any

from shipwarden.core import safeio
from shipwarden.core.patterns import LazyPattern
from shipwarden.core.structs import struct
from shipwarden.core.tables import load_table

#: a manifest or workspace file bigger than this is not read
MAX_CONFIG_BYTES = 1024 * 1024
_MAJOR = LazyPattern(r"^\s*[v^~=]*(\d+)(?:[.\s]|$)")


@struct(frozen=True)
class PnpmPolicy:
    """What the repository's root declares about dependency build scripts."""

    #: major version ``packageManager`` pins (``pnpm@10.14.0`` → 10), None if none
    major: int | None = None
    #: dependencies allowed to run their scripts (sorted)
    allowed: tuple[str, ...] = ()
    #: an allow-all switch, a deny list, or an allowlist not readable here: scripts may run widely
    open: bool = False


@cache
def _table() -> dict[str, Any]:
    return load_table("shipwarden.ci.github", "pnpm.toml")


def scripts_off_from() -> int:
    return int(_table()["scripts_off_from_major"])


def allow_flags() -> tuple[str, ...]:
    return tuple(_table()["allow_flags"])


@cache
def clears_allowlist() -> re.Pattern[str]:
    """A run script that turns the build allowlist off (``yq '.allowBuilds[]=false' -i …``)."""
    return re.compile("|".join(f"(?:{p})" for p in _table()["clear_allowlist_patterns"]))


def root_install_hooks() -> tuple[str, ...]:
    return tuple(_table()["root_install_hooks"])


def fetch_hooks() -> frozenset[str]:
    return frozenset(_table()["fetch_hooks"])


@cache
def fetch_and_run() -> re.Pattern[str]:
    """A hook command that fetches a package and runs it (``npx only-allow pnpm``): group 1 names it."""
    return re.compile(str(_table()["fetch_and_run"]))


def major_of(version: str) -> int | None:
    """Major version of a pin such as ``10.14.0``, ``10``, ``^10.2`` (None for ``latest`` and the like)."""
    m = _MAJOR.match(version)
    return int(m.group(1)) if m else None


def _load_yaml(read: Callable[[str], bytes | None], rel: str) -> Any:
    try:
        data = read(rel)
        if data is None or len(data) > MAX_CONFIG_BYTES:
            return None
        return safeio.load_yaml(data.decode("utf-8"), rel)
    except Exception:  # noqa: BLE001 - an unreadable file declares nothing
        return None


def _names(value: Any) -> tuple[list[str], bool]:
    """Allowed names in an allowlist setting, and whether it could not be read."""
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)], not all(isinstance(v, str) for v in value)
    if isinstance(value, dict):
        return [k for k, v in value.items() if isinstance(k, str) and v is not False], False
    return [], value is not None


def read_policy(read: Callable[[str], bytes | None], manifest: object) -> PnpmPolicy:
    """The policy the root declares in ``manifest`` (its ``package.json`` parsed, None if
    it has none or it cannot be read), ``pnpm-workspace.yaml`` and ``.npmrc``; ``read``
    gives a root file's bytes, None for a file that is missing or cannot be read."""
    table = _table()
    workspace = _load_yaml(read, "pnpm-workspace.yaml")
    major = None
    settings: list[dict[str, Any]] = []
    if isinstance(manifest, dict):
        pm = manifest.get("packageManager")
        if isinstance(pm, str) and pm.strip().lower().startswith("pnpm@"):
            major = major_of(pm.split("@", 1)[1])
        if isinstance(manifest.get("pnpm"), dict):
            settings.append(manifest["pnpm"])
    if isinstance(workspace, dict):
        settings.append(workspace)
    allowed: set[str] = set()
    open_ = False
    for block in settings:
        for key in table["allowlist_keys"]:
            names, unreadable = _names(block.get(key))
            allowed.update(names)
            open_ = open_ or unreadable
        if any(block.get(k) not in (None, False) for k in table["allow_all_keys"]):
            open_ = True
        if any(k in block for k in table["unknown_keys"]):
            open_ = True
    try:
        data = read(".npmrc")
        npmrc = data[:MAX_CONFIG_BYTES].decode("utf-8", "replace") if data is not None else ""
    except Exception:  # noqa: BLE001 - no .npmrc
        npmrc = ""
    if npmrc and any(re.search(rf"^\s*{re.escape(k)}\b", npmrc, re.MULTILINE) for k in table["npmrc_keys"]):
        open_ = True
    return PnpmPolicy(major, tuple(sorted(allowed)), open_)
