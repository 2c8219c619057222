"""Helpers shared by the gate tests (a module of its own: test modules of several
folders importing from ``conftest`` would get whichever folder's was imported first)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from shipwarden.packaging.gate import GateOptions, GateResult, run_gate

HAS_NPM = shutil.which("npm") is not None
needs_npm = pytest.mark.skipif(not HAS_NPM, reason="npm is not installed")


def gate(target: Path, **kwargs: object) -> GateResult:
    kwargs.setdefault("packlist", "builtin")
    return run_gate(GateOptions(target, **kwargs))  # type: ignore[arg-type]


def rules_of(result: GateResult) -> list[tuple[str, str, str]]:
    return sorted((f.rule_id, f.tier.value, f.primary.path) for f in result.report.findings)
