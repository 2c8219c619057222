from __future__ import annotations

import shutil
from pathlib import Path

import gatefixtures as gf
import pytest

from shipwarden.packaging.gate import GateOptions, GateResult, run_gate

HAS_NPM = shutil.which("npm") is not None
needs_npm = pytest.mark.skipif(not HAS_NPM, reason="npm is not installed")


def gate(target: Path, **kwargs: object) -> GateResult:
    kwargs.setdefault("packlist", "builtin")
    return run_gate(GateOptions(target, **kwargs))  # type: ignore[arg-type]


def rules_of(result: GateResult) -> list[tuple[str, str, str]]:
    return sorted((f.rule_id, f.tier.value, f.primary.path) for f in result.report.findings)


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
