"""Fixtures of the gate tests; plain helpers live in ``gatehelpers``."""

from __future__ import annotations

from pathlib import Path

import gatefixtures as gf
import pytest


@pytest.fixture(scope="session")
def tar_bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return gf.tar_bomb(tmp_path_factory.mktemp("bomb") / "bomb-1.0.0.tgz")


@pytest.fixture
def npm_fixture(tmp_path: Path):  # type: ignore[no-untyped-def]
    def make(name: str) -> Path:
        root = tmp_path / name
        root.mkdir()
        return gf.NPM_FIXTURES[name](root)

    return make
