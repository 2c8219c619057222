"""gitlab-long-lived-publish-token: a job publishes to a package registry with a long-lived
token variable (``NPM_TOKEN``, ``TWINE_PASSWORD``…) where trusted publishing through
``id_tokens`` would mint a short-lived, job-bound credential instead."""

from __future__ import annotations

from collections.abc import Iterator

from shipwarden.ci.gitlab.facts import job_facts
from shipwarden.ci.gitlab.model import Pipeline
from shipwarden.ci.gitlab.rules import REGISTRY
from shipwarden.findings import Confidence, Finding, Tier
from shipwarden.rules.registry import RuleMeta

META = RuleMeta(
    id="gitlab-long-lived-publish-token",
    row=5,
    tier=Tier.P2,
    confidence=Confidence.MEDIUM,
    title="GitLab job publishes with a long-lived registry token",
)

#: registries that accept GitLab CI/CD as a trusted publisher (OIDC through id_tokens)
TRUSTED_PUBLISHING = ("npm", "pypi")


@REGISTRY.rule(META)
def check(pipeline: Pipeline) -> Iterator[Finding]:
    for job in pipeline.jobs:
        facts = job_facts(job)
        if not facts.publishes or not facts.publish_tokens or facts.id_tokens is not None:
            continue
        registries = sorted({r for _, r, _ in facts.publishes})
        token, node = sorted(facts.publish_tokens.items())[0]
        script, registry, start = facts.publishes[0]
        trusted = [r for r in registries if r in TRUSTED_PUBLISHING]
        hint = (
            f" {', '.join(trusted)} accept GitLab CI/CD as a trusted publisher: use `id_tokens` and drop the token."
            if trusted
            else " Keep it a protected, masked variable scoped to a protected environment."
        )
        yield META.finding(
            f"job '{job.name}' publishes to {', '.join(registries)} with the long-lived token ${token}; "
            f"anything else that runs in this job (a dependency's install script, a poisoned cache) can read it.{hint}",
            [
                job.pipeline.file_of(script.node, job.file).value_location(script.node, start, start + 1, "publish"),
                job.where(node, "token"),
            ],
            key=f"{job.name}\x1f{token}",
            properties={"job": job.name, "token": token, "registries": registries},
        )
