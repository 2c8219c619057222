"""What a provider's scan of one repository root returns."""

from __future__ import annotations

from dataclasses import field

from shipwarden.core.findings import Finding, ScanError
from shipwarden.core.structs import struct


@struct
class ProviderResult:
    findings: list[Finding] = field(default_factory=list)
    errors: list[ScanError] = field(default_factory=list)
    files: int = 0
    #: pipelines analysed (a GitLab root file with its includes, or one Jenkinsfile)
    pipelines: int = 0
