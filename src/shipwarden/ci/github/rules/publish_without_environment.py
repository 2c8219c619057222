"""publish-without-environment: a registry publish from a job with no deployment environment."""

from __future__ import annotations

from collections.abc import Iterator

from shipwarden.ci.github.model import Repository, Workflow
from shipwarden.ci.github.publishing import package_sites, secrets_in
from shipwarden.ci.github.rules.long_lived_publish_token import reported_secrets
from shipwarden.core.catalogue import RuleMeta, workflow_rule
from shipwarden.core.findings import Confidence, Finding, Tier

META = RuleMeta(
    id="publish-without-environment",
    row=5,
    tier=Tier.P2,
    confidence=Confidence.HIGH,
    title="Package publish from a job without a deployment environment",
)


@workflow_rule(META)
def check(wf: Workflow, repo: Repository) -> Iterator[Finding]:
    for job in wf.jobs:
        if job.uses is not None or job.environment_node is not None:
            continue
        sites = package_sites(job)
        if not sites:
            continue
        secrets: list[str] = []
        live: set[str] = set()  # the secrets of publishes that are not to a test index
        for site in sites:
            before = len(secrets)
            secrets.extend(c.secret for c in site.credentials)
            if not site.trusted_capable and site.step.uses is None:
                # registries without trusted publishing: any secret the publish step is handed
                for value in site.step.env.values():
                    secrets.extend(name for name, _s, _e in secrets_in(value.value))
            if not site.trusted_capable and site.step.uses is not None:
                for value in site.step.with_.values():
                    secrets.extend(name for name, _s, _e in secrets_in(value.value))
            if not site.test_index:
                live.update(x.lower() for x in secrets[before:])
        secrets = list(dict.fromkeys(secrets))
        registries = list(dict.fromkeys(s.name for s in sites))
        where = ", ".join(registries)
        folded = bool(live) and live <= reported_secrets(job)
        if folded:
            tier = Tier.P2
            shown = ", ".join(f"`{s}`" for s in secrets[:4]) + ("…" if len(secrets) > 4 else "")
            why = (
                "; without an environment no required reviewer, wait timer or branch/tag restriction applies to the"
                f" publish (the stored {'tokens' if len(secrets) > 1 else 'token'} {shown}, readable by every"
                " workflow and branch, reported by long-lived-publish-token)"
            )
        elif secrets and not all(s.test_index for s in sites):
            tier = Tier.P1
            shown = ", ".join(f"`{s}`" for s in secrets[:4]) + ("…" if len(secrets) > 4 else "")
            why = (
                f" and authenticates with {shown}: as a repository secret it is readable by every workflow and"
                f" branch of the repository, not only by a reviewed release job"
            )
        else:
            tier = Tier.P2
            why = (
                "; without an environment no required reviewer, wait timer or branch/tag restriction applies to the"
                " publish, and a trusted publisher cannot be pinned to an environment"
            )
        message = f"job `{job.id}` publishes to {where} without a deployment `environment:`{why}"
        locations = [job.location(f"job `{job.id}` has no `environment:`")] + [s.location for s in sites]
        yield META.finding(
            message,
            locations,
            tier=tier,
            confidence=Confidence.MEDIUM if all(s.inferred for s in sites) else Confidence.HIGH,
            key=f"{job.id}",
            properties={"registries": registries, "secrets": secrets, **({"folded": True} if folded else {})},
        )
