"""workspace-local-action: a ``./`` action in a job that outsiders can start with privileges.

``uses: ./path`` loads the action from the workspace when the step runs, so any
earlier step that changes the workspace (a checkout of other code, an artifact
unpacked over it) decides what runs. ``uses: $/path`` loads it from the
workflow's own commit instead and cannot be replaced.
"""

from __future__ import annotations

from collections.abc import Iterator

from shipwarden.ci.github.model import Repository, Workflow
from shipwarden.ci.github.rules.common import privileged_jobs
from shipwarden.core.catalogue import RuleMeta, workflow_rule
from shipwarden.core.findings import Confidence, Finding, Tier

META = RuleMeta(
    id="workspace-local-action",
    row=2,
    tier=Tier.P2,
    confidence=Confidence.HIGH,
    title="Local action loaded from the workspace in a privileged job",
)


@workflow_rule(META)
def check(wf: Workflow, repo: Repository) -> Iterator[Finding]:
    events, jobs = privileged_jobs(wf)
    for facts in jobs:
        job = facts.job
        if facts.first_pr_checkout() is not None:
            continue  # a checkout of the PR's code: pwn-request reports what then runs
        for step in job.steps:
            uses = step.uses
            if uses is None or not uses.from_workspace or uses.subpath.startswith("../"):
                continue
            target = uses.subpath.removeprefix("./")
            yield META.finding(
                f"job `{job.id}` runs on `{'/'.join(events)}` and loads `{uses.raw}` from the workspace when the"
                f" step runs, so any earlier step that changes the workspace decides what this action is;"
                f" `uses: $/{target}` loads it from this workflow's own commit, which no checkout can replace",
                [step.location("local action from the workspace")],
                key=f"{wf.path}|{job.id}|{uses.raw}",
                properties={"action": uses.raw, "events": list(events)},
            )
            break  # one per job: the fix is the same for each
