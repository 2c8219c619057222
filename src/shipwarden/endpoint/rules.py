"""Rule metadata of ``shipwarden endpoint`` (matrix row 1), one id per kind of problem."""

from __future__ import annotations

from shipwarden.core.catalogue import RuleMeta, declare
from shipwarden.core.findings import Confidence, Tier

ROW = 1
COMMAND = "endpoint"


def _rule(rule_id: str, tier: Tier, confidence: Confidence, title: str) -> RuleMeta:
    return declare(RuleMeta(rule_id, ROW, tier, confidence, title, command=COMMAND))


REGISTRY_TOKEN = _rule(
    "endpoint-registry-token", Tier.P1, Confidence.HIGH,
    "package-registry publish credential in a plain file",
)
GIT_CREDENTIAL = _rule(
    "endpoint-git-credential", Tier.P1, Confidence.HIGH,
    "git hosting token or password in a plain file",
)
SSH_KEY_UNPROTECTED = _rule(
    "endpoint-ssh-key-unprotected", Tier.P1, Confidence.HIGH,
    "SSH private key without a passphrase",
)
CLOUD_CREDENTIAL = _rule(
    "endpoint-cloud-credential", Tier.P1, Confidence.HIGH,
    "cloud or Kubernetes credential in a plain file",
)
AI_AGENT_CREDENTIAL = _rule(
    "endpoint-ai-agent-credential", Tier.P2, Confidence.HIGH,
    "API key or MCP server token in an AI-agent configuration",
)
SECRET_MANAGER_SESSION = _rule(
    "endpoint-secret-manager-session", Tier.P2, Confidence.HIGH,
    "secret-manager or password-manager CLI session left on disk",
)
SHELL_HISTORY_SECRET = _rule(
    "endpoint-shell-history-secret", Tier.P2, Confidence.MEDIUM,
    "credential in a shell or REPL history",
)
ENV_FILE_SECRET = _rule(
    "endpoint-env-file-secret", Tier.P2, Confidence.MEDIUM,
    "credential in a .env file",
)
ENV_VAR_SECRET = _rule(
    "endpoint-env-var-secret", Tier.P2, Confidence.MEDIUM,
    "credential in an environment variable of the current process",
)
PLAINTEXT_CREDENTIAL_HELPER = _rule(
    "endpoint-plaintext-credential-helper", Tier.P2, Confidence.HIGH,
    "tool configured to store credentials in plain text",
)
CREDENTIAL_FILE_PERMISSIONS = _rule(
    "endpoint-credential-file-permissions", Tier.P2, Confidence.HIGH,
    "credential file readable by other users",
)

ALL = (
    REGISTRY_TOKEN,
    GIT_CREDENTIAL,
    SSH_KEY_UNPROTECTED,
    CLOUD_CREDENTIAL,
    AI_AGENT_CREDENTIAL,
    SECRET_MANAGER_SESSION,
    SHELL_HISTORY_SECRET,
    ENV_FILE_SECRET,
    ENV_VAR_SECRET,
    PLAINTEXT_CREDENTIAL_HELPER,
    CREDENTIAL_FILE_PERMISSIONS,
)
BY_ID = {meta.id: meta for meta in ALL}
