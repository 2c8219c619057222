"""artifact-poisoning: a privileged job runs or exports an artifact another (untrusted) run produced."""

from __future__ import annotations

from collections.abc import Iterator

from shipwarden.ci.github.artifacts import destination, runs_download, said
from shipwarden.ci.github.facts import job_facts
from shipwarden.ci.github.knowledge import event_info, step_info
from shipwarden.ci.github.model import Repository, Step, Workflow
from shipwarden.ci.github.rules.common import job_holds_power
from shipwarden.ci.github.steps import fork_artifacts
from shipwarden.core.catalogue import RuleMeta, workflow_rule
from shipwarden.core.findings import Confidence, Finding, Location, Tier

META = RuleMeta(
    id="artifact-poisoning",
    row=2,
    tier=Tier.P0,
    confidence=Confidence.HIGH,
    title="Artifact from another run executed, sourced or exported in a privileged job",
)


def _foreign(step: Step, wf: Workflow) -> bool:
    """Does this download take artifacts of another run (not this run's own jobs)?"""
    return fork_artifacts(step, wf)


def _upstream_outsider(wf: Workflow, repo: Repository, download: Step) -> tuple[bool | None, list[str], str]:
    """Can an outsider start the workflows whose artifacts ``download`` takes (the one its
    downloader names, else those a ``workflow_run`` follows)? Also the approval GitHub
    itself requires first when that is the only way in ("" if none)."""
    info = step_info(download)
    named = download.with_.get(info.workflow_input) if info is not None and info.workflow_input else None
    if named is not None:
        names = {named.value.strip()}
    else:
        trigger = wf.triggers.get("workflow_run")
        if trigger is None:
            return None, [], ""
        names = set(trigger.filter("workflows"))
    matched = [w for w in repo.workflows if names & {w.name or "", w.path.rsplit("/", 1)[-1], w.path}]
    if not matched:
        return None, [], ""
    outsider = [w.path for w in matched if any(event_info(e).outsider for e in w.triggers)]
    events = [event_info(e) for w in matched for e in w.triggers if event_info(e).outsider]
    approvals = {e.approval for e in events}
    approval = approvals.pop() if len(approvals) == 1 else ""
    return bool(outsider), outsider, approval


@workflow_rule(META)
def check(wf: Workflow, repo: Repository) -> Iterator[Finding]:
    for job in wf.jobs:
        facts = job_facts(job)
        downloads = [s for s in facts.artifact_downloads if _foreign(s, wf)]
        if not downloads:
            continue
        download = downloads[0]
        upstream, upstream_paths, approval = _upstream_outsider(wf, repo, download)
        order = {id(s): i for i, s in enumerate(facts.steps)}
        after = order[id(download)]
        uses: list[tuple[Location, str]] = []
        for write in facts.env_writes:
            if write.from_file and order.get(id(write.step), -1) > after and write.file in ("GITHUB_ENV", "GITHUB_PATH"):
                assert write.step.run is not None
                loc = write.step.file.value_location(write.step.run, write.start, write.end, f"exports to {write.file}")
                uses.append((loc, f"exports its content to ${write.file}"))
        dest = destination(download)
        for ex in facts.execs:
            land = runs_download(ex, download, facts.steps) if order.get(id(ex.step), -1) > after else None
            if land is not None:
                uses.append((ex.location(), said(ex, land)))
        for pub in facts.publishes:
            # publishing what was downloaded ships the other run's build (a fork's npmDist)
            text = pub.step.run.value if pub.step.run is not None else " ".join(v.value for v in pub.step.with_.values())
            if order.get(id(pub.step), -1) > after and (dest is None or dest in text):
                uses.append((pub.location(), f"publishes it to {pub.registry} ({pub.tool})"))
        if not uses:
            continue
        if upstream is False:
            continue  # only trusted workflows produce these artifacts
        power = job_holds_power(facts)
        tier = Tier.P0 if (upstream and power and not approval) else Tier.P1
        confidence = Confidence.HIGH if upstream else Confidence.MEDIUM
        source = (
            f"artifacts of {', '.join(upstream_paths)}, which outsiders can trigger"
            if upstream
            else "artifacts of another run"
        )
        gate = f"; one gate remains: {approval}" if upstream and approval else ""
        yield META.finding(
            f"downloads {source} and then {uses[0][1]}: whoever controls that run controls this privileged job"
            f"{gate}",
            [download.location("downloads the artifact"), uses[0][0]],
            tier=tier,
            confidence=confidence,
            key=f"{job.id}|{download.label}",
            properties={"upstream": upstream_paths},
        )
