"""CI providers besides GitHub Actions: GitLab CI (``ci.gitlab``) and Jenkins (``ci.jenkins``).

Each provider loads its own files into a small model with exact spans and runs its own
rules, sharing the finding model, the rule registry, the shell analysis
(:mod:`shipwarden.ci.github.shell`) and the YAML loader (:mod:`shipwarden.ci.github.yamlspan`).
:func:`scan_providers` is what ``scan`` calls for every root.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from shipwarden.core.findings import Finding, ScanError


@dataclass(slots=True)
class ProviderResult:
    findings: list[Finding] = field(default_factory=list)
    errors: list[ScanError] = field(default_factory=list)
    files: int = 0
    #: pipelines analysed (a GitLab root file with its includes, or one Jenkinsfile)
    pipelines: int = 0


def scan_providers(root: Path, paths: bool = True) -> ProviderResult:
    """Find and analyse ``.gitlab-ci.yml`` and Jenkinsfiles under one repository root
    (``paths=False``: without the GitLab attack-path search, as ``scan --no-paths``)."""
    from shipwarden.ci.gitlab.scan import scan_gitlab
    from shipwarden.ci.jenkins.scan import scan_jenkins

    total = ProviderResult()
    for part in (scan_gitlab(root, paths), scan_jenkins(root)):
        total.findings.extend(part.findings)
        total.errors.extend(part.errors)
        total.files += part.files
        total.pipelines += part.pipelines
    return total
