"""Rule id → fixer (one module per rule beside this one; shared types in ``model``)."""

from __future__ import annotations

from shipwarden.fix.checkout import fix_artipacked
from shipwarden.fix.injection import env_name, fix_template_injection
from shipwarden.fix.installs import fix_install_in_publish_job
from shipwarden.fix.model import Document, Fixer, FixLevel, KeyPath, Outcome, Proposal, Skipped
from shipwarden.fix.permissions import fix_excessive_permissions, suggest_environment

__all__ = ["FIXERS", "Document", "FixLevel", "Fixer", "KeyPath", "Outcome", "Proposal", "Skipped", "env_name"]

#: Rule id → fixer. A rule not listed here has no automatic fix.
FIXERS: dict[str, Fixer] = {
    "artipacked": fix_artipacked,
    "template-injection": fix_template_injection,
    "excessive-permissions": fix_excessive_permissions,
    "publish-without-environment": suggest_environment,
    "install-in-publish-job": fix_install_in_publish_job,
}
