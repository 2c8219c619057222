"""Shared fixtures of the deps tests. Fixture packages are inert text, never executed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from depsdata import PROJECTS


@pytest.fixture
def npm_app(tmp_path: Path) -> Path:
    """A private copy of the npm project fixture (tests may edit it)."""
    dest = tmp_path / "npm-app"
    shutil.copytree(PROJECTS / "npm-app", dest, symlinks=True)
    return dest


@pytest.fixture
def py_env(tmp_path: Path) -> Path:
    dest = tmp_path / "py-env"
    shutil.copytree(PROJECTS / "py-env", dest, symlinks=True)
    return dest
