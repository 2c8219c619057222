"""``gate-source-beside-bundle``: an npm package ships its ``src/`` tree next to the bundled build
users run: the sources only show the tree."""

from __future__ import annotations

from shipwarden.core.findings import Confidence, Tier
from shipwarden.packaging.knowledge import file_kinds
from shipwarden.packaging.review import Review
from shipwarden.packaging.rules.common import PACKAGING_ROW, gate_rule

META = gate_rule("gate-source-beside-bundle", PACKAGING_ROW, Tier.P2, Confidence.MEDIUM,
                 "Source tree shipped next to a bundled build")

def check(review: Review) -> None:
    if not review.is_npm:
        return
    kinds = file_kinds()
    paths = [f.path for f in review.result.files]
    sources = [
        p
        for p in paths
        if p.lower().endswith(kinds.source_extensions)
        and not p.lower().endswith(kinds.declaration_extensions)
        and p.startswith(kinds.source_folders)
        and not review.policy.allows_file(p)
    ]
    bundles = [p for p in paths if p.startswith(kinds.bundle_folders) and p.endswith(kinds.bundle_extensions)]
    if sources and bundles:
        review.add(
            META,
            f"{len(sources):,} source file(s) under {sources[0].split('/')[0]}/ ship next to the bundled "
            f"build ({bundles[0]}…): users run the bundle, the sources only show your tree",
            sources[0],
            key="source-beside-bundle",
            properties={"sources": len(sources), "sample": sources[:10]},
        )
