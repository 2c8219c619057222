"""gitlab-long-lived-publish-token: a job publishes to a package registry with a long-lived
token variable (``NPM_TOKEN``, ``TWINE_PASSWORD``…) where trusted publishing through
``id_tokens`` would mint a short-lived, job-bound credential instead."""

from __future__ import annotations

from collections.abc import Iterator

from shipwarden.ci.gitlab.facts import job_facts, unprotected_reach
from shipwarden.ci.gitlab.model import Job, Pipeline
from shipwarden.core.catalogue import RuleMeta, rule
from shipwarden.core.findings import Confidence, Finding, Tier

META = RuleMeta(
    id="gitlab-long-lived-publish-token",
    row=5,
    tier=Tier.P2,
    confidence=Confidence.MEDIUM,
    title="GitLab job publishes with a long-lived registry token",
)

#: registries that accept GitLab CI/CD as a trusted publisher (OIDC through id_tokens)
TRUSTED_PUBLISHING = ("npm", "pypi")


@rule(META)
def check(pipeline: Pipeline) -> Iterator[Finding]:
    for job in pipeline.jobs:
        facts = job_facts(job)
        if not facts.publishes or facts.id_tokens is not None:
            continue
        registries = sorted({r for _, r, _ in facts.publishes})
        trusted = [r for r in registries if r in TRUSTED_PUBLISHING]
        script, registry, start = facts.publishes[0]
        locations = [job.pipeline.file_of(script.node, job.file).value_location(script.node, start, start + 1, "publish")]
        if facts.publish_tokens:
            token, node = sorted(facts.publish_tokens.items())[0]
            what = f"the long-lived token ${token}"
            locations.append(job.where(node, "token"))
            confidence = None
        elif trusted and not _job_token(job):
            # no token in the file: twine/npm read one from a project CI/CD variable
            token = ""
            what = "a token from a project CI/CD variable (none is minted: no `id_tokens:`)"
            confidence = Confidence.LOW
        else:
            continue
        hint = (
            f" {' and '.join(trusted)} {'accepts' if len(trusted) == 1 else 'accept'} GitLab CI/CD as a trusted "
            "publisher: use `id_tokens` and delete the token."
            if trusted
            else " Keep it a protected, masked variable scoped to a protected environment."
        )
        locations.append(job.location("job"))
        # who else reaches the job: in MR pipelines the MR's own code runs it (Seekr-Technologies/
        # seekr-hatchery, .gitlab/ci/pypi.yml: a snapshot publish on every merge request pipeline)
        reach = unprotected_reach(facts)
        reached = "".join(
            f" The job runs on {runs}: {who} runs here and reads the token unless the variable is protected"
            " (then the publish fails there)."
            for _, runs, who in reach
        )
        yield META.finding(
            f"job '{job.name}' publishes to {', '.join(registries)} with {what}; anything else that runs in "
            f"this job (a dependency's install script, a poisoned cache) can read it.{reached}{hint}",
            locations,
            confidence=confidence,
            key=f"{job.name}\x1f{token}",
            properties={"job": job.name, "token": token, "registries": registries,
                        "unprotected": [c for c, _, _ in reach]},
        )


def _job_token(job: Job) -> bool:
    """Publishes to GitLab's own package registry authenticate with ``CI_JOB_TOKEN``."""
    texts = [s.value for _, s in job.scripts()] + [v.value for v in job.variables().values()]
    return any("CI_JOB_TOKEN" in t or "CI_API_V4_URL" in t for t in texts)
