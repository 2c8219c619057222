"""GitLab CI and Jenkins beside the GitHub workflows: one call per repository root."""

from __future__ import annotations

from pathlib import Path

from shipwarden.ci.gitlab.files import root_files
from shipwarden.ci.jenkins.files import jenkinsfiles
from shipwarden.ci.result import ProviderResult
from shipwarden.core.safeio import Root


def scan_providers(root: Path, paths: bool = True, base: Root | None = None) -> ProviderResult:
    """Find and analyse ``.gitlab-ci.yml`` and Jenkinsfiles under one repository root
    (``paths=False``: without the GitLab attack-path search, as ``scan --no-paths``);
    ``base``: the root's :class:`Root` whose listings the GitHub loader made already."""
    parts: list[ProviderResult] = []
    base = base if base is not None else Root(root)
    # start-up: a provider's analysis and rules are imported only for a root that has its files
    if root_files(base):
        from shipwarden.ci.gitlab.scan import scan_gitlab

        parts.append(scan_gitlab(root, paths))
    jenkins = jenkinsfiles(base)
    if jenkins:
        from shipwarden.ci.jenkins.scan import scan_jenkins

        parts.append(scan_jenkins(root, jenkins))
    total = ProviderResult()
    for part in parts:
        total.findings.extend(part.findings)
        total.errors.extend(part.errors)
        total.files += part.files
        total.pipelines += part.pipelines
    return total
