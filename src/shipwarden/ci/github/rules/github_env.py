"""github-env: outsider text written to $GITHUB_ENV, $GITHUB_PATH or $GITHUB_OUTPUT."""

from __future__ import annotations

from collections.abc import Iterator

from shipwarden.ci.github.facts import job_facts, privileged_outsider_events
from shipwarden.ci.github.gates import blocked, gates_for
from shipwarden.ci.github.model import Repository, Workflow
from shipwarden.ci.github.rules.common import environment_gate, job_holds_power
from shipwarden.core.catalogue import RuleMeta, workflow_rule
from shipwarden.core.findings import Confidence, Finding, Tier

META = RuleMeta(
    id="github-env",
    row=2,
    tier=Tier.P0,
    confidence=Confidence.HIGH,
    title="Outsider-controlled data written to GITHUB_ENV, GITHUB_PATH or GITHUB_OUTPUT",
)

EFFECT = {
    "GITHUB_ENV": "sets environment variables for every later step (LD_PRELOAD, NODE_OPTIONS, BASH_ENV run code)",
    "GITHUB_PATH": "puts a directory first on PATH for every later step, so any command name can be replaced",
    "GITHUB_OUTPUT": "can add or overwrite step outputs with a newline, which later steps trust",
}


@workflow_rule(META)
def check(wf: Workflow, repo: Repository) -> Iterator[Finding]:
    privileged = privileged_outsider_events(wf)
    for job in wf.jobs:
        facts = job_facts(job)
        for write in facts.env_writes:
            if write.taint is None:
                continue
            step = write.step
            if blocked(gates_for(job, step)):
                continue
            if write.file == "GITHUB_OUTPUT":
                tier = Tier.P2
            elif privileged:
                tier = Tier.P0 if job_holds_power(facts) else Tier.P1
            else:
                tier = Tier.P2
            tier, env_note = environment_gate(job, tier)
            assert step.run is not None
            loc = step.file.value_location(step.run, write.start, write.end, f"writes {write.file}")
            yield META.finding(
                f"{write.taint.describe} is written to ${write.file}, which {EFFECT.get(write.file, 'later steps read')}"
                f"{env_note}",
                [loc],
                tier=tier,
                confidence=write.taint.confidence,
                key=f"{step.file.path}|{job.id}|{step.label}|{write.file}",
                properties={"file": write.file, "sources": list(write.taint.sources)},
            )
