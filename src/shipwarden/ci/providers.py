"""GitLab CI and Jenkins beside the GitHub workflows: one call per repository root."""

from __future__ import annotations

from pathlib import Path

from shipwarden.ci.gitlab.scan import scan_gitlab
from shipwarden.ci.jenkins.scan import scan_jenkins
from shipwarden.ci.result import ProviderResult


def scan_providers(root: Path, paths: bool = True) -> ProviderResult:
    """Find and analyse ``.gitlab-ci.yml`` and Jenkinsfiles under one repository root
    (``paths=False``: without the GitLab attack-path search, as ``scan --no-paths``)."""
    total = ProviderResult()
    for part in (scan_gitlab(root, paths), scan_jenkins(root)):
        total.findings.extend(part.findings)
        total.errors.extend(part.errors)
        total.files += part.files
        total.pipelines += part.pipelines
    return total
