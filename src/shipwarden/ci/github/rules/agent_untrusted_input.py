"""agent-untrusted-input: an AI agent that outsiders can start and feed text to."""

from __future__ import annotations

from collections.abc import Iterator

from shipwarden.ci.github.agents import has_shell, prompt_taint
from shipwarden.ci.github.facts import tracer_for
from shipwarden.ci.github.gates import approval, blocked, gates_for
from shipwarden.ci.github.model import Repository, Workflow
from shipwarden.ci.github.records import Agent, JobFacts
from shipwarden.ci.github.rules.common import environment_gate, privileged_jobs
from shipwarden.core.catalogue import RuleMeta, workflow_rule
from shipwarden.core.findings import Confidence, Finding, Tier

META = RuleMeta(
    id="agent-untrusted-input",
    row=7,
    tier=Tier.P0,
    confidence=Confidence.HIGH,
    title="AI agent reachable by outsiders with their text in its prompt",
)

#: Events whose text an agent action reads by itself in comment/tag mode.
EVENT_TEXT_EVENTS = frozenset(
    {"issue_comment", "issues", "pull_request_target", "pull_request_review", "pull_request_review_comment",
     "discussion", "discussion_comment"}
)


def _capabilities(agent: Agent, facts: JobFacts) -> list[str]:
    caps = []
    if has_shell(agent.tool_text):
        caps.append("shell/edit tools")
    if facts.writes:
        caps.append("a token with " + ", ".join(facts.writes) + " write")
    elif facts.job.effective_permissions is None:
        caps.append("the default token (may be write)")
    if facts.id_token:
        caps.append("an OIDC grant")
    secrets = sorted(s for s in facts.secrets if s.upper() != "GITHUB_TOKEN")
    if secrets:
        caps.append("secrets " + ", ".join(secrets[:3]))
    return caps


@workflow_rule(META)
def check(wf: Workflow, repo: Repository) -> Iterator[Finding]:
    # only outsiders starting privileged runs can steer an agent that holds anything
    privileged, jobs = privileged_jobs(wf)
    tracer = tracer_for(wf)
    for facts in jobs:
        job = facts.job
        for agent in facts.agents:
            taint, where = prompt_taint(agent, job, tracer) or (None, None)
            reads_itself = bool(agent.info and agent.info.reads_event_text and EVENT_TEXT_EVENTS & set(privileged))
            if taint is None and not reads_itself:
                continue
            gates = gates_for(job, agent.step)
            if blocked(gates):
                continue
            caps = _capabilities(agent, facts)
            tier = Tier.P0 if "shell/edit tools" in caps and len(caps) > 1 else Tier.P1
            notes = []
            if agent.actor_gate:
                tier = Tier.P1
                notes.append(
                    "the action only starts for users with write access, but it still reads text an outsider wrote"
                )
            if approval(gates):
                tier = Tier.P1
            if not caps:
                tier = Tier.P2
            tier, env_note = environment_gate(job, tier)
            if env_note:
                notes.append(env_note.removeprefix("; "))
            text = taint.describe if taint else f"the triggering {'/'.join(sorted(EVENT_TEXT_EVENTS & set(privileged)))} text"
            message = (
                f"{agent.name} runs on `{'/'.join(privileged)}` and reads {text}; a prompt injection there"
                f" steers an agent holding {', '.join(caps) or 'no special capability'}"
                + (f" ({'; '.join(notes)})" if notes else "")
            )
            locations = [agent.step.location("agent step")] + ([where] if where else [])
            yield META.finding(
                message,
                locations,
                tier=tier,
                confidence=taint.confidence if taint else Confidence.MEDIUM,
                key=f"{job.id}|{agent.step.label}",
                properties={"agent": agent.name, "capabilities": caps},
            )
