"""``gate-size-budget``: the artifact exceeds ``gate.max-size`` or ``gate.max-files``."""

from __future__ import annotations

from shipwarden.core.findings import Confidence, Tier
from shipwarden.packaging.review import Review, human
from shipwarden.packaging.rules.common import PACKAGING_ROW, gate_rule

META = gate_rule("gate-size-budget", PACKAGING_ROW, Tier.P1, Confidence.HIGH,
                 "Artifact exceeds the size or file-count budget")


def check(review: Review) -> None:
    files = review.result.files
    total = sum(f.size for f in files)
    p = review.policy
    over = []
    if p.max_size is not None and total > p.max_size:
        over.append(f"{human(total)} unpacked, budget {human(p.max_size)}")
    if p.max_files is not None and len(files) > p.max_files:
        over.append(f"{len(files):,} files, budget {p.max_files:,}")
    if over:
        review.add(
            META,
            f"{review.artifact.label} is over budget: {'; '.join(over)}",
            "package.json" if review.is_npm else "",
            key="budget",
            properties={"bytes": total, "files": len(files)},
        )
