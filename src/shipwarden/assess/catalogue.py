"""Hashes that pin what an assessment ran with: the rule catalogue and the effective configuration."""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import json
from functools import cache
from pathlib import Path

import shipwarden
from shipwarden.core.config import Config

#: Modules that declare rules (their import fills the catalogue).
_RULE_MODULES = ("shipwarden.deps.rules", "shipwarden.packaging.rules", "shipwarden.endpoint.rules",
                 "shipwarden.paths.search")


@cache
def rules_hash() -> str:
    """sha256 of every declared rule (id, row, tier, confidence, title, command) and every knowledge table."""
    from shipwarden.ci.github.scan import load_rules
    from shipwarden.core.catalogue import RULES

    load_rules()
    for name in _RULE_MODULES:
        importlib.import_module(name)
    digest = hashlib.sha256()
    for rule_id, meta in sorted(RULES.items()):
        row = [rule_id, meta.row, meta.tier.value, meta.confidence.value, meta.title, meta.command]
        digest.update(json.dumps(row).encode() + b"\n")
    package = Path(shipwarden.__file__).parent
    for table in sorted(p for p in package.rglob("data/*") if p.suffix in (".toml", ".json") and p.is_file()):
        digest.update(table.relative_to(package).as_posix().encode() + b"\0" + table.read_bytes() + b"\0")
    return "sha256:" + digest.hexdigest()


def rule_count() -> int:
    from shipwarden.core.catalogue import RULES

    rules_hash()
    return len(RULES)


def config_hash(config: Config) -> str:
    """sha256 of the effective configuration's values (not of where they came from)."""
    values = {f.name: getattr(config, f.name) for f in dataclasses.fields(config) if f.name != "sources"}
    text = json.dumps(values, sort_keys=True, default=str)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()
