"""What install-in-publish-job and cache-in-publish-job report for a job, shared with
oidc-overscoped: when every risk oidc-overscoped sees beside a job's OIDC grant is
already reported for that job by one of them, its finding folds into theirs (one
root cause — untrusted code in the publishing job — reported once per mechanism,
the grant named there) instead of repeating the same installs and caches.
"""

from __future__ import annotations

import re

from shipwarden.ci.github.facts import job_facts, privileged_outsider_events
from shipwarden.ci.github.model import Job, Workflow
from shipwarden.ci.github.pnpm import allow_flags, major_of, scripts_off_from
from shipwarden.ci.github.publishing import PublishSite, package_sites
from shipwarden.ci.github.records import CacheUse, Exec, JobFacts
from shipwarden.core.structs import struct

#: a package build runs the build backend (and the build requirements it downloads)
#: (``poetry build``/``hatch build`` run their bundled backend in-process and fetch nothing)
_BUILD = re.compile(r"\bpython3?\s+-m\s+build\b|\bpyproject-build\b|\buv\s+build\b")
#: the package's own publish-time scripts (``prepublishOnly``): its code, not a dependency's
_OWN_SCRIPTS = "runs the package's lifecycle scripts"


def _install_time(execs: list[Exec]) -> list[Exec]:
    # named tools (`pip install twine`, `npm i -g npm`) are not the project's dependency tree
    out = [e for e in execs if e.install and e.workspace and _OWN_SCRIPTS not in e.what]
    for e in execs:
        if not e.install and e.step.run is not None and e.start >= 0 and _BUILD.search(e.step.run.value[e.start : e.end]):
            out.append(e)
    return out


def checkout_free(facts: JobFacts) -> bool:
    """No pull request's code in the job (that case raises the tier and stays here)."""
    return facts.first_pr_checkout() is None


@struct(frozen=True)
class Hit:
    """What install-in-publish-job reports for one job."""

    sites: list[PublishSite]
    installs: list[Exec]
    held: list[str]
    id_token: bool


def _pnpm_major(job: Job) -> int | None:
    """The pnpm major the job runs: ``pnpm/action-setup``'s ``version:``, else ``packageManager``."""
    for step in job_facts(job).steps:
        if step.uses is not None and step.uses.action == "pnpm/action-setup" and "version" in step.with_:
            return major_of(step.with_["version"].value)
    repo = job.workflow.repo
    return repo.pnpm.major if repo is not None else None


def pnpm_gated(e: Exec, job: Job) -> tuple[str, ...] | None:
    """For a pnpm install under pnpm 10 or later whose dependency scripts run only when
    allowlisted: the allowlisted packages (empty: none run). None when the install is not
    pnpm's, the version is older or unknown, or the repository (or the command) allows more."""
    step = e.step
    if step.uses is not None:
        if step.uses.action != "pnpm/action-setup":
            return None
        text = " ".join(v.value for v in step.with_.values())
    elif step.run is not None and e.start >= 0:
        text = step.run.value[e.start : e.end]
        if not re.match(r"\s*pnpm\b", text):
            return None
    else:
        return None
    if any(flag in text for flag in allow_flags()):
        return None
    repo = job.workflow.repo
    major = _pnpm_major(job)
    if repo is None or major is None or major < scripts_off_from() or repo.pnpm.open:
        return None
    return repo.pnpm.allowed


def install_hit(wf: Workflow, job: Job) -> Hit | None:
    """The job's publishes and install-time code when install-in-publish-job reports the job, else None."""
    sites = [s for s in package_sites(job) if not s.test_index]
    if not sites:
        return None
    facts = job_facts(job)
    installs = _install_time(facts.execs)
    if not installs:
        return None
    held = list(dict.fromkeys(c.secret for s in sites for c in s.credentials))
    if not held and facts.id_token and (checkout_free(facts) or not privileged_outsider_events(wf)):
        return None  # an OIDC grant only: oidc-overscoped reports the same job and fix
    return Hit(sites, installs, held, facts.id_token)


def cache_hit(job: Job) -> tuple[list[PublishSite], list[CacheUse]] | None:
    """The job's publishes and restored caches when cache-in-publish-job reports the job, else None."""
    sites = [s for s in package_sites(job) if not s.test_index]
    if not sites:
        return None
    restores = [c for c in job_facts(job).caches if c.restores]
    if not restores:
        return None
    return sites, restores
