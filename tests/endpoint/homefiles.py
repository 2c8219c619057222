"""Writing files into a test home (a module of its own; see tests/gate/gatehelpers.py)."""

from __future__ import annotations

from pathlib import Path


def write_file(path: Path, text: str | bytes, mode: int = 0o600) -> Path:
    """Write ``text`` at ``path`` (parents made) with ``mode``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    path.chmod(mode)
    return path
