"""Helpers shared by workflow rules (no rule of its own here).

* :func:`privileged_jobs` — the jobs of a workflow an outsider can start with
  privileges, the loop of every rule about such runs;
* :func:`job_holds_power` / :func:`job_power` — what code running inside a job
  could steal;
* :func:`composite_reach` / :func:`job_steps` — steps of local composite
  actions are reported once per repository (by the first workflow that reaches
  them), with the strongest tier over every job that runs them;
* :func:`matrix_values` — the literal values a ``matrix.*`` reference takes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import field

from shipwarden.ci.github.facts import job_facts, privileged_outsider_events
from shipwarden.ci.github.knowledge import exposure_table
from shipwarden.ci.github.model import Job, Mapping, Node, Repository, Scalar, Sequence, Step, Workflow
from shipwarden.ci.github.records import JobFacts
from shipwarden.ci.github.uses import Uses
from shipwarden.core.findings import Repeats, Tier
from shipwarden.core.identity import per_object
from shipwarden.core.structs import struct

#: Secret names that denote long-lived registry credentials (row 5).
REGISTRY_TOKEN_HINTS = ("NPM", "NODE_AUTH", "PYPI", "TWINE", "CARGO", "CRATES", "RUBYGEMS", "GEM_HOST")


#: Write scopes that lead to a release or a credential: push code or tags,
#: publish packages, start or alter workflow runs, deploy. ``checks``,
#: ``statuses``, ``issues``, ``pull-requests`` and the like let a thief make
#: noise, not ship code, so they do not raise a tier on their own.
RELEASE_SCOPES = ("actions", "contents", "deployments", "packages", "pages")

#: :data:`RELEASE_SCOPES` plus the OIDC grant.
POWER_SCOPES = frozenset({*RELEASE_SCOPES, "id-token"})


def privileged_jobs(wf: Workflow) -> tuple[tuple[str, ...], list[JobFacts]]:
    """The events that let an outsider start ``wf`` with secrets or a write token, and the
    facts of its jobs — no jobs when there is no such event."""
    events = privileged_outsider_events(wf)
    return events, ([job_facts(job) for job in wf.jobs] if events else [])


def job_holds_power(facts: JobFacts) -> bool:
    """Secrets, an OIDC grant, or write scopes that ship: what makes code in a job worth stealing."""
    job = facts.job
    if facts.id_token or POWER_SCOPES & set(facts.writes):
        return True
    if job.effective_permissions is None:
        return True  # the repository default may grant write
    secrets = {s for s in facts.secrets if s.upper() != "GITHUB_TOKEN"}
    return bool(secrets)


def environment_gate(job: Job, tier: Tier) -> tuple[Tier, str]:
    """A P0 in a job bound to a deployment environment becomes P1, with the gate named.

    Whether the environment requires reviewers is a repository setting shipwarden
    cannot read; if it does, every run of the job — the outsider's included — waits
    for one.
    """
    if tier is not Tier.P0 or not job.environment:
        return tier, ""
    return Tier.P1, (
        f"; the job runs in deployment environment `{job.environment}`, so if that environment requires"
        " reviewers every run waits for one (if it does not, this is P0)"
    )


def worst(*tiers: Tier) -> Tier:
    return min(tiers, key=lambda t: t.rank)


def outsider_privileged(job: Job) -> tuple[str, ...]:
    return privileged_outsider_events(job.workflow)


def first_party(uses: Uses) -> bool:
    return uses.kind == "repo" and uses.owner.lower() in exposure_table().first_party_owners


# --------------------------------------------------------------------------- power


@struct(frozen=True)
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

    Secrets of reporting services (``low_value`` in ``github/data/exposure.toml``) and identifiers
    such as ``*_URL`` or ``*_USERNAME`` are left out. Unlike
    :func:`job_holds_power`, a job without any
    ``permissions:`` does not count as powerful here: the repository default is
    read-only for every repository created since 2023, and a missing block is
    reported once per workflow by ``excessive-permissions`` rather than raising
    every hygiene finding in the file.
    """
    return _power_of(facts)


