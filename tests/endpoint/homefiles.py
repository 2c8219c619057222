"""Writing files into a test home (a module of its own; see tests/gate/gatehelpers.py)."""

from __future__ import annotations

import builtins
import os
from pathlib import Path

import pytest


def write_file(path: Path, text: str | bytes, mode: int = 0o600) -> Path:
    """Write ``text`` at ``path`` (parents made) with ``mode``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    path.chmod(mode)
    return path


def deny_open(monkeypatch: pytest.MonkeyPatch, target: Path) -> None:
    """Make opening ``target`` fail as for a file the user may not read (root reads anything)."""
    real_open = builtins.open

    def deny(file: object, *args: object, **kwargs: object) -> object:
        if Path(str(file)) == target:
            raise PermissionError(13, "Permission denied")
        return real_open(file, *args, **kwargs)  # type: ignore[call-overload]

    real_os_open = os.open

    def deny_os(file: object, *args: object, **kwargs: object) -> int:
        if Path(str(file)) == target:
            raise PermissionError(13, "Permission denied")
        return real_os_open(file, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "open", deny)
    monkeypatch.setattr(os, "open", deny_os)
