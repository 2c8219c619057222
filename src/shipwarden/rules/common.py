"""Small helpers shared by workflow rules (no rule logic here)."""

from __future__ import annotations

from shipwarden.findings import Tier
from shipwarden.github.facts import JobFacts, privileged_outsider_events
from shipwarden.github.model import Job

#: Secret names that denote long-lived registry credentials (row 5).
REGISTRY_TOKEN_HINTS = ("NPM", "NODE_AUTH", "PYPI", "TWINE", "CARGO", "CRATES", "RUBYGEMS", "GEM_HOST")


#: Write scopes that publish, push, dispatch or deploy. Others (issues, pull-requests,
#: checks, statuses, ...) let code comment or label, not ship.
POWER_SCOPES = frozenset({"contents", "actions", "packages", "deployments", "pages", "id-token"})


def job_holds_power(facts: JobFacts) -> bool:
    """Secrets, an OIDC grant, or write scopes that ship: what makes code in a job worth stealing."""
    job = facts.job
    if facts.id_token or POWER_SCOPES & set(facts.writes):
        return True
    if job.effective_permissions is None:
        return True  # the repository default may grant write
    secrets = {s for s in facts.secrets if s.upper() != "GITHUB_TOKEN"}
    return bool(secrets)


def worst(*tiers: Tier) -> Tier:
    return min(tiers, key=lambda t: t.rank)


def outsider_privileged(job: Job) -> tuple[str, ...]:
    return privileged_outsider_events(job.workflow)
