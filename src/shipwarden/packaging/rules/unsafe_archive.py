"""``gate-unsafe-archive``: an archive that is unsafe to unpack (a path outside the root, a link, a
device, a decompression bomb): nothing was extracted and the rest was not reviewed."""

from __future__ import annotations

from shipwarden.artifacts import ArchiveLimitError, UnsafeMemberError
from shipwarden.core.findings import Confidence, Tier
from shipwarden.packaging.review import Review
from shipwarden.packaging.rules.common import PACKAGING_ROW, gate_rule

META = gate_rule("gate-unsafe-archive", PACKAGING_ROW, Tier.P0, Confidence.HIGH, "Archive is unsafe to unpack")


def check(review: Review, exc: UnsafeMemberError | ArchiveLimitError) -> None:
    review.add(
        META,
        f"{exc.detail}"
        + (f" (member {exc.member})" if exc.member else "")
        + "; nothing was extracted and the rest of the archive was not reviewed",
        "",
        key=exc.kind,
        properties={"reason": exc.kind, "member": exc.member},
    )
