"""deps-changed-install-script: install-time code changed since it was reviewed.

Produced by comparing the hooks and sources found with the reviewed set
(``--allowlist``, ``deps.allowlist``) or with the lockfiles at ``--against REF``.
"""

from __future__ import annotations

from shipwarden.core.catalogue import RuleMeta
from shipwarden.core.findings import Confidence, Finding, Tier
from shipwarden.deps.allowlist import Change
from shipwarden.deps.records import HookRecord
from shipwarden.deps.rules.common import COMMAND, ROW, change_findings

META = RuleMeta("deps-changed-install-script", ROW, Tier.P1, Confidence.HIGH,
                "install-time code changed since it was reviewed", command=COMMAND)


def check(changes: list[Change], records: dict[int, HookRecord]) -> list[Finding]:
    return change_findings(META, changes, records)
