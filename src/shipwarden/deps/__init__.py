"""``shipwarden deps``: the code dependencies run at install time, and what it does (matrix row 4).

Public API::

    scan_deps(root, DepsOptions(...)) -> DepsResult      # report + inventory of hooks
    parse_lockfile(path, text) -> Lockfile                 # any supported lockfile format
    analyze_hook(hook, files) -> HookAnalysis              # static behaviour analysis of one hook
    load_allowlist(path) / render_allowlist(hooks, deps)   # the reviewed set

Lockfile readers live one per format (``npm_lock``, ``pnpm_lock``, ``yarn_lock``,
``bun_lock``, ``requirements``, ``poetry_lock``, ``uv_lock``, ``pylock``);
installed trees in ``node_tree`` and ``python_tree``; project policy in
``policy``; the behaviour analysis in ``deps.analysis``. Knowledge (what a call,
command, path or host means, and how capabilities combine into a tier) is in
``data/deps_indicators.toml``. Nothing scanned is ever executed.
"""

from __future__ import annotations

from shipwarden.deps.allowlist import Allowlist, load_allowlist, render_allowlist
from shipwarden.deps.analysis import HookAnalysis, analyze_hook
from shipwarden.deps.lockfiles import parse_lockfile
from shipwarden.deps.model import Dependency, Ecosystem, HookKind, InstallHook, Lockfile, Source, SourceKind
from shipwarden.deps.scan import DepsOptions, DepsResult, HookRecord, scan_deps

__all__ = [
    "Allowlist",
    "Dependency",
    "DepsOptions",
    "DepsResult",
    "Ecosystem",
    "HookAnalysis",
    "HookKind",
    "HookRecord",
    "InstallHook",
    "Lockfile",
    "Source",
    "SourceKind",
    "analyze_hook",
    "load_allowlist",
    "parse_lockfile",
    "render_allowlist",
    "scan_deps",
]
