"""gitlab-cache-poisoning: a publish or OIDC job restores a cache that pipelines on
unprotected refs can write — ``cache: unprotect: true`` switches off GitLab's separation of
protected and unprotected caches (the GitLab shape of the TanStack chain)."""

from __future__ import annotations

from collections.abc import Iterator

from shipwarden.ci.gitlab.facts import cache_key, job_facts, unprotected_cache
from shipwarden.ci.gitlab.model import Pipeline
from shipwarden.ci.gitlab.reach import Tri
from shipwarden.ci.yamlspan import Scalar
from shipwarden.core.catalogue import RuleMeta, rule
from shipwarden.core.findings import Confidence, Finding, Tier

META = RuleMeta(
    id="gitlab-cache-poisoning",
    row=2,
    tier=Tier.P1,
    confidence=Confidence.MEDIUM,
    title="GitLab release job restores a cache unprotected refs can write",
)


@rule(META)
def check(pipeline: Pipeline) -> Iterator[Finding]:
    writers: dict[str, list[str]] = {}
    for job in pipeline.jobs:
        facts = job_facts(job)
        if max(facts.runs("mr"), facts.runs("branch")) is not Tri.YES:
            continue
        for cache in facts.caches():
            policy = cache.get("policy")
            if isinstance(policy, Scalar) and policy.value == "pull":
                continue
            if unprotected_cache(cache):
                writers.setdefault(cache_key(cache), []).append(job.name)
    for job in pipeline.jobs:
        facts = job_facts(job)
        if not (facts.publishes or facts.id_tokens is not None):
            continue
        for cache in facts.caches():
            flag = unprotected_cache(cache)
            if flag is None or not facts.restores_cache(cache):
                continue
            key = cache_key(cache)
            others = [w for w in writers.get(key, []) if w != job.name]
            what = "publishes" if facts.publishes else "holds id_tokens"
            if others:
                tier = Tier.P1
                tail = f"; jobs on unprotected refs write the same cache: {', '.join(sorted(others)[:5])}"
            else:
                tier = Tier.P2
                tail = "; any job on an unprotected branch using this cache key can write it"
            yield META.finding(
                f"job '{job.name}' {what} and restores a cache with `unprotect: true`{tail}. "
                "Drop `unprotect: true` (GitLab keeps protected and unprotected caches apart) or use `policy: push` here.",
                [job.where(flag, "unprotect"), job.location("job")],
                tier=tier,
                key=f"{job.name}\x1f{key}",
                properties={"job": job.name, "cache_key": key, "writers": sorted(others)},
            )
