"""Paths of the deps test fixtures (a module of its own; see tests/gate/gatehelpers.py)."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
LOCKFILES = FIXTURES / "lockfiles"
PROJECTS = FIXTURES / "projects"
