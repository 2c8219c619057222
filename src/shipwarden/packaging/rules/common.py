"""What every gate rule module shares: its row numbers, command and :func:`gate_rule`."""

from __future__ import annotations

from shipwarden.core.catalogue import RuleMeta
from shipwarden.core.findings import Confidence, Tier

#: Matrix rows of the gate's rules: what ships, and code the package runs on its users.
PACKAGING_ROW = 6
INSTALL_ROW = 4
COMMAND = "gate"


def gate_rule(rule_id: str, row: int, tier: Tier, confidence: Confidence, title: str) -> RuleMeta:
    return RuleMeta(rule_id, row, tier, confidence, title, command=COMMAND)
