"""The two ends of a path: entries (jobs an outsider's code or text gets into) and
capabilities (what a job holds that publishes or leaks)."""

from __future__ import annotations

import functools

from shipwarden.ci.github.agents import has_shell, prompt_taint
from shipwarden.ci.github.facts import Tracer, job_facts
from shipwarden.ci.github.gates import approval, blocked, gates_for
from shipwarden.ci.github.injections import injections
from shipwarden.ci.github.knowledge import event_info
from shipwarden.ci.github.model import Job, Repository, Workflow
from shipwarden.core.findings import Hop, Location
from shipwarden.paths.graph import POWER_SCOPES, Capability, Entry


def trigger_hop(wf: Workflow, event: str) -> Hop:
    trigger = wf.triggers.get(event)
    loc = wf.file.location(trigger.key if trigger else wf.on_node, f"on: {event}")
    note = event_info(event).note or f"an outsider starts `{event}`"
    return Hop(loc, f"an outsider starts `{wf.path}` via `{event}`: {note}", 2)


def outsider_event(wf: Workflow, repo: Repository, privileged_only: bool = True) -> str | None:
    return _first_outsider(frozenset(repo.effective_events(wf)), privileged_only)


@functools.lru_cache(maxsize=256)
def _first_outsider(events: frozenset[str], privileged_only: bool) -> str | None:
    """The first (by name) of ``events`` an outsider starts (with privileges, or any)."""
    ranked = sorted(e for e in events if event_info(e).outsider and (event_info(e).privileged or not privileged_only))
    return ranked[0] if ranked else None


def find_entries(repo: Repository) -> list[Entry]:
    entries: list[Entry] = []
    for wf in repo.workflows:
        event = outsider_event(wf, repo)
        if event is None:
            continue
        tracer = Tracer(repo, repo.effective_events(wf))
        for job in wf.jobs:
            entry = _job_entry(wf, job, event, tracer)
            if entry is not None:
                if job.environment and not entry.gate:
                    # each run of the job waits there, including the outsider's
                    entry.gate = environment_gate(job.environment)
                entries.append(entry)
    return entries


def environment_gate(name: str) -> str:
    return f"deployment environment `{name}` (if it requires reviewers, each run waits for one)"


def _job_entry(wf: Workflow, job: Job, event: str, tracer: Tracer) -> Entry | None:
    facts = job_facts(job)
    start = trigger_hop(wf, event)
    # 1. PR code checked out and run
    checkout = facts.first_pr_checkout()
    if checkout is not None:
        execs = facts.pr_execs_after(checkout)
        if execs:
            gates = gates_for(job, checkout.step) + gates_for(job, execs[0].step)
            if not blocked(gates):
                held = approval(gates)
                return Entry(
                    job,
                    event,
                    [
                        start,
                        Hop(checkout.location(), f"job `{job.id}` checks out the pull request's code", 2),
                        Hop(execs[0].location(), f"the PR's code runs: {execs[0].what}", 2),
                    ],
                    {2},
                    gate=f"label/merge gate `{held.detail}`" if held else "",
                )
    # 2. outsider text becomes code (template injection into a shell or script)
    for injection in injections(job):
        gates = gates_for(job, injection.step)
        if blocked(gates):
            continue
        held = approval(gates)
        site = injection.sink.site
        return Entry(
            job,
            event,
            [start, Hop(site.location(), f"{injection.taint.describe} is expanded into a {injection.sink.kind}", 7)],
            {7},
            gate=f"gate `{held.detail}`" if held else "",
        )
    # 3. outsider text exported to the environment of later steps
    for write in facts.env_writes:
        if write.taint is not None and write.file in ("GITHUB_ENV", "GITHUB_PATH") and write.step.run is not None:
            if blocked(gates_for(job, write.step)):
                continue
            loc = write.step.file.value_location(write.step.run, write.start, write.end, write.file)
            return Entry(job, event, [start, Hop(loc, f"{write.taint.describe} is written to ${write.file}", 2)], {2})
    # 4. an agent with a shell reads outsider text
    for agent in facts.agents:
        if not has_shell(agent.tool_text):
            continue
        carries = prompt_taint(agent, job, tracer) is not None
        if not carries and not (agent.info and agent.info.reads_event_text):
            continue
        gates = gates_for(job, agent.step)
        if blocked(gates):
            continue
        gate = "the action's write-access check on the triggering user" if agent.actor_gate else ""
        return Entry(
            job,
            event,
            [start, Hop(agent.step.location("agent"), f"{agent.name} reads outsider text and has a shell (prompt injection)", 7)],
            {7},
            gate=gate,
            code=False,
        )
    return None


# --------------------------------------------------------------------------- capabilities


def holds_capability(job: Job) -> bool:
    """Whether :func:`capability` finds something in ``job`` (without wording it)."""
    facts = job_facts(job)
    if facts.id_token or facts.publishes:
        return True
    if any(s.upper() != "GITHUB_TOKEN" for s in facts.secrets):
        return True
    return any(s in POWER_SCOPES and s != "id-token" for s in facts.writes)


def capability(job: Job) -> Capability | None:
    if not holds_capability(job):
        return None
    facts = job_facts(job)
    parts: list[str] = []
    loc: Location | None = None
    row = 2
    if facts.id_token:
        perms = job.effective_permissions
        loc = (perms.location("id-token", "id-token: write") if perms else None) or job.location("id-token: write")
        inherited = f", granted by its caller in `{loc.path}`" if loc.path != job.workflow.path else ""
        parts.append(f"an OIDC token (any code in the job can mint a registry or cloud token{inherited})")
        row = 3
    publishes = list(facts.publishes)
    if publishes:
        registries = sorted({p.registry for p in publishes})
        parts.append("publish steps to " + ", ".join(registries))
        if loc is None:
            loc = publishes[0].location()
            row = 5
    secrets = sorted(s for s in facts.secrets if s.upper() != "GITHUB_TOKEN")
    if secrets:
        parts.append("secrets " + ", ".join(secrets[:4]) + ("…" if len(secrets) > 4 else ""))
        if loc is None:
            loc = job.location("secrets")
    writes = [s for s in facts.writes if s in POWER_SCOPES and s != "id-token"]
    if writes:
        parts.append("a GITHUB_TOKEN that can write " + ", ".join(writes))
        if loc is None:
            perms = job.effective_permissions
            label = f"{writes[0]}: write"
            loc = (perms.location(writes[0], label) if perms else None) or job.location(label)
    if not parts or loc is None:
        return None
    write_only = len(parts) == 1 and bool(writes)
    return Capability(job, Hop(loc, f"job `{job.id}` holds " + "; ".join(parts), row), "; ".join(parts), write_only=write_only)