def _job_power(facts: JobFacts) -> Power:
    job = facts.job
    secrets = tuple(
        sorted(
            {
                s
                for s in facts.secrets
                if s.upper() != "GITHUB_TOKEN" and s != "*" and not exposure_table().low_value_secret(s)
            }
        )
    )
    if job.secrets_inherit is not None:
        secrets = ("(all, via secrets: inherit)", *secrets)
    perms = job.effective_permissions
    writes: tuple[str, ...] = ()
    if perms is not None:
        writes = tuple(s for s in perms.writes() if s in RELEASE_SCOPES)
    return Power(secrets, facts.id_token, writes)


#: :func:`job_power` of each job's facts, computed once (several rules and every composite step ask)
_power_of = per_object(_job_power)


# --------------------------------------------------------------------------- composite actions


@struct
class Reach:
    """Who runs one step of a local composite action."""

    owner: Workflow
    jobs: list[Job] = field(default_factory=list)

    def power(self) -> Power:
        total = Power()
        for job in self.jobs:
            total = total.merge(job_power(job_facts(job)))
        return total


def composite_reach(repo: Repository | None) -> dict[int, Reach]:
    """``id(step.node)`` of every composite-action step → the workflow that reports it and its jobs."""
    return _reach_of(repo) if repo is not None else {}


def _composite_reach(repo: Repository) -> dict[int, Reach]:
    table: dict[int, Reach] = {}
    for wf in repo.workflows:
        for job in wf.jobs:
            for step in job_facts(job).steps:
                if step.via is None:
                    continue
                reach = table.setdefault(id(step.node), Reach(wf))
                if job not in reach.jobs:
                    reach.jobs.append(job)
    return table


_reach_of = per_object(_composite_reach, limit=1_000)


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


# --------------------------------------------------------------------------- matrix


def descend(node: Node | None, rest: list[str]) -> Node | None:
    for part in rest:
        if not isinstance(node, Mapping):
            return None
        node = node.get(part)
    return node


def literal_value(node: Node | None) -> str | list[str] | None:
    if isinstance(node, Scalar):
        return node.value
    if isinstance(node, Sequence):
        items = [i.value for i in node.items if isinstance(i, Scalar)]
        return items if len(items) == len(node.items) else None
    return None


def matrix_values(strategy: object, key: str) -> list[tuple[str | list[str], Node]]:
    """Literal values ``matrix.<key>`` takes (``key`` may be dotted), with their nodes.

    Reads ``strategy.matrix.<key>`` lists and ``include`` entries; a matrix
    built by an expression (``fromJSON(...)``) gives nothing.
    """
    if not isinstance(strategy, Mapping):
        return []
    matrix = strategy.get("matrix")
    if not isinstance(matrix, Mapping):
        return []
    parts = key.split(".")
    out: list[tuple[str | list[str], Node]] = []
    column = matrix.get(parts[0])
    if isinstance(column, Sequence):
        for item in column.items:
            node = descend(item, parts[1:]) if len(parts) > 1 else item
            value = literal_value(node)
            if value is not None and node is not None:
                out.append((value, node))
    include = matrix.get("include")
    if isinstance(include, Sequence):
        for entry in include.items:
            node = descend(entry, parts)
            value = literal_value(node)
            if value is not None and node is not None:
                out.append((value, node))
    return out


def use_key(step_file: str, job: str, raw: str, repeats: Repeats) -> str:
    """The key of one step's use of ``raw``: its file, its job (empty for a composite
    action's step) and the action@ref, with ``#2``, ``#3``, … for the later uses of the
    same action@ref in the same job (document order). Adding, moving or renaming other
    steps and jobs leaves it as it is; line numbers never enter it."""
    return repeats(f"{step_file}|{job}|{raw}")
