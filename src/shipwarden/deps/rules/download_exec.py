"""deps-download-exec: runs code downloaded at install time.

Chosen by the verdict table (``[[verdicts]]`` in ``data/deps_indicators.toml``) from the
capabilities the static analysis found; the default tier is that of its strongest entry.
"""

from __future__ import annotations

from shipwarden.core.catalogue import RuleMeta
from shipwarden.core.findings import Confidence, Finding, Tier
from shipwarden.deps.records import HookRecord
from shipwarden.deps.rules.common import COMMAND, ROW, behaviour_findings

META = RuleMeta("deps-download-exec", ROW, Tier.P1, Confidence.HIGH,
                "install-time code runs code downloaded at install time", command=COMMAND)


def check(record: HookRecord) -> list[Finding]:
    return behaviour_findings(META, record)
