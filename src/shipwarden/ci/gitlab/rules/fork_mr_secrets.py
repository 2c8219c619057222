"""gitlab-fork-mr-secrets: jobs of merge request pipelines that hold secrets, deploy keys or
``id_tokens``. Whether MRs from forks run in this project is a setting outside the file
(off by default: a fork MR's pipeline runs in the fork); when a member runs one here, these
jobs run the fork's code with this project's unprotected variables and tokens."""

from __future__ import annotations

from collections.abc import Iterator

from shipwarden.ci.gitlab.facts import job_facts
from shipwarden.ci.gitlab.model import Job, Pipeline
from shipwarden.ci.gitlab.reach import Tri
from shipwarden.core.catalogue import RuleMeta, rule
from shipwarden.core.findings import Confidence, Finding, Tier

META = RuleMeta(
    id="gitlab-fork-mr-secrets",
    row=2,
    tier=Tier.P2,
    confidence=Confidence.LOW,
    title="GitLab merge request pipeline jobs hold secrets",
)


@rule(META)
def check(pipeline: Pipeline) -> Iterator[Finding]:
    holders: list[tuple[str, list[str], object]] = []
    for job in pipeline.jobs:
        facts = job_facts(job)
        if facts.runs("mr") is not Tri.YES:
            continue
        what: list[str] = []
        if facts.id_tokens is not None:
            what += [f"id_token {k.value}" for k, _ in facts.id_tokens.items]
        if facts.vault_secrets is not None:
            what += [f"secret {k.value}" for k, _ in facts.vault_secrets.items]
        what += [f"${n}" for n in sorted({*facts.publish_tokens, *facts.secrets})]
        if what:
            holders.append((job.name, what, job))
    if not holders:
        return
    first = holders[0][2]
    names = sorted({w for _, what, _ in holders for w in what})
    jobs = [name for name, _, _ in holders]
    assert isinstance(first, Job)
    shown = ", ".join(jobs[:5]) + (f" and {len(jobs) - 5} more" if len(jobs) > 5 else "")
    yield META.finding(
        f"{len(jobs)} job(s) of merge request pipelines hold {', '.join(names[:6])}"
        f"{' …' if len(names) > 6 else ''} ({shown}). MR pipelines run the MR's own code and CI file; "
        "if members run fork MR pipelines in this project (a project setting, not in this file), that code "
        "gets these. Keep such variables protected (MR pipelines never get protected variables) and mint "
        "tokens only on protected refs.",
        [first.location("job")],
        key="\x1f".join(jobs),
        properties={"jobs": jobs, "secrets": names},
    )
