"""Run the GitLab rules over a repository root's ``.gitlab-ci.yml``."""

from __future__ import annotations

from pathlib import Path

from shipwarden.ci.gitlab.files import root_files
from shipwarden.ci.gitlab.loader import load_pipeline
from shipwarden.ci.gitlab.model import Pipeline
from shipwarden.ci.gitlab.paths import find_paths
from shipwarden.ci.gitlab.rules import load_rules
from shipwarden.ci.result import ProviderResult
from shipwarden.core.findings import Finding, ScanError


def scan_gitlab(root: Path, paths: bool = True) -> ProviderResult:
    result = ProviderResult()
    for rel in root_files(root):
        try:
            loaded = load_pipeline(root, rel)
        except Exception as exc:  # noqa: BLE001 - one hostile file must not end the scan
            result.errors.append(ScanError(rel, f"cannot analyse: {type(exc).__name__}: {exc}", "internal"))
            continue
        result.files += loaded.files
        result.errors.extend(loaded.errors)
        pipeline = loaded.pipeline
        if pipeline is None:
            continue
        for each in _family(pipeline):
            result.pipelines += 1
            found: list[Finding] = []
            for rule in load_rules():
                try:
                    found.extend(rule.check(each))
                except Exception as exc:  # noqa: BLE001 - one broken rule must not end the scan
                    result.errors.append(
                        ScanError(each.path, f"rule {rule.meta.id} failed: {type(exc).__name__}: {exc}", "internal")
                    )
            try:
                found.extend(find_paths(each, found) if paths else [])
            except Exception as exc:  # noqa: BLE001
                result.errors.append(ScanError(each.path, f"path search failed: {type(exc).__name__}: {exc}", "internal"))
            result.findings.extend(found)
    return result


def _family(pipeline: Pipeline) -> list[Pipeline]:
    """A pipeline and its child pipelines, each once."""
    out: list[Pipeline] = []
    seen: set[str] = set()
    stack = [pipeline]
    while stack:
        p = stack.pop(0)
        if p.path in seen:
            continue
        seen.add(p.path)
        out.append(p)
        stack.extend(p.children)
    return out
