"""A release's shape (files, sizes, install code, dependencies, entry points) and its diff."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_VERSIONED_DIST = re.compile(r"^([^/]+?)-[^/-]+\.(dist-info|data)/")


def comparable_path(path: str) -> str:
    """Drop the version from wheel ``name-1.2.dist-info/`` folders so releases compare."""
    return _VERSIONED_DIST.sub(r"\1.\2/", path)


@dataclass(slots=True)
class ReleaseSummary:
    label: str
    kind: str
    name: str = ""
    version: str = ""
    files: dict[str, int] = field(default_factory=dict)
    #: script name -> command (npm lifecycle scripts, implicit node-gyp, "setup.py")
    install_scripts: dict[str, str] = field(default_factory=dict)
    #: dependency name -> (section, spec)
    dependencies: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: command name -> target
    bins: dict[str, str] = field(default_factory=dict)
    pth_files: list[str] = field(default_factory=list)

    @property
    def total_size(self) -> int:
        return sum(self.files.values())

    @property
    def display(self) -> str:
        if self.name and self.version:
            return f"{self.name}@{self.version}"
        return self.label

    def comparable_files(self) -> dict[str, int]:
        return {comparable_path(p): s for p, s in self.files.items()}


@dataclass(slots=True)
class ReleaseDiff:
    previous: ReleaseSummary
    current: ReleaseSummary
    added: list[str]
    removed: list[str]
    size_ratio: float
    count_ratio: float
    new_scripts: dict[str, str]
    changed_scripts: dict[str, tuple[str, str]]
    new_dependencies: dict[str, tuple[str, str]]
    changed_sources: dict[str, tuple[str, str]]
    new_bins: dict[str, str]
    new_pth: list[str]


def diff_releases(previous: ReleaseSummary, current: ReleaseSummary) -> ReleaseDiff:
    before = previous.comparable_files()
    after = current.comparable_files()
    originals = {comparable_path(p): p for p in current.files}
    added = sorted(originals[p] for p in after.keys() - before.keys())
    removed = sorted(before.keys() - after.keys())
    size_ratio = current.total_size / max(previous.total_size, 1)
    count_ratio = len(current.files) / max(len(previous.files), 1)
    new_scripts = {k: v for k, v in current.install_scripts.items() if k not in previous.install_scripts}
    changed = {
        k: (previous.install_scripts[k], v)
        for k, v in current.install_scripts.items()
        if k in previous.install_scripts and previous.install_scripts[k] != v
    }
    new_deps = {k: v for k, v in current.dependencies.items() if k not in previous.dependencies}
    changed_sources = {
        k: (previous.dependencies[k][1], v[1])
        for k, v in current.dependencies.items()
        if k in previous.dependencies and previous.dependencies[k][1] != v[1]
    }
    new_bins = {k: v for k, v in current.bins.items() if k not in previous.bins}
    before_pth = {comparable_path(p) for p in previous.pth_files}
    new_pth = [p for p in current.pth_files if comparable_path(p) not in before_pth]
    return ReleaseDiff(
        previous,
        current,
        added,
        removed,
        size_ratio,
        count_ratio,
        new_scripts,
        changed,
        new_deps,
        changed_sources,
        new_bins,
        new_pth,
    )
