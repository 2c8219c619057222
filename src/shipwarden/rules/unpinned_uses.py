"""unpinned-uses: actions and reusable workflows referenced by a movable tag or branch.

Also home of two helpers the other row-2 hygiene rules share:

* :func:`job_power` — what code running inside a job could steal (secrets other
  than ``GITHUB_TOKEN``, an OIDC grant, write scopes that reach a release);
* :func:`composite_reach` — steps of local composite actions are reported once
  per repository (by the first workflow that reaches them), with the strongest
  tier over every job that runs them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from shipwarden.findings import Confidence, Finding, Tier
from shipwarden.github.facts import JobFacts, job_facts
from shipwarden.github.model import Job, Repository, Step, Uses, Workflow
from shipwarden.rules.registry import RuleMeta, workflow_rule

META = RuleMeta(
    id="unpinned-uses",
    row=2,
    tier=Tier.P2,
    confidence=Confidence.HIGH,
    title="Action or reusable workflow not pinned to a full commit SHA",
)

#: Owners whose actions GitHub itself publishes (dependabot included); a moved tag there is a
#: compromise of GitHub, so they stay P2 even in powerful jobs.
FIRST_PARTY = ("actions", "github", "dependabot")

#: Write scopes that lead to a release or a credential: push code or tags,
#: publish packages, start or alter workflow runs, deploy. ``checks``,
#: ``statuses``, ``issues``, ``pull-requests`` and the like let a thief make
#: noise, not ship code, so they do not raise a tier on their own.
POWER_SCOPES = ("actions", "contents", "deployments", "packages", "pages")

#: Secrets of reporting and notification services (coverage upload, benchmark
#: dashboards, chat webhooks, browser farms). Losing one is a nuisance, not a
#: release or an account, so on their own they do not raise a tier.
LOW_VALUE_SECRETS = re.compile(
    r"CODECOV|CODACY|COVERALLS|CODSPEED|CODECLIMATE|CC_TEST_REPORTER|SONAR|DEEPSOURCE|SAUCE|BROWSERSTACK|LAMBDATEST"
    r"|SMOKESHOW|BUNDLEWATCH|RELATIVE_CI|PERCY|ARGOS|CYPRESS_RECORD|CURRENTS|SLACK|DISCORD|GITTER|MATRIX_|TEAMS_"
    r"|WEBHOOK|_URL$|_ID$|USERNAME|_USER$|_REGION$|_BUCKET$|_ORG$|_PROJECT$|_ARN$",
    re.IGNORECASE,
)


def first_party(uses: Uses) -> bool:
    return uses.kind == "repo" and uses.owner.lower() in FIRST_PARTY


# --------------------------------------------------------------------------- power


@dataclass(frozen=True, slots=True)
class Power:
    """What code running in a job can take. Empty means nothing worth stealing."""

    secrets: tuple[str, ...] = ()
    id_token: bool = False
    writes: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.secrets or self.id_token or self.writes)

    def merge(self, other: Power) -> Power:
        return Power(
            tuple(sorted(set(self.secrets) | set(other.secrets))),
            self.id_token or other.id_token,
            tuple(sorted(set(self.writes) | set(other.writes))),
        )

    def describe(self) -> str:
        held = []
        if self.secrets:
            shown = ", ".join(self.secrets[:4]) + ("…" if len(self.secrets) > 4 else "")
            held.append(f"secret{'s' if len(self.secrets) > 1 else ''} {shown}")
        if self.id_token:
            held.append("an OIDC grant (id-token: write)")
        if self.writes:
            held.append("write scope" + ("s " if len(self.writes) > 1 else " ") + ", ".join(self.writes))
        return ", ".join(held)


def job_power(facts: JobFacts) -> Power:
    """Secrets, an OIDC grant or release-relevant write scopes held by a job.

    Secrets of reporting services (:data:`LOW_VALUE_SECRETS`) and identifiers
    such as ``*_URL`` or ``*_USERNAME`` are left out. Unlike
    :func:`shipwarden.rules.common.job_holds_power`, a job without any
    ``permissions:`` does not count as powerful here: the repository default is
    read-only for every repository created since 2023, and a missing block is
    reported once per workflow by ``excessive-permissions`` rather than raising
    every hygiene finding in the file.
    """
    job = facts.job
    secrets = tuple(
        sorted(
            {
                s
                for s in facts.secrets
                if s.upper() != "GITHUB_TOKEN" and s != "*" and not LOW_VALUE_SECRETS.search(s)
            }
        )
    )
    if job.secrets_inherit is not None:
        secrets = ("(all, via secrets: inherit)", *secrets)
    perms = job.effective_permissions
    writes: tuple[str, ...] = ()
    if perms is not None:
        writes = tuple(s for s in perms.writes() if s in POWER_SCOPES)
    return Power(secrets, facts.id_token, writes)


# --------------------------------------------------------------------------- composite actions


@dataclass(slots=True)
class Reach:
    """Who runs one step of a local composite action."""

    owner: Workflow
    jobs: list[Job] = field(default_factory=list)

    def power(self) -> Power:
        total = Power()
        for job in self.jobs:
            total = total.merge(job_power(job_facts(job)))
        return total


_REACH: dict[int, tuple[Repository, dict[int, Reach]]] = {}


def composite_reach(repo: Repository | None) -> dict[int, Reach]:
    """``id(step.node)`` of every composite-action step → the workflow that reports it and its jobs."""
    if repo is None:
        return {}
    hit = _REACH.get(id(repo))
    if hit is not None and hit[0] is repo:
        return hit[1]
    table: dict[int, Reach] = {}
    for wf in repo.workflows:
        for job in wf.jobs:
            for step in job_facts(job).steps:
                if step.via is None:
                    continue
                reach = table.setdefault(id(step.node), Reach(wf))
                if job not in reach.jobs:
                    reach.jobs.append(job)
    if len(_REACH) > 1_000:
        _REACH.clear()
    _REACH[id(repo)] = (repo, table)
    return table


def job_steps(wf: Workflow) -> Iterator[tuple[Step, Job | None, Power]]:
    """Steps of ``wf`` to report: its own with their job's power, then composite steps it owns.

    For a composite step the job is ``None`` (it runs in several jobs) and the
    power is the union over every job in the repository that runs it.
    """
    for job in wf.jobs:
        power = job_power(job_facts(job))
        for step in job.steps:
            yield step, job, power
    reach = composite_reach(wf.repo)
    seen: set[int] = set()
    for job in wf.jobs:
        for step in job_facts(job).steps:
            if step.via is None or id(step.node) in seen:
                continue
            seen.add(id(step.node))
            r = reach.get(id(step.node))
            if r is None or r.owner is wf:
                yield step, None, (r.power() if r else job_power(job_facts(job)))


# --------------------------------------------------------------------------- rule


def _what(uses: Uses) -> str:
    if uses.ref_kind == "branch":
        return f"the branch `{uses.ref}`"
    if uses.ref_kind == "none":
        return "no ref at all"
    return f"the tag `{uses.ref}`"


@workflow_rule(META)
def check(wf: Workflow, repo: Repository) -> Iterator[Finding]:
    for step, _job, power in job_steps(wf):
        uses = step.uses
        if uses is None or uses.kind != "repo" or uses.pinned:
            continue
        tier = Tier.P1 if power and not first_party(uses) else Tier.P2
        why = f"; the job holds {power.describe()}, which the action's code can read" if tier is Tier.P1 else ""
        yield META.finding(
            f"`{uses.raw}` is pinned to {_what(uses)}, which its owner (or a thief of their account) can move{why}",
            [step.file.location(uses.node)],
            tier=tier,
            key=f"{step.file.path}|{uses.raw}",
            properties={"action": uses.action, "ref": uses.ref, "ref_kind": uses.ref_kind},
        )
    for job in wf.jobs:
        uses = job.uses
        if uses is None or uses.kind != "repo" or uses.pinned:
            continue
        passes = []
        if job.secrets_inherit is not None:
            passes.append("every secret of the repository (secrets: inherit)")
        elif job.secrets:
            passes.append("secrets " + ", ".join(sorted(job.secrets)))
        perms = job.effective_permissions
        writes = [s for s in perms.writes() if s in (*POWER_SCOPES, "id-token")] if perms else []
        if writes:
            passes.append("write scopes " + ", ".join(writes))
        tier = Tier.P1 if passes and not first_party(uses) else Tier.P2
        why = f"; the call hands it {' and '.join(passes)}" if tier is Tier.P1 else ""
        yield META.finding(
            f"reusable workflow `{uses.raw}` is pinned to {_what(uses)}: whoever can move it decides what"
            f" job `{job.id}` runs{why}",
            [wf.file.location(uses.node)],
            tier=tier,
            key=f"{wf.path}|{job.id}|{uses.raw}",
            properties={"workflow": uses.action, "ref": uses.ref, "ref_kind": uses.ref_kind},
        )
