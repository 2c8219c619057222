"""Find Jenkinsfiles under a repository root and run the Jenkins rules over them."""

from __future__ import annotations

from pathlib import Path

from shipwarden.ci.jenkins.analysis import MAX_BYTES, parse
from shipwarden.ci.jenkins.files import jenkinsfiles
from shipwarden.ci.jenkins.rules import load_rules
from shipwarden.ci.result import ProviderResult
from shipwarden.ci.yamlspan import YamlError, read_inside
from shipwarden.core.findings import ScanError


def scan_jenkins(root: Path, files: list[str] | None = None) -> ProviderResult:
    """The Jenkinsfiles under ``root`` (or the ``files`` already found there) analysed."""
    files = jenkinsfiles(root) if files is None else files
    if not files:
        return ProviderResult()
    return scan_files(root, files)


def scan_files(root: Path, files: list[str]) -> ProviderResult:
    result = ProviderResult()
    for rel in files:
        result.files += 1
        try:
            data = read_inside(root, rel)
            if len(data) > MAX_BYTES:
                raise YamlError(f"file is {len(data):,} bytes, over the {MAX_BYTES:,}-byte limit", kind="too-large")
            jf = parse(rel, data)
        except (YamlError, OSError, ValueError, RecursionError) as exc:
            kind = exc.kind if isinstance(exc, YamlError) else "io"
            result.errors.append(ScanError(rel, f"cannot analyse: {exc}", kind))
            continue
        result.pipelines += 1
        for rule in load_rules():
            try:
                result.findings.extend(rule.check(jf))
            except Exception as exc:  # noqa: BLE001
                result.errors.append(ScanError(rel, f"rule {rule.meta.id} failed: {type(exc).__name__}: {exc}", "internal"))
    return result
