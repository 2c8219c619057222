"""pwn-request: a privileged trigger checks out an outsider's code and runs it."""

from __future__ import annotations

from collections.abc import Iterator

from shipwarden.ci.github.gates import approval, blocked, gates_for, weak
from shipwarden.ci.github.knowledge import cache_token_table
from shipwarden.ci.github.model import Repository, Workflow
from shipwarden.ci.github.rules.common import environment_gate, job_holds_power, privileged_jobs
from shipwarden.ci.github.steps import cache_saves_refused
from shipwarden.core.catalogue import RuleMeta, workflow_rule
from shipwarden.core.findings import Confidence, Finding, Tier

META = RuleMeta(
    id="pwn-request",
    row=2,
    tier=Tier.P0,
    confidence=Confidence.HIGH,
    title="Privileged trigger runs code from an outsider's pull request",
)


@workflow_rule(META)
def check(wf: Workflow, repo: Repository) -> Iterator[Finding]:
    events, jobs = privileged_jobs(wf)
    for facts in jobs:
        job = facts.job
        checkout = facts.first_pr_checkout()
        if checkout is None:
            continue
        execs = facts.pr_execs_after(checkout)
        if not execs:
            continue  # PR code is only read, never run: not this rule's business
        first = execs[0]
        gates = gates_for(job, checkout.step) + gates_for(job, first.step)
        if blocked(gates):
            continue  # e.g. same-repository or member-only: forks never reach it
        power = job_holds_power(facts)
        tier = Tier.P0 if power else Tier.P1
        gate = approval(gates)
        note = ""
        if gate:
            tier = Tier.P1
            note = f"; a maintainer must first satisfy `{gate.detail}`, after which new pushes run unreviewed"
        tier, env_note = environment_gate(job, tier)
        note += env_note
        spoofable = weak(gates)
        if spoofable:
            note += f"; the condition `{spoofable.detail}` does not stop outsiders (they can make the bot act on their PR)"
        held = []
        if facts.id_token:
            held.append("an OIDC token")
        if facts.writes:
            held.append("write scopes " + ", ".join(facts.writes))
        elif job.effective_permissions is None:
            held.append("the default token (may be write)")
        secrets = sorted(s for s in facts.secrets if s.upper() != "GITHUB_TOKEN")
        if secrets:
            held.append("secrets " + ", ".join(secrets[:4]) + ("…" if len(secrets) > 4 else ""))
        read_only = not held and all(cache_saves_refused(job, e) for e in events)
        if held:
            holds = f"; the job holds {', '.join(held)}"
        elif read_only:
            # GitHub's read-only cache token for untrusted triggers (June 2026): nothing left to take
            tier = Tier.P2
            holds = (
                "; the job holds no secret or write token, and GitHub gives this trigger a read-only cache token"
                f" (since {cache_token_table()['read_only_since']}), so the code cannot poison the default branch's"
                " caches either (`cache-mode: write` would let it)"
            )
        else:
            holds = (
                "; even read-only, the code runs in the default branch's cache scope and can poison caches"
                " that release workflows restore"
            )
        message = (
            f"`{'/'.join(events)}` runs with the base repository's privileges, checks out the pull request's code"
            f" ({checkout.ref_text or 'gh pr checkout'}) and then {first.what}{holds}{note}"
        )
        locations = [checkout.location(), first.location()] + ([gate.location] if gate else [])
        yield META.finding(
            message,
            locations,
            tier=tier,
            confidence=checkout.confidence,
            key=f"{job.id}|{checkout.step.label}",
            properties={"events": list(events), "executes": [e.what for e in execs[:5]]},
        )
