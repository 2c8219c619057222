"""cache-in-publish-job: a publishing job restores an Actions cache.

Any code that ever ran in the default branch's cache scope — a pull_request_target
job, a workflow on the default branch running a compromised dependency — can
save a cache entry that this job then restores and runs (TanStack, May 2026).
Reported even when no writer is in view; writers in this repository are named.
"""

from __future__ import annotations

from collections.abc import Iterator

from shipwarden.ci.github.facts import job_facts
from shipwarden.ci.github.knowledge import event_info
from shipwarden.ci.github.model import Job, Repository, Workflow
from shipwarden.ci.github.publishing import PublishSite
from shipwarden.ci.github.records import CacheUse
from shipwarden.ci.github.rules.folding import cache_hit, cache_read
from shipwarden.ci.github.rules.oidc_overscoped import folded_grant
from shipwarden.ci.github.steps import cache_keys_meet, cache_saves_refused
from shipwarden.core.catalogue import RuleMeta, workflow_rule
from shipwarden.core.findings import Confidence, Finding, Tier

META = RuleMeta(
    id="cache-in-publish-job",
    row=2,
    tier=Tier.P1,
    confidence=Confidence.HIGH,
    title="Publishing job restores an Actions cache",
)


#: Cache scopes whose entries a job of another scope never restores (a pull request's merge
#: ref: GitHub's cache access restrictions let a run restore its own ref's and the default
#: branch's entries only).
_PRIVATE_SCOPES = frozenset({"pr"})


def _writers(repo: Repository, job: Job, cache: CacheUse) -> tuple[list[str], list[str], list[str]]:
    """Jobs of the repository that save an entry this job's cache step can restore; those that
    save a matching key only from runs whose entries this job never sees (fork PRs); and those
    whose saves GitHub refuses (an untrusted trigger's read-only cache token, June 2026)."""
    restorer = {event_info(e).cache_scope for e in repo.effective_events(job.workflow)}
    out: list[str] = []
    unseen: list[str] = []
    refused: list[str] = []
    for wf in repo.workflows:
        events = [event_info(e) for e in repo.effective_events(wf)]
        reach = [e for e in events if e.cache_scope not in _PRIVATE_SCOPES or e.cache_scope in restorer]
        for other in wf.jobs:
            if other is job:
                continue
            for saved in job_facts(other).caches:
                if saved.saves and cache_keys_meet(saved.key, cache.key, cache.restore_keys):
                    name = f"`{wf.path}` job `{other.id}`"
                    saving = [e for e in reach if not cache_saves_refused(other, e.name)]
                    # an outsider writes where this job restores only from a run in the default
                    # branch's scope whose cache token can save (`cache-mode: write`)
                    outsider = any(e.outsider and e.cache_scope == "default" for e in saving)
                    if not reach:
                        unseen.append(name)
                    elif not saving:
                        refused.append(name)
                    else:
                        out.append(name + (" (outsiders can start it, in the default branch's cache scope)" if outsider else ""))
                    break
    return out, unseen, refused


def _keys(cache: CacheUse) -> str:
    keys = ", ".join(f"`{k}`" for k in (cache.key, *cache.restore_keys) if k)
    return f"{cache.action}{': ' + keys if keys else ''}"


def _unread(wf: Workflow, job: Job, sites: list[PublishSite], cache: CacheUse) -> Finding:
    """A package manager's download store restored where nothing installs: nothing reads it
    today (graphql/graphql-js@c630c42b publishes a downloaded build with `--ignore-scripts`)."""
    registries = ", ".join(dict.fromkeys(s.name for s in sites))
    return META.finding(
        f"job `{job.id}` publishes to {registries} and restores a cache ({_keys(cache)}), but nothing in the job"
        " reads it: it is a package manager's download store, read only by installs and package runners, and"
        " the job runs neither. Hardening: turn the cache off in the publishing job, so that an install added"
        " there later does not run a poisoned entry with the publish credentials",
        [cache.location(), sites[0].location],
        tier=Tier.P2,
        key=f"{wf.path}|{job.id}|cache-in-publish",
        properties={"job": job.id, "writers": [], "read": False},
    )


@workflow_rule(META)
def check(wf: Workflow, repo: Repository) -> Iterator[Finding]:
    for job in wf.jobs:
        hit = cache_hit(job)
        if hit is None:
            continue
        sites, restores = hit
        read = [c for c in restores if cache_read(c, job_facts(job))]
        if not read:
            yield _unread(wf, job, sites, restores[0])
            continue
        cache = read[0]
        # every restore the job reads, each with its writers (fastapi/fastapi@aba53414: setup-python's
        # pip cache and an actions/cache of the whole interpreter)
        writers: list[str] = []
        unseen: list[str] = []
        refused: list[str] = []
        for c in read:
            for acc, got in zip((writers, unseen, refused), _writers(repo, job, c), strict=True):
                acc.extend(x for x in got if x not in acc)
        shown = "; written by " + ", ".join(writers[:3]) + ("…" if len(writers) > 3 else "") if writers else (
            f"; no job of this repository in view saves {'it' if len(read) == 1 else 'them'}, but any code that runs"
            " in the default branch's cache scope can"
        )
        if unseen:
            shown += (
                f" ({', '.join(unseen[:3])}{'…' if len(unseen) > 3 else ''} saves the same key only from pull request"
                " runs, whose entries stay in the pull request's own scope)"
            )
        if refused:
            shown += (
                f" ({', '.join(refused[:3])}{'…' if len(refused) > 3 else ''} saves the same key only from runs that"
                " GitHub gives a read-only cache token: untrusted triggers in the default branch's scope, since"
                " June 2026, unless `cache-mode: write` is set)"
            )
        registries = ", ".join(dict.fromkeys(s.name for s in sites))
        locations = [cache.location(), sites[0].location, *(c.location() for c in read[1:])]
        properties: dict[str, object] = {"job": job.id, "writers": writers}
        if unseen:
            properties["pr_scope_writers"] = unseen
        if refused:
            properties["read_only_writers"] = refused
        oidc = ""
        grant = folded_grant(wf, job)
        if grant is not None:
            oidc = " and can request its OIDC token (the job holds `id-token: write`)"
            locations.append(grant)
            properties["folds"] = ["oidc-overscoped"]
        yield META.finding(
            f"job `{job.id}` publishes to {registries} and restores"
            f" {'a cache' if len(read) == 1 else f'{len(read)} caches'} ({'; '.join(_keys(c) for c in read)})"
            f"{shown}. A poisoned entry runs with the publish credentials{oidc} (TanStack, May 2026); publish from a"
            " job that restores no cache and only downloads the built artifact",
            locations,
            key=f"{wf.path}|{job.id}|cache-in-publish",
            properties=properties,
        )
