"""``gate-no-files-allowlist``: an npm package without a ``files`` allowlist (``gate.require-files-field``).

Without it, what ships is decided by npm's defaults, a ``.npmignore`` denylist
(which switches ``.gitignore`` off) or ``.gitignore``: every new build output
(a ``.map``, a ``.env``) ships by default.
"""

from __future__ import annotations

from shipwarden.core.findings import Confidence, Tier
from shipwarden.packaging.review import Review
from shipwarden.packaging.rules.common import PACKAGING_ROW, gate_rule

META = gate_rule("gate-no-files-allowlist", PACKAGING_ROW, Tier.P2, Confidence.MEDIUM,
                 "npm package without a `files` allowlist")


def check(review: Review) -> None:
    if not review.policy.require_files_field or "files" in review.result.manifest:
        return
    how = "nothing but npm's defaults"
    source_dir = review.artifact.source_dir
    if source_dir is not None:
        if (source_dir / ".npmignore").is_file():
            how = "a .npmignore denylist (which also switches .gitignore off)"
        elif (source_dir / ".gitignore").is_file():
            how = ".gitignore, which was written for git, not for publishing"
    review.add(
        META,
        f"package.json has no `files` allowlist: what ships is decided by {how}; every new build "
        "output (a .map, a .env) ships by default",
        "package.json",
        key="files",
    )
