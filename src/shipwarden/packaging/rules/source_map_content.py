"""``gate-source-map-content``: source maps whose ``sourcesContent`` gives the original sources away.

One finding per artifact however many maps ship (a framework ships
thousands). The Claude Code leak: 513,000 lines of source in one ``.map``.
"""

from __future__ import annotations

from collections import Counter

from shipwarden.core.findings import Confidence, Tier
from shipwarden.packaging.review import Review, human
from shipwarden.packaging.rules import maps
from shipwarden.packaging.rules.common import PACKAGING_ROW, gate_rule

META = gate_rule(
    "gate-source-map-content", PACKAGING_ROW, Tier.P1, Confidence.HIGH,
    "Source map ships the original sources (sourcesContent)",
)


def check(review: Review) -> None:
    leaks = maps.classify(review).leaks
    if not leaks:
        return
    leaks = sorted(leaks, key=lambda item: (-len(item[1]), -sum(o.size for o in item[1]), item[0].path))
    top, _ = leaks[0]
    originals = [o for _, away in leaks for o in away]
    all_originals = [o for r, _ in leaks for o in r.summary.originals]
    files = len(all_originals)
    lines = sum(o.lines for o in all_originals)
    size = sum(o.size for o in all_originals)
    tops = Counter(maps.top_dir(o.path) for o in all_originals)
    spread = ", ".join(f"{d} {n:,}" for d, n in tops.most_common(4))
    not_shipped = len(originals)
    also = (
        f" ({files - not_shipped:,} of them ship anyway or come from node_modules/)" if not_shipped < files else ""
    )
    if len(leaks) == 1:
        head = f"{maps.label(top)} gives away"
        key = f"{'inline' if top.inline else 'file'}:{top.path}"
    else:
        head = f"{len(leaks):,} source maps (largest: {maps.label(top)}) give away"
        key = "maps"
    license_ = maps.open_source_license(review.result.manifest) if review.is_npm else ""
    public = (
        f"; the package declares the {license_} licence and a repository, so these are probably its "
        "published sources (if they are not, this is a leak: treat it as P1)"
        if license_
        else ""
    )
    review.add(
        META,
        f"{head} {files:,} original source file(s), {lines:,} lines ({human(size)}), through "
        f"sourcesContent — {spread}{also}{public}",
        top.path,
        line=top.line,
        key=key,
        tier=Tier.P2 if license_ else None,
        confidence=Confidence.MEDIUM if license_ else None,
        properties={
            **({"declared_license": license_} if license_ else {}),
            "inline": any(r.inline for r, _ in leaks),
            "files": files,
            "lines": lines,
            "bytes": size,
            "not_shipped": not_shipped,
            "by_directory": dict(tops.most_common()),
            "sample_paths": [o.path for o in all_originals[:25]],
            "not_shipped_sample": [o.path for o in originals[:25]],
            "map_bytes": sum(r.size for r, _ in leaks),
            "map_count": len(leaks),
            "maps": [r.path for r, _ in leaks[:50]],
        },
    )
