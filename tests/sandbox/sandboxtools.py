"""Helpers of the sandbox tests: when the sandbox may be skipped (never under CI)."""

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
