"""install-in-publish-job: dependency install-time code runs in a job that holds publish power.

Row 4 inside CI: ``npm ci``/``npm install``/``pnpm install``/``yarn`` without
``--ignore-scripts``, a ``pip install`` that may build an sdist, or a package build
(``python -m build`` and friends fetch and run build backends) in the job that
publishes. Every lifecycle script of every dependency runs with the job's
publish token, OIDC grant or write token in reach — the way the Shai-Hulud worms
spread from one maintainer's package to the next.
"""

from __future__ import annotations

from collections.abc import Iterator

from shipwarden.findings import Confidence, Finding, Tier
from shipwarden.github.facts import job_facts, privileged_outsider_events
from shipwarden.github.model import Repository, Workflow
from shipwarden.rules.folding import install_hit
from shipwarden.rules.oidc_overscoped import folded_grant
from shipwarden.rules.registry import RuleMeta, workflow_rule

META = RuleMeta(
    id="install-in-publish-job",
    row=4,
    tier=Tier.P1,
    confidence=Confidence.HIGH,
    title="Dependency install-time code runs in the publishing job",
)

@workflow_rule(META)
def check(wf: Workflow, repo: Repository) -> Iterator[Finding]:
    for job in wf.jobs:
        h = install_hit(wf, job)
        if h is None:
            continue
        sites, installs, held = h.sites, h.installs, h.held
        facts = job_facts(job)
        first = installs[0]
        power = (
            ", ".join(f"`{x}`" for x in held[:3])
            if held
            else ("its OIDC grant (id-token: write)" if facts.id_token else "the publish step's credentials")
        )
        locations = [first.location(), sites[0].location]
        properties: dict[str, object] = {
            "job": job.id, "installs": len(installs), "registries": [s.registry for s in sites]
        }
        if held and facts.id_token:
            power += " and its OIDC grant (id-token: write)"
            grant = folded_grant(wf, job)
            if grant is not None:
                locations.append(grant)
                properties["folds"] = ["oidc-overscoped"]
        tier = Tier.P1
        note = ""
        checkout = facts.first_pr_checkout()
        if checkout is not None and privileged_outsider_events(wf):
            tier = Tier.P0
            note = "; the job installs from the pull request's checkout, so an outsider chooses what is installed"
        registries = ", ".join(dict.fromkeys(s.name for s in sites))
        more = f" (and {len(installs) - 1} more install step(s))" if len(installs) > 1 else ""
        yield META.finding(
            f"job `{job.id}` publishes to {registries} with {power} and also runs install-time code: {first.what}{more};"
            f" a lifecycle script of any dependency can take the credential — the Shai-Hulud worms spread this way."
            f" Install with `--ignore-scripts` (or build in a job without publish power and hand the artifact to a"
            f" job that only publishes){note}",
            locations,
            tier=tier,
            key=f"{wf.path}|{job.id}|install-in-publish",
            properties=properties,
        )
