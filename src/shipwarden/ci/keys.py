"""Keys that keep fingerprints distinct: what baselines record for a finding."""

from __future__ import annotations

from collections.abc import Iterable

from shipwarden.core.findings import Finding


def number_repeats(findings: Iterable[Finding]) -> list[Finding]:
    """Findings that share a key — the same expression twice in one step, the same variable
    reaching the same command twice in a job — get ``|#2``, ``|#3``… on the second and later
    ones in the order given (give them in file order), so each has a fingerprint of its own and
    baselining one does not hide the other. The first keeps the key it always had."""
    out = list(findings)
    count: dict[str, int] = {}
    for finding in out:
        if not finding.key:
            continue
        n = count[finding.key] = count.get(finding.key, 0) + 1
        if n > 1:
            finding.key = f"{finding.key}|#{n}"
    return out
