"""GitLab CI and Jenkins beside the GitHub workflows: one call per repository root."""

from __future__ import annotations

from pathlib import Path

from shipwarden.ci.gitlab.files import root_files
from shipwarden.ci.jenkins.files import jenkinsfiles
from shipwarden.ci.result import ProviderResult


def scan_providers(root: Path, paths: bool = True) -> ProviderResult:
    """Find and analyse ``.gitlab-ci.yml`` and Jenkinsfiles under one repository root
    (``paths=False``: without the GitLab attack-path search, as ``scan --no-paths``)."""
    parts: list[ProviderResult] = []
    # start-up: a provider's analysis and rules are imported only for a root that has its files
    if root_files(root):
        from shipwarden.ci.gitlab.scan import scan_gitlab

        parts.append(scan_gitlab(root, paths))
    jenkins = jenkinsfiles(root)
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
