"""Helpers of the detonate tests: skip rules (never under CI) and packages written at test time."""

from __future__ import annotations

import os
import shutil

import pytest

CI = os.environ.get("CI", "").lower() == "true"


def _missing() -> str | None:
    if shutil.which("bwrap") is None:
        return "bubblewrap (bwrap) is not installed (scripts/system-deps.sh installs it)"
    from shipwarden.sandbox import SandboxUnavailable, check_available

    try:
        check_available()
    except SandboxUnavailable as exc:
        return str(exc)
    return None


MISSING = _missing()

#: Skip outside CI when the sandbox cannot run here; under CI=true the tests run (and fail).
needs_sandbox = pytest.mark.skipif(MISSING is not None and not CI, reason=f"sandbox unavailable: {MISSING}")
needs_strace = pytest.mark.skipif(
    shutil.which("strace") is None and not CI, reason="strace is not installed (scripts/system-deps.sh installs it)"
)


def write_package(root, name: str, scripts: dict[str, str], files: dict[str, str]):  # type: ignore[no-untyped-def]
    """An npm package folder written at test time (never committed)."""
    import json

    root.mkdir(parents=True, exist_ok=True)
    (root / "package.json").write_text(json.dumps({"name": name, "version": "1.0.0", "scripts": scripts}))
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root
