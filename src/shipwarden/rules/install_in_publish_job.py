"""install-in-publish-job: dependency install-time code runs in a job that holds publish power.

Row 4 inside CI: ``npm ci``/``npm install``/``pnpm install``/``yarn`` without
``--ignore-scripts``, a ``pip install`` that may build an sdist, or a package build
(``python -m build`` and friends fetch and run build backends) in the job that
publishes. Every lifecycle script of every dependency runs with the job's
publish token, OIDC grant or write token in reach — the way the Shai-Hulud worms
spread from one maintainer's package to the next.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from shipwarden.findings import Confidence, Finding, Tier
from shipwarden.github.facts import Exec, JobFacts, job_facts, privileged_outsider_events
from shipwarden.github.model import Repository, Workflow
from shipwarden.github.publishing import package_sites
from shipwarden.rules.registry import RuleMeta, workflow_rule

META = RuleMeta(
    id="install-in-publish-job",
    row=4,
    tier=Tier.P1,
    confidence=Confidence.HIGH,
    title="Dependency install-time code runs in the publishing job",
)

#: a package build runs the build backend (and the build requirements it downloads)
#: (``poetry build``/``hatch build`` run their bundled backend in-process and fetch nothing)
_BUILD = re.compile(r"\bpython3?\s+-m\s+build\b|\bpyproject-build\b|\buv\s+build\b")
#: the package's own publish-time scripts (``prepublishOnly``): its code, not a dependency's
_OWN_SCRIPTS = "runs the package's lifecycle scripts"


def _install_time(execs: list[Exec]) -> list[Exec]:
    # named tools (`pip install twine`, `npm i -g npm`) are not the project's dependency tree
    out = [e for e in execs if e.install and e.workspace and _OWN_SCRIPTS not in e.what]
    for e in execs:
        if not e.install and e.step.run is not None and e.start >= 0:
            if _BUILD.search(e.step.run.value[e.start : e.end]):
                out.append(e)
    return out


def checkout_free(facts: JobFacts) -> bool:
    """No pull request's code in the job (that case raises the tier and stays here)."""
    return facts.first_pr_checkout() is None


@workflow_rule(META)
def check(wf: Workflow, repo: Repository) -> Iterator[Finding]:
    for job in wf.jobs:
        sites = [s for s in package_sites(job) if not s.test_index]
        if not sites:
            continue
        facts = job_facts(job)
        installs = _install_time(facts.execs)
        if not installs:
            continue
        first = installs[0]
        held = list(dict.fromkeys(c.secret for s in sites for c in s.credentials))
        if not held and facts.id_token and (checkout_free(facts) or not privileged_outsider_events(wf)):
            continue  # an OIDC grant only: oidc-overscoped reports the same job and fix
        power = (
            ", ".join(f"`{h}`" for h in held[:3])
            if held
            else ("its OIDC grant (id-token: write)" if facts.id_token else "the publish step's credentials")
        )
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
            [first.location(), sites[0].location],
            tier=tier,
            key=f"{wf.path}|{job.id}|install-in-publish",
            properties={"job": job.id, "installs": len(installs), "registries": [s.registry for s in sites]},
        )
