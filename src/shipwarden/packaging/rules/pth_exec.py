"""``gate-pth-exec``: a site-level ``.pth`` file with ``import`` lines, which Python runs at every start-up.

The LiteLLM 1.82.8 payload was such a file. Known tools' own hooks (coverage,
editable installs) are data (``install_time.toml`` ``[pth]``).
"""

from __future__ import annotations

import fnmatch
import posixpath

from shipwarden.core.findings import Confidence, Tier
from shipwarden.packaging.knowledge import install_time, python_hits
from shipwarden.packaging.model import ArtifactKind
from shipwarden.packaging.review import Review
from shipwarden.packaging.rules.common import INSTALL_ROW, gate_rule

META = gate_rule("gate-pth-exec", INSTALL_ROW, Tier.P1, Confidence.HIGH, ".pth file runs code at every Python start-up")


def check(review: Review) -> None:
    for path in sorted(p for p in review.captured if p.lower().endswith(".pth")):
        _pth(review, path, review.captured[path])


def _pth(review: Review, path: str, data: bytes) -> None:
    knowledge = install_time()
    text = data.decode("utf-8", "replace")
    executable = [
        (i + 1, line) for i, line in enumerate(text.splitlines()) if line.startswith(("import ", "import\t"))
    ]
    if not executable:
        return
    name = posixpath.basename(path)
    for benign in knowledge.benign_pth:
        if fnmatch.fnmatchcase(name, benign.name) and all(benign.marker in line for _, line in executable):
            return
    hits = python_hits("\n".join(line for _, line in executable), knowledge.suspicious_python)
    tier = Tier.P0 if hits else Tier.P1
    where = "at every Python start-up once installed"
    if review.artifact.kind is ArtifactKind.SDIST:
        tier = Tier.P1 if hits else Tier.P2
        where = "at every Python start-up if the build installs it"
    first_line, first = executable[0]
    review.add(
        META,
        f"{name} has {len(executable)} executable line(s) that run {where}"
        + (f"; it uses {', '.join(hits)} (the LiteLLM 1.82.8 payload was such a file)" if hits else ""),
        path,
        line=first_line,
        column=1,
        snippet=first[:200],
        tier=tier,
        key=f"pth:{path}",
        properties={"executable_lines": len(executable), "suspicious": hits},
    )
