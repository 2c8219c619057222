"""Hashes that pin what an assessment ran with: the rule catalogue and the effective configuration."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from functools import cache
from pathlib import Path

import shipwarden
from shipwarden.core.catalogue import all_rules
from shipwarden.core.config import Config


@cache
def rules_hash() -> str:
    """sha256 of every rule of the catalogue (id, row, tier, confidence, title, command) and every knowledge table."""
    digest = hashlib.sha256()
    for rule_id, meta in all_rules().items():
        row = [rule_id, meta.row, meta.tier.value, meta.confidence.value, meta.title, meta.command]
        digest.update(json.dumps(row).encode() + b"\n")
    package = Path(shipwarden.__file__).parent
    for table in sorted(p for p in package.rglob("data/*") if p.suffix in (".toml", ".json") and p.is_file()):
        digest.update(table.relative_to(package).as_posix().encode() + b"\0" + table.read_bytes() + b"\0")
    return "sha256:" + digest.hexdigest()


def rule_count() -> int:
    return len(all_rules())


def config_hash(config: Config) -> str:
    """sha256 of the effective configuration's values (not of where they came from)."""
    values = {f.name: getattr(config, f.name) for f in dataclasses.fields(config) if f.name != "sources"}
    text = json.dumps(values, sort_keys=True, default=str)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()
