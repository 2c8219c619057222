"""gitlab-unpinned-image: a job that holds secrets (publish tokens, ``id_tokens``,
``secrets:``, token variables) runs in an image or service taken by tag, not digest."""

from __future__ import annotations

from collections.abc import Iterator

from shipwarden.ci.gitlab.facts import image_name, job_facts, services
from shipwarden.ci.gitlab.model import Pipeline
from shipwarden.core.catalogue import RuleMeta, rule
from shipwarden.core.findings import Confidence, Finding, Tier

META = RuleMeta(
    id="gitlab-unpinned-image",
    row=2,
    tier=Tier.P2,
    confidence=Confidence.MEDIUM,
    title="GitLab secret-holding job runs an image by tag",
)


@rule(META)
def check(pipeline: Pipeline) -> Iterator[Finding]:
    for job in pipeline.jobs:
        facts = job_facts(job)
        if not (facts.publish_tokens or facts.id_tokens is not None or facts.vault_secrets is not None):
            continue
        images = [n for n in [image_name(job.get("image"))] if n is not None] + [s for s, _ in services(job)]
        for image in images:
            ref = image.value
            if "@sha256:" in ref or "$" in ref:
                continue
            yield META.finding(
                f"job '{job.name}' holds credentials and runs `{ref}`, an image by tag: "
                "whoever can push that tag runs code beside them. Pin it by digest (`@sha256:…`).",
                [job.where(image, "image"), job.location("job")],
                key=f"{job.name}\x1f{ref}",
                properties={"job": job.name, "image": ref},
            )
