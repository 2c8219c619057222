"""What install-in-publish-job and cache-in-publish-job report for a job, shared with
oidc-overscoped: when every risk oidc-overscoped sees beside a job's OIDC grant is
already reported for that job by one of them, its finding folds into theirs (one
root cause — untrusted code in the publishing job — reported once per mechanism,
the grant named there) instead of repeating the same installs and caches.
"""

from __future__ import annotations

import re
from dataclasses import replace

from shipwarden.ci.github.facts import job_facts, privileged_outsider_events
from shipwarden.ci.github.knowledge import step_info
from shipwarden.ci.github.model import Job, Workflow
from shipwarden.ci.github.pnpm import (
    allow_flags,
    clears_allowlist,
    fetch_and_run,
    fetch_hooks,
    major_of,
    root_install_hooks,
    scripts_off_from,
)
from shipwarden.ci.github.publishing import PublishSite, package_sites
from shipwarden.ci.github.records import CacheUse, Exec, JobFacts
from shipwarden.ci.github.steps import code_text
from shipwarden.core.structs import struct

#: a package build runs the build backend (and the build requirements it downloads)
#: (``poetry build``/``hatch build`` run their bundled backend in-process and fetch nothing)
_BUILD = re.compile(r"\bpython3?\s+-m\s+build\b|\bpyproject-build\b|\buv\s+build\b")
#: a build told not to make its own environment runs the backend already installed beside it
_NO_ISOLATION = re.compile(r"(?:^|\s)(?:-n|--no-isolation|--no-build-isolation)(?:\s|$)")


def _install_time(execs: list[Exec]) -> list[Exec]:
    # named tools (`pip install twine`, `npm i -g npm`) are not the project's dependency tree;
    # the package's own publish-time scripts (`prepublishOnly`) are its code, not a dependency's
    out = [e for e in execs if e.install and e.workspace and not e.own]
    for e in execs:
        if not e.install and e.step.run is not None and e.start >= 0 and _BUILD.search(e.step.run.value[e.start : e.end]):
            out.append(e)
    return out


def build_command(e: Exec) -> str | None:
    """The package build command ``e`` runs (``python -m build``, ``uv build``), else None."""
    if e.install or e.step.run is None or e.start < 0:
        return None
    text = " ".join(e.step.run.value[e.start : e.end].split())[:120]
    return text if _BUILD.search(text) else None


def as_said(e: Exec) -> Exec:
    """``e`` as a finding tells it: a package build names the backend it runs and where that
    comes from, not "runs code from the workspace"."""
    text = build_command(e)
    if text is None:
        return e
    if _NO_ISOLATION.search(text):
        return replace(e, what=f"`{text}` runs the build backend installed in the job's environment")
    return replace(
        e,
        what=f"`{text}` installs the build backend that pyproject.toml names (`build-system.requires`) from the"
        " package index and runs it",
    )


def cache_read(cache: CacheUse, facts: JobFacts) -> bool:
    """Does anything in the job read what ``cache`` restores? A package manager's download
    store (``read_by`` in actions.toml) is read only by installs, package builds and the
    commands that table names; anything else an action may do is assumed to read it."""
    info = step_info(cache.step)
    readers = info.cache.read_by if info is not None and info.cache is not None else ()
    if not readers:
        return True
    for e in facts.execs:
        if e.install or build_command(e) is not None or e.step.run is None or e.start < 0:
            return True
    pattern = re.compile("|".join(f"(?:{r})" for r in readers), re.MULTILINE)
    return any(step.run is not None and pattern.search(code_text(step)) for step in facts.steps)


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
    if repo is None or major is None or major < scripts_off_from():
        return None
    if _allowlist_cleared(e, job):
        return ()
    if repo.pnpm.open:
        return None
    return repo.pnpm.allowed


def _allowlist_cleared(e: Exec, job: Job) -> bool:
    """An earlier step of the job turns every build allowlist entry off (vitejs/vite@a98c8d95d552)."""
    pattern = clears_allowlist()
    for step in job_facts(job).steps:
        if step is e.step:
            return False
        if step.run is not None and pattern.search(step.run.value):
            return True
    return False


def root_hooks(e: Exec, job: Job) -> list[tuple[str, str]]:
    """The root package's own install hooks (``preinstall: npx only-allow pnpm``) that an install
    at the workspace root runs — the build allowlist covers dependencies only."""
    repo = job.workflow.repo
    if repo is None or not e.install or not e.workspace:
        return []
    if (e.step.working_directory or ".").strip().strip("/") not in ("", ".", "${{ github.workspace }}"):
        return []
    return [(h, repo.package_scripts[h]) for h in root_install_hooks() if repo.package_scripts.get(h, "").strip()]


def fetched_by_hooks(hooks: list[tuple[str, str]]) -> list[str]:
    """Packages the hooks that run before any dependency is installed fetch and run (``npx only-allow``)."""
    return list(dict.fromkeys(m.group(1) for h, body in hooks if h in fetch_hooks() for m in fetch_and_run().finditer(body)))


def root_hooks_text(hooks: list[tuple[str, str]]) -> str:
    """``the root package's own `preinstall` (`npx only-allow pnpm`: it downloads `only-allow` …)``."""
    parts = []
    for hook, body in hooks:
        shown = " ".join(body.split())
        shown = shown if len(shown) <= 60 else shown[:57] + "…"
        fetched = fetched_by_hooks([(hook, body)])
        how = (
            f": it downloads {', '.join(f'`{n}`' for n in fetched)} from the registry, at whatever version"
            " is current, and runs it"
            if fetched
            else ""
        )
        parts.append(f"`{hook}` (`{shown}`{how})")
    return "the root package's own " + " and ".join(parts)


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
