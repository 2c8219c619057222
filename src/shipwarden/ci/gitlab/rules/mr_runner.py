"""gitlab-mr-runner: jobs that run in merge request pipelines on self-managed runners
(``tags:``) or with a privileged Docker-in-Docker service. Fork MR pipelines run in the
fork unless a parent-project member runs them in the parent (a setting outside the file);
then the MR's code runs on these machines."""

from __future__ import annotations

import re
from collections.abc import Iterator

from shipwarden.ci.gitlab.facts import job_facts, runner_tags, services
from shipwarden.ci.gitlab.model import Job, Pipeline, table
from shipwarden.ci.gitlab.reach import Tri
from shipwarden.ci.yamlspan import Scalar
from shipwarden.core.catalogue import RuleMeta, rule
from shipwarden.core.findings import Confidence, Finding, Tier

META = RuleMeta(
    id="gitlab-mr-runner",
    row=2,
    tier=Tier.P2,
    confidence=Confidence.LOW,
    title="GitLab merge request jobs on self-managed runners or privileged Docker-in-Docker",
)

#: GitLab-hosted runner tags (GitLab.com instance runners)
_HOSTED = re.compile(r"^saas-|^gitlab-org(-docker)?$")


@rule(META)
def check(pipeline: Pipeline) -> Iterator[Finding]:
    dind = [re.compile(p) for p in table()["images"]["dind"]]
    # one finding per kind of runner (tag set, privileged service), naming the first job
    groups: dict[tuple[tuple[str, ...], bool], list[tuple[Job, list[Scalar], list[Scalar], bool]]] = {}
    for job in pipeline.jobs:
        facts = job_facts(job)
        if facts.runs("mr") is not Tri.YES:
            continue
        tags = [t for t in runner_tags(job) if not _HOSTED.search(t.value) and "$" not in t.value]
        privileged = [s for s, _ in services(job) if any(p.search(s.value) for p in dind)]
        if not tags and not privileged:
            continue
        ident = (tuple(sorted(t.value for t in tags)), bool(privileged))
        groups.setdefault(ident, []).append((job, tags, privileged, facts.holds_secrets))
    for (tag_names, has_dind), members in groups.items():
        members.sort(key=lambda m: (not m[3], m[0].name))
        job, tags, privileged, secret_holder = members[0]
        parts = []
        if tags:
            parts.append(f"runners tagged {', '.join(tag_names)}")
        if privileged:
            parts.append(f"a privileged Docker-in-Docker service ({privileged[0].value})")
        others = f" (and {len(members) - 1} more jobs)" if len(members) > 1 else ""
        secret = " It also holds secrets." if secret_holder else ""
        loc = job.where(tags[0] if tags else privileged[0], "runner")
        yield META.finding(
            f"job '{job.name}'{others} runs in merge request pipelines on {' and '.join(parts)}.{secret} "
            "If merge requests from forks are run in this project, the MR's code runs there: "
            "give MR jobs ephemeral runners and keep protected runners for protected refs.",
            [loc, job.location("job")],
            key="\x1f".join((*tag_names, "dind" if has_dind else "")),
            properties={"job": job.name, "jobs": [m[0].name for m in members], "tags": list(tag_names), "dind": has_dind},
        )
