"""Every gate check is a rule module: ``META`` (command ``gate``, a doc page) and a ``check``."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import shipwarden.packaging
from shipwarden.core.catalogue import RuleMeta
from shipwarden.packaging import rules

_HELPERS = {"common", "maps", "diff"}
_DOCS = Path(__file__).resolve().parents[2] / "docs" / "rules"


def test_each_rule_module_declares_meta_and_check() -> None:
    names = [m.name for m in pkgutil.iter_modules(rules.__path__) if m.name not in _HELPERS]
    assert len(names) == 13
    for name in names:
        module = importlib.import_module(f"shipwarden.packaging.rules.{name}")
        meta = module.META
        assert isinstance(meta, RuleMeta) and meta.command == "gate" and meta.id.startswith("gate-")
        assert callable(module.check), name
        assert (_DOCS / f"{meta.id}.md").is_file(), meta.id
        assert meta in rules.ALL


def test_no_packaging_module_is_a_god_file() -> None:
    root = Path(shipwarden.packaging.__file__).parent
    sizes = {p.relative_to(root).as_posix(): len(p.read_text("utf-8").splitlines()) for p in root.rglob("*.py")}
    assert max(sizes.values()) <= 600, sorted(sizes.items(), key=lambda kv: -kv[1])[:3]
