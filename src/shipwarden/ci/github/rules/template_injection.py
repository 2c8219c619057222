"""template-injection: outsider text expanded into code by ``${{ }}`` before it runs."""

from __future__ import annotations

from collections.abc import Iterator

from shipwarden.ci.github.contexts import controlling_events
from shipwarden.ci.github.facts import job_facts, privileged_outsider_events
from shipwarden.ci.github.gates import approval, blocked, gates_for
from shipwarden.ci.github.injections import injections
from shipwarden.ci.github.model import Job, Repository, Workflow
from shipwarden.ci.github.rules.common import environment_gate, job_holds_power
from shipwarden.ci.keys import number_repeats
from shipwarden.core.catalogue import RuleMeta, workflow_rule
from shipwarden.core.findings import Confidence, Finding, Location, Tier

META = RuleMeta(
    id="template-injection",
    row=7,
    tier=Tier.P0,
    confidence=Confidence.HIGH,
    title="Outsider-controlled text expanded into a shell or script",
)


def _tier(job: Job, sources: tuple[str, ...], power: bool) -> tuple[Tier, str]:
    """P0/P1 when a privileged outsider event controls a source, else P2."""
    privileged = set(privileged_outsider_events(job.workflow))
    hit: set[str] = set()
    for source in sources:
        events = controlling_events(source) if "." in source and " " not in source else None
        hit |= privileged if events is None else (events & privileged)
    if not hit:
        return Tier.P2, ""
    return (Tier.P0 if power else Tier.P1), ", ".join(sorted(hit))


@workflow_rule(META)
def check(wf: Workflow, repo: Repository) -> Iterator[Finding]:
    best: dict[tuple[str, int, int], Finding] = {}
    for job in wf.jobs:
        power: bool | None = None  # judged at the job's first tainted sink
        for injection in injections(job):
            step, sink, taint = injection.step, injection.sink, injection.taint
            if power is None:
                power = job_holds_power(job_facts(job))
            tier, events = _tier(job, taint.sources, power)
            gates = gates_for(job, step)
            stop, needs = blocked(gates), approval(gates)
            gate_note = ""
            if tier is not Tier.P2 and stop:
                tier, gate_note = Tier.P2, f"; only runs when {stop.detail}"
            elif tier is Tier.P0 and needs:
                tier, gate_note = Tier.P1, f"; a maintainer must first satisfy: {needs.detail}"
            else:
                tier, gate_note = environment_gate(job, tier)
            where = f" under {events}" if events else ""
            loc = sink.site.location("expanded here")
            extra: list[Location] = []
            if step.via is not None:
                extra.append(step.via.location("called from here"))
            message = (
                f"`${{{{ {sink.site.inner.strip()} }}}}` puts {taint.describe} into a {sink.kind}{where}: "
                f"text such as `$(…)` or `\"; …` becomes code before it runs{gate_note}"
            )
            finding = META.finding(
                message,
                [loc, *extra],
                tier=tier,
                confidence=taint.confidence,
                key=f"{step.file.path}|{sink.site.inner.strip()}|{step.label}",
                properties={"sources": list(taint.sources), "via": list(taint.via), "sink": sink.kind},
            )
            ident = (step.file.path, sink.site.node.start, sink.site.start)
            prev = best.get(ident)
            if prev is None or tier.rank < prev.tier.rank:
                best[ident] = finding
    # in file order, so the first of two identical sites keeps its fingerprint
    number_repeats(best[ident] for ident in sorted(best))
    yield from best.values()
