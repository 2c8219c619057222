"""Find Jenkinsfiles under a repository root and run the Jenkins rules over them."""

from __future__ import annotations

import os
import re
from pathlib import Path

from shipwarden.ci.jenkins.analysis import MAX_BYTES, parse
from shipwarden.ci.jenkins.rules import load_rules
from shipwarden.ci.result import ProviderResult
from shipwarden.ci.yamlspan import YamlError, read_inside
from shipwarden.core.findings import ScanError

#: How deep below the root Jenkinsfiles are looked for (``ci/release/Jenkinsfile``).
MAX_DEPTH = 4
MAX_FILES = 200
_NAME = re.compile(r"^Jenkinsfile([._-][\w.-]+)?$|\.jenkinsfile$|\.Jenkinsfile$")
_SKIP = frozenset({".git", "node_modules", "vendor", ".venv", "venv", "target", "build", "dist"})


def jenkinsfiles(root: Path) -> list[str]:
    """Relative paths of Jenkinsfiles (regular files, no links followed), sorted."""
    found: list[str] = []
    base = len(root.parts)
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        depth = len(Path(dirpath).parts) - base
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP) if depth < MAX_DEPTH else []
        for name in sorted(filenames):
            full = Path(dirpath, name)
            if _NAME.search(name) and full.is_file() and not full.is_symlink():
                found.append(full.relative_to(root).as_posix())
                if len(found) >= MAX_FILES:
                    return found
        # Jenkinsfile.d/core/release style: any file in a Jenkinsfile.d folder
        if Path(dirpath).name == "Jenkinsfile.d" or "Jenkinsfile.d" in Path(dirpath).parts[base:]:
            for name in sorted(filenames):
                full = Path(dirpath, name)
                rel = full.relative_to(root).as_posix()
                if rel not in found and full.is_file() and not full.is_symlink() and "." not in name:
                    found.append(rel)
    return sorted(found)


def scan_jenkins(root: Path) -> ProviderResult:
    files = jenkinsfiles(root)
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
