"""gitlab-publish-ungated: a registry publish job with neither a deployment ``environment``
(where protected environments add approvals and scope the credentials) nor a
``when: manual`` gate; and whether it also runs on unprotected branches or MR pipelines."""

from __future__ import annotations

from collections.abc import Iterator

from shipwarden.ci.gitlab.facts import job_facts, unprotected_reach
from shipwarden.ci.gitlab.model import Pipeline
from shipwarden.ci.gitlab.reach import Tri
from shipwarden.core.catalogue import RuleMeta, rule
from shipwarden.core.findings import Confidence, Finding, Tier

META = RuleMeta(
    id="gitlab-publish-ungated",
    row=5,
    tier=Tier.P2,
    confidence=Confidence.MEDIUM,
    title="GitLab publish job without a protected environment or manual gate",
)

#: publishes of the project's own things to external package registries
REGISTRIES = frozenset({"npm", "pypi", "crates", "rubygems", "jsr", "maven", "nuget", "vscode", "hex", "pub", "cocoapods", "helm"})


@rule(META)
def check(pipeline: Pipeline) -> Iterator[Finding]:
    for job in pipeline.jobs:
        facts = job_facts(job)
        targets = sorted({r for _, r, _ in facts.publishes if r in REGISTRIES})
        if not targets or job.get("environment") is not None:
            continue
        manual = all(r.manual for r in facts.reach.values() if r.tri is not Tri.NO)
        if manual:
            continue
        reach = unprotected_reach(facts)
        unprotected = [c for c, _, _ in reach]
        # "also" only beside a protected reach: a job that runs only in MR pipelines publishes from there
        also = " also" if any(facts.runs(c) is not Tri.NO for c in ("default", "tag")) else ""
        where = (
            f" It{also} runs on " + " and ".join(runs for _, runs, _ in reach)
            + ": it only fails there if the token variable is protected."
            if reach
            else ""
        )
        script, _, start = next(p for p in facts.publishes if p[1] in REGISTRIES)
        yield META.finding(
            f"job '{job.name}' publishes to {', '.join(targets)} with no `environment:` and no `when: manual`: "
            f"nobody approves a release and the credential is not scoped to a protected environment.{where}",
            [
                job.pipeline.file_of(script.node, job.file).value_location(script.node, start, start + 1, "publish"),
                job.location("job"),
            ],
            key=job.name,
            properties={"job": job.name, "registries": targets, "unprotected": unprotected},
        )
