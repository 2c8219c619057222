"""Shared helpers for the TOML lockfiles (``poetry.lock``, ``uv.lock``, ``pylock.toml``)."""

from __future__ import annotations

import re
import tomllib
from typing import Any

from shipwarden.deps.model import LockfileError
from shipwarden.deps.text import LineIndex


def load_toml(text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise LockfileError(f"invalid TOML: {exc}", int(m.group(1)) if m else 0, "toml") from None


def array_table_lines(text: str, table: str) -> list[int]:
    """Line of each ``[[table]]`` header, in order (the n-th entry of the parsed array)."""
    index = LineIndex(text)
    pattern = re.compile(r"^[ \t]*\[\[[ \t]*" + re.escape(table) + r"[ \t]*\]\][ \t]*(?:#.*)?$", re.M)
    return [index.line(m.start()) for m in pattern.finditer(text)]
