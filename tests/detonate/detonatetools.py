"""Helpers of the detonate tests: skip rules (never under CI) and packages written at test time."""

from __future__ import annotations

import sys
from pathlib import Path

# the skip rules are the sandbox tests' own (tests/sandbox/sandboxtools.py)
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sandbox"))

from sandboxtools import CI, MISSING, needs_sandbox, needs_strace  # noqa: E402

__all__ = ["CI", "MISSING", "needs_sandbox", "needs_strace", "write_package"]


def write_package(root, name: str, scripts: dict[str, str], files: dict[str, str]):  # type: ignore[no-untyped-def]
    """An npm package folder written at test time (never committed)."""
    import json

    root.mkdir(parents=True, exist_ok=True)
    (root / "package.json").write_text(json.dumps({"name": name, "version": "1.0.0", "scripts": scripts}))
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root
