"""Rule metadata of ``shipwarden deps`` (matrix row 4), one id per kind of finding.

Behaviour rules are chosen by the verdict table (``[[verdicts]]`` in
``data/deps_indicators.toml``); their default tier here is the tier of their
strongest verdict entry.
"""

from __future__ import annotations

from shipwarden.core.catalogue import RuleMeta, declare
from shipwarden.core.findings import Confidence, Tier

ROW = 4
COMMAND = "deps"


def _rule(rule_id: str, tier: Tier, confidence: Confidence, title: str) -> RuleMeta:
    return declare(RuleMeta(rule_id, ROW, tier, confidence, title, command=COMMAND))


# --------------------------------------------------------------------------- inventory

INSTALL_SCRIPT = _rule(
    "deps-install-script", Tier.P2, Confidence.HIGH,
    "dependency runs code at install time",
)
PTH_STARTUP_CODE = _rule(
    "deps-pth-startup-code", Tier.P1, Confidence.MEDIUM,
    "a .pth file runs code at every Python start-up",
)
NON_REGISTRY_SOURCE = _rule(
    "deps-non-registry-source", Tier.P2, Confidence.HIGH,
    "dependency resolved from git, a URL or a local archive instead of a registry",
)
SCRIPTS_NOT_GATED = _rule(
    "deps-scripts-not-gated", Tier.P2, Confidence.HIGH,
    "package-manager configuration lets every dependency run install scripts",
)

# --------------------------------------------------------------------------- behaviour

CREDENTIAL_THEFT = _rule(
    "deps-credential-theft", Tier.P0, Confidence.HIGH,
    "install-time code reads credentials and can send them out",
)
RUNNER_MEMORY = _rule(
    "deps-runner-memory", Tier.P0, Confidence.HIGH,
    "install-time code reads another process's memory (CI runner secrets)",
)
SELF_PROPAGATION = _rule(
    "deps-self-propagation", Tier.P0, Confidence.HIGH,
    "install-time code publishes packages or pushes to repositories",
)
PERSISTENCE = _rule(
    "deps-persistence", Tier.P0, Confidence.HIGH,
    "install-time code writes shell start-up files, services, CI workflows or agent hooks",
)
OBFUSCATED_EXEC = _rule(
    "deps-obfuscated-exec", Tier.P0, Confidence.HIGH,
    "install-time code executes decoded or obfuscated data",
)
DOWNLOAD_EXEC = _rule(
    "deps-download-exec", Tier.P1, Confidence.HIGH,
    "install-time code runs code downloaded at install time",
)
EXFIL_ENDPOINT = _rule(
    "deps-exfil-endpoint", Tier.P1, Confidence.MEDIUM,
    "install-time code contacts a webhook, paste site, tunnel or known-bad host",
)
OBFUSCATED_CODE = _rule(
    "deps-obfuscated-code", Tier.P1, Confidence.MEDIUM,
    "install-time code is obfuscated",
)

# --------------------------------------------------------------------------- change

NEW_INSTALL_SCRIPT = _rule(
    "deps-new-install-script", Tier.P1, Confidence.HIGH,
    "install-time code from a dependency that was never reviewed",
)
CHANGED_INSTALL_SCRIPT = _rule(
    "deps-changed-install-script", Tier.P1, Confidence.HIGH,
    "install-time code changed since it was reviewed",
)
FIRST_INSTALL_SCRIPT = _rule(
    "deps-first-install-script", Tier.P1, Confidence.HIGH,
    "a known dependency runs install-time code for the first time",
)
NEW_SOURCE = _rule(
    "deps-new-source", Tier.P1, Confidence.HIGH,
    "a dependency comes from a new non-registry source",
)

BEHAVIOUR_RULES = {
    meta.id: meta
    for meta in (
        CREDENTIAL_THEFT, RUNNER_MEMORY, SELF_PROPAGATION, PERSISTENCE,
        OBFUSCATED_EXEC, DOWNLOAD_EXEC, EXFIL_ENDPOINT, OBFUSCATED_CODE,
    )
}
ALL_RULES = (
    INSTALL_SCRIPT, PTH_STARTUP_CODE, NON_REGISTRY_SOURCE, SCRIPTS_NOT_GATED,
    *BEHAVIOUR_RULES.values(),
    NEW_INSTALL_SCRIPT, CHANGED_INSTALL_SCRIPT, FIRST_INSTALL_SCRIPT, NEW_SOURCE,
)
