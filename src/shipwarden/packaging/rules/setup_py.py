"""``gate-setup-py``: ``setup.py`` in an sdist, which pip runs when it builds from source (no matching wheel).

P2 for a build script; P1 when it fetches or decodes code (running a compiler
or ``exec`` of a version file is what build scripts do).
"""

from __future__ import annotations

from shipwarden.core.findings import Confidence, Tier
from shipwarden.packaging.knowledge import install_time, python_hits
from shipwarden.packaging.model import ArtifactKind
from shipwarden.packaging.review import Review
from shipwarden.packaging.rules.common import INSTALL_ROW, gate_rule

META = gate_rule("gate-setup-py", INSTALL_ROW, Tier.P2, Confidence.MEDIUM, "setup.py in an sdist runs when pip builds it")


def check(review: Review) -> None:
    if review.artifact.kind is not ArtifactKind.SDIST or "setup.py" not in review.captured:
        return
    text = review.captured["setup.py"].decode("utf-8", "replace")
    knowledge = install_time()
    hits = python_hits(text, knowledge.suspicious_python)
    # running code (a compiler through subprocess, exec of a version file) is what
    # build scripts do; fetching or decoding code is what loaders do
    loader = any(h not in knowledge.python_run for h in hits)
    if review.policy.allows_script("setup.py", ""):
        return
    review.add(
        META,
        "setup.py ships in the sdist: pip runs it when it builds from source (no matching wheel)"
        + (f"; it uses {', '.join(hits)}" if hits else ""),
        "setup.py",
        tier=Tier.P1 if loader else None,
        key="setup.py",
        properties={"suspicious": hits},
    )
