"""Release tools whose registry publish the repository's own configuration turns off
(``data/release_config.toml``): release-it with ``"npm": {"publish": false}``."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from shipwarden.core import safeio
from shipwarden.core.tables import load_table

#: a configuration file bigger than this is not read
MAX_CONFIG_BYTES = 1024 * 1024


@cache
def _entries() -> tuple[tuple[str, str, tuple[str, ...], Any], ...]:
    raw = load_table("shipwarden.ci.github", "release_config.toml")
    return tuple((e["tool"], e["file"], tuple(e["path"]), e["value"]) for e in raw["off"])


def _json(read: Callable[[str], bytes], rel: str) -> Any:
    try:
        data = read(rel)
        if len(data) > MAX_CONFIG_BYTES:
            return None
        return safeio.load_json(data.decode("utf-8"), rel)
    except Exception:  # noqa: BLE001 - an absent or unreadable file turns nothing off
        return None


def publish_off(read: Callable[[str], bytes]) -> frozenset[str]:
    """The tools whose publish the checkout's configuration turns off."""
    files: dict[str, Any] = {}
    off: set[str] = set()
    for tool, rel, path, value in _entries():
        if rel not in files:
            files[rel] = _json(read, rel)
        node = files[rel]
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        if node is not None and node == value and type(node) is type(value):
            off.add(tool)
    return frozenset(off)
