"""Cross-workflow attack paths (see ``shipwarden.paths.search``)."""

from __future__ import annotations

from shipwarden.findings import Finding
from shipwarden.github.model import Repository


def apply_paths(repo: Repository, findings: list[Finding]) -> list[Finding]:
    """Add path findings for ``repo`` and raise the tier of rule findings on them."""
    from shipwarden.paths.search import find_paths, link_findings

    paths = find_paths(repo)
    return link_findings(paths, findings)
