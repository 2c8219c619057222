"""The rules of ``shipwarden endpoint`` (matrix row 1), one module per kind of problem.

Each module declares ``META`` and a ``check``: the store-file rules take a
:class:`~shipwarden.endpoint.evidence.StoreFile`, the environment rule an
:class:`~shipwarden.endpoint.evidence.EnvVariable`. The sweep runs them in
the order listed here.
"""

from __future__ import annotations

from shipwarden.endpoint.rules import (
    ai_agent_credential,
    cloud_credential,
    credential_file_permissions,
    env_file_secret,
    env_var_secret,
    git_credential,
    plaintext_credential_helper,
    registry_token,
    secret_manager_session,
    shell_history_secret,
    ssh_key_unprotected,
)
from shipwarden.endpoint.rules.common import FileCheck

#: Rules judging one store file, in the order their findings are reported for it.
FILE_RULES: tuple[FileCheck, ...] = (
    registry_token.check,
    git_credential.check,
    ssh_key_unprotected.check,
    cloud_credential.check,
    ai_agent_credential.check,
    secret_manager_session.check,
    shell_history_secret.check,
    env_file_secret.check,
    plaintext_credential_helper.check,
    credential_file_permissions.check,
)

REGISTRY_TOKEN = registry_token.META
GIT_CREDENTIAL = git_credential.META
SSH_KEY_UNPROTECTED = ssh_key_unprotected.META
CLOUD_CREDENTIAL = cloud_credential.META
AI_AGENT_CREDENTIAL = ai_agent_credential.META
SECRET_MANAGER_SESSION = secret_manager_session.META
SHELL_HISTORY_SECRET = shell_history_secret.META
ENV_FILE_SECRET = env_file_secret.META
ENV_VAR_SECRET = env_var_secret.META
PLAINTEXT_CREDENTIAL_HELPER = plaintext_credential_helper.META
CREDENTIAL_FILE_PERMISSIONS = credential_file_permissions.META

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
