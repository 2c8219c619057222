"""Cross-workflow attack paths (see ``shipwarden.paths.search``)."""

from __future__ import annotations

from shipwarden.ci.github.model import Repository
from shipwarden.core.findings import Finding


def apply_paths(repo: Repository, findings: list[Finding]) -> list[Finding]:
    """Add path findings for ``repo`` and raise the tier of rule findings on them."""
    from shipwarden.paths.search import find_paths, link_findings

    paths = find_paths(repo)
    return link_findings(paths, findings)
