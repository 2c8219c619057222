"""Rules of ``shipwarden gate``: release packaging review (row 6) and install-time code (row 4)."""

from __future__ import annotations

from shipwarden.core.catalogue import RuleMeta, declare
from shipwarden.core.findings import Confidence, Tier

H, M, L = Confidence.HIGH, Confidence.MEDIUM, Confidence.LOW


def _gate(rule_id: str, row: int, tier: Tier, confidence: Confidence, title: str) -> RuleMeta:
    return declare(RuleMeta(rule_id, row, tier, confidence, title, command="gate"))


# row 6: what ships
SOURCE_MAP_CONTENT = _gate(
    "gate-source-map-content", 6, Tier.P1, H, "Source map ships the original sources (sourcesContent)"
)
SOURCE_MAP = _gate("gate-source-map", 6, Tier.P2, M, "Source map ships (file names and structure, no sourcesContent)")
SECRET = _gate("gate-secret", 6, Tier.P0, H, "Secret inside the published artifact")
NEVER_SHIP = _gate("gate-never-ship", 6, Tier.P1, H, "File that should never be published")
SOURCE_BESIDE_BUNDLE = _gate("gate-source-beside-bundle", 6, Tier.P2, M, "Source tree shipped next to a bundled build")
NO_ALLOWLIST = _gate("gate-no-files-allowlist", 6, Tier.P2, M, "npm package without a `files` allowlist")
SIZE_BUDGET = _gate("gate-size-budget", 6, Tier.P1, H, "Artifact exceeds the size or file-count budget")
UNSAFE_ARCHIVE = _gate("gate-unsafe-archive", 6, Tier.P0, H, "Archive is unsafe to unpack")
DIFF_NEW_FILES = _gate("gate-diff-new-files", 6, Tier.P2, M, "Files added since the previous release")
DIFF_REMOVED_FILES = _gate("gate-diff-removed-files", 6, Tier.P2, L, "Files removed since the previous release")
DIFF_GROWTH = _gate("gate-diff-growth", 6, Tier.P1, M, "Size or file count jumped since the previous release")

# row 4: code the package runs on its users
INSTALL_SCRIPT = _gate("gate-install-script", 4, Tier.P1, H, "Install-time script runs on every install")
PTH_EXEC = _gate("gate-pth-exec", 4, Tier.P1, H, ".pth file runs code at every Python start-up")
SETUP_PY = _gate("gate-setup-py", 4, Tier.P2, M, "setup.py in an sdist runs when pip builds it")
NATIVE_BINARY = _gate("gate-native-binary", 4, Tier.P2, M, "Bundled native binary")
NON_REGISTRY_DEP = _gate(
    "gate-non-registry-dependency", 4, Tier.P1, H, "Dependency fetched from git, a URL or a path instead of a registry"
)
DIFF_INSTALL_SCRIPT = _gate(
    "gate-diff-install-script", 4, Tier.P1, H, "Install-time script added or changed since the previous release"
)
DIFF_DEPENDENCY = _gate("gate-diff-dependency", 4, Tier.P2, M, "Dependency added since the previous release")
DIFF_BIN = _gate("gate-diff-bin", 4, Tier.P2, M, "Executable entry point added since the previous release")
DIFF_PTH = _gate("gate-diff-pth", 4, Tier.P1, H, ".pth file added since the previous release")

ALL = [
    SOURCE_MAP_CONTENT,
    SOURCE_MAP,
    SECRET,
    NEVER_SHIP,
    SOURCE_BESIDE_BUNDLE,
    NO_ALLOWLIST,
    SIZE_BUDGET,
    UNSAFE_ARCHIVE,
    DIFF_NEW_FILES,
    DIFF_REMOVED_FILES,
    DIFF_GROWTH,
    INSTALL_SCRIPT,
    PTH_EXEC,
    SETUP_PY,
    NATIVE_BINARY,
    NON_REGISTRY_DEP,
    DIFF_INSTALL_SCRIPT,
    DIFF_DEPENDENCY,
    DIFF_BIN,
    DIFF_PTH,
]
