"""The ``--against`` rules: what changed since the previous release (checked in
:mod:`shipwarden.packaging.diffcheck`, which compares the two releases' summaries)."""

from __future__ import annotations

from shipwarden.core.findings import Confidence, Tier
from shipwarden.packaging.rules.common import INSTALL_ROW, PACKAGING_ROW, gate_rule

H, M, L = Confidence.HIGH, Confidence.MEDIUM, Confidence.LOW

DIFF_NEW_FILES = gate_rule("gate-diff-new-files", PACKAGING_ROW, Tier.P2, M, "Files added since the previous release")
DIFF_REMOVED_FILES = gate_rule(
    "gate-diff-removed-files", PACKAGING_ROW, Tier.P2, L, "Files removed since the previous release"
)
DIFF_GROWTH = gate_rule(
    "gate-diff-growth", PACKAGING_ROW, Tier.P1, M, "Size or file count jumped since the previous release"
)
DIFF_INSTALL_SCRIPT = gate_rule(
    "gate-diff-install-script", INSTALL_ROW, Tier.P1, H, "Install-time script added or changed since the previous release"
)
DIFF_DEPENDENCY = gate_rule("gate-diff-dependency", INSTALL_ROW, Tier.P2, M, "Dependency added since the previous release")
DIFF_BIN = gate_rule("gate-diff-bin", INSTALL_ROW, Tier.P2, M, "Executable entry point added since the previous release")
DIFF_PTH = gate_rule("gate-diff-pth", INSTALL_ROW, Tier.P1, H, ".pth file added since the previous release")
