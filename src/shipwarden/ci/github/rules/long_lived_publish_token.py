"""long-lived-publish-token: a registry publish authenticated by a stored secret where OIDC would do.

The publish analysis itself (which steps publish where, with which
credentials) is :mod:`shipwarden.ci.github.publishing`.
"""

from __future__ import annotations

from collections.abc import Iterator

from shipwarden.ci.github.model import Job, Repository, Workflow
from shipwarden.ci.github.publishing import REGISTRY_NAMES, PublishSite, dedupe_credentials, publish_sites
from shipwarden.core.catalogue import RuleMeta, workflow_rule
from shipwarden.core.findings import Confidence, Finding, Tier

META = RuleMeta(
    id="long-lived-publish-token",
    row=5,
    tier=Tier.P1,
    confidence=Confidence.HIGH,
    title="Registry publish authenticated with a long-lived token where trusted publishing exists",
)


def _groups(job: Job) -> dict[tuple[str, tuple[str, ...]], list[PublishSite]]:
    groups: dict[tuple[str, tuple[str, ...]], list[PublishSite]] = {}
    for site in publish_sites(job):
        if not site.trusted_capable or not site.credentials:
            continue
        key = (site.registry, tuple(sorted({c.secret.lower() for c in site.credentials})))
        groups.setdefault(key, []).append(site)
    return groups


def reported_secrets(job: Job) -> set[str]:
    """The secrets (lower-case) this rule reports at P1 for ``job``: publish-without-environment
    folds its P1 into this finding when they are all the secrets it would name."""
    return {n for (_r, names), sites in _groups(job).items() if not all(s.test_index for s in sites) for n in names}


@workflow_rule(META)
def check(wf: Workflow, repo: Repository) -> Iterator[Finding]:
    for job in wf.jobs:
        for (registry, _names), sites in _groups(job).items():
            yield _finding(job, registry, sites)


def _finding(job: Job, registry: str, sites: list[PublishSite]) -> Finding:
    first = sites[0]
    creds = dedupe_credentials([c for s in sites for c in s.credentials])
    secrets = list(dict.fromkeys(c.secret for c in creds))
    via = list(dict.fromkeys(c.via for c in creds))
    test = all(s.test_index for s in sites)
    tier = Tier.P2 if test else Tier.P1
    name = REGISTRY_NAMES.get(registry, registry)
    what = f"`{first.tool}`" if not first.inferred else "this step"
    shown = ", ".join(f"`{s}`" for s in secrets)
    message = (
        f"{what} publishes to {name}{' (a test index)' if test else ''} with the long-lived secret"
        f"{'s' if len(secrets) > 1 else ''} {shown} (via {', '.join(via)}); {name} supports trusted publishing,"
        f" which swaps it for a short-lived OIDC credential bound to this repository and workflow."
        f" A stored token keeps working from anywhere once copied from a runner, a log or a dependency's"
        f" install script, until someone notices and revokes it"
    )
    locations = [first.location] + [c.location for c in creds] + [s.location for s in sites[1:]]
    properties: dict[str, object] = {"registry": registry, "secrets": secrets, "job": job.id}
    if not test and job.environment_node is None:
        # publish-without-environment's P1 (the same secret, readable outside a release job) said here once
        message += (
            f"; and with no deployment `environment:` on job `{job.id}` it is a repository secret, readable by"
            " every workflow and branch of the repository, not only by a reviewed release job"
        )
        locations.append(job.location(f"job `{job.id}` has no `environment:`"))
        properties["folds"] = ["publish-without-environment"]
    if first.inferred:
        message += "; the publish is judged from the credential and the step's wording"
    return META.finding(
        message,
        locations,
        tier=tier,
        confidence=Confidence.MEDIUM if first.inferred else Confidence.HIGH,
        key=f"{job.id}|{registry}|{','.join(sorted(s.lower() for s in secrets))}",
        properties=properties,
    )
