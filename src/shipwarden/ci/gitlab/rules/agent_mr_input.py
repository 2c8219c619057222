"""gitlab-agent-mr-input: an AI agent CLI (``claude``, ``codex``, ``gemini``… as the shared
shell analysis knows them) runs in a merge request pipeline, where it reads the MR's diff,
description or files — text the MR's author wrote — while the job holds tokens."""

from __future__ import annotations

from collections.abc import Iterator

from shipwarden.ci.gitlab.facts import job_facts
from shipwarden.ci.gitlab.model import Pipeline
from shipwarden.ci.gitlab.reach import Tri
from shipwarden.ci.shell import EventKind
from shipwarden.core.catalogue import RuleMeta, rule
from shipwarden.core.findings import Confidence, Finding, Tier

META = RuleMeta(
    id="gitlab-agent-mr-input",
    row=7,
    tier=Tier.P1,
    confidence=Confidence.MEDIUM,
    title="GitLab AI agent reads merge request content while holding tokens",
)

#: options that let an agent CLI run any tool without asking
UNATTENDED = ("--dangerously-skip-permissions", "--yolo", "--dangerously-bypass-approvals-and-sandbox", "--full-auto")


@rule(META)
def check(pipeline: Pipeline) -> Iterator[Finding]:
    for job in pipeline.jobs:
        facts = job_facts(job)
        if facts.runs("mr") is not Tri.YES:
            continue
        for script in facts.scripts:
            for ev in script.facts.events_of(EventKind.AGENT_CLI):
                cmd = script.facts.commands[ev.command] if 0 <= ev.command < len(script.facts.commands) else None
                words = [w.value or "" for w in cmd.words] if cmd is not None else []
                unattended = [w for w in words if w in UNATTENDED]
                held = sorted({*facts.secrets, *facts.publish_tokens})
                if facts.id_tokens is not None:
                    held += [k.value for k, _ in facts.id_tokens.items]
                tier = Tier.P1 if held else Tier.P2
                manual = " (started by hand: `when: manual`)" if facts.reach["mr"].manual else ""
                tools = f", with {unattended[0]}" if unattended else ""
                holds = f" while the job holds {', '.join(held[:5])}" if held else ""
                yield META.finding(
                    f"job '{job.name}' runs {ev.tool} in merge request pipelines{manual}{tools}{holds}: the MR's "
                    "diff, description and files are instructions the agent may follow (prompt injection), and "
                    "anything it runs can read the job's variables. Give the agent no write tokens, restrict "
                    "its tools, and keep secrets out of MR pipelines (protected variables).",
                    [
                        job.pipeline.file_of(script.node, job.file).value_location(
                            script.node, ev.start, ev.start + len(ev.tool), "agent"
                        ),
                        job.location("job"),
                    ],
                    tier=tier,
                    key=f"{job.name}\x1f{ev.tool}",
                    properties={"job": job.name, "agent": ev.tool, "holds": held, "unattended": unattended},
                )
