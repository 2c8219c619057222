"""unpinned-uses: actions and reusable workflows referenced by a movable tag or branch."""

from __future__ import annotations

from collections.abc import Iterator

from shipwarden.ci.github.model import Repository, Workflow
from shipwarden.ci.github.rules.common import POWER_SCOPES, first_party, job_steps, use_key
from shipwarden.ci.github.uses import Uses
from shipwarden.core.catalogue import RuleMeta, workflow_rule
from shipwarden.core.findings import Confidence, Finding, Repeats, Tier

META = RuleMeta(
    id="unpinned-uses",
    row=2,
    tier=Tier.P2,
    confidence=Confidence.HIGH,
    title="Action or reusable workflow not pinned to a full commit SHA",
)

# --------------------------------------------------------------------------- rule


def _what(uses: Uses) -> str:
    if uses.ref_kind == "branch":
        return f"the branch `{uses.ref}`"
    if uses.ref_kind == "none":
        return "no ref at all"
    return f"the tag `{uses.ref}`"


@workflow_rule(META)
def check(wf: Workflow, repo: Repository) -> Iterator[Finding]:
    repeats = Repeats()
    for step, job, power in job_steps(wf):
        uses = step.uses
        if uses is None or uses.kind != "repo" or uses.pinned:
            continue
        own = repo.same_owner(uses)
        tier = Tier.P1 if power and not first_party(uses) and not own else Tier.P2
        why = f"; the job holds {power.describe()}, which the action's code can read" if tier is Tier.P1 else ""
        if own:
            why = f"; it is {'this repository' if own == 'repository' else 'an action of the same owner'}, so moving it takes write access you already guard"
        yield META.finding(
            f"`{uses.raw}` is pinned to {_what(uses)}, which its owner (or a thief of their account) can move{why}",
            [step.file.location(uses.node)],
            tier=tier,
            key=use_key(step.file.path, job.id if job is not None else "", uses.raw, repeats),
            # before 0.1.0's distinct fingerprints, every use of one action@ref in a file shared this key
            previous_key=f"{step.file.path}|{uses.raw}",
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
        writes = [s for s in perms.writes() if s in POWER_SCOPES] if perms else []
        if writes:
            passes.append("write scopes " + ", ".join(writes))
        own = repo.same_owner(uses)
        tier = Tier.P1 if passes and not first_party(uses) and not own else Tier.P2
        why = f"; the call hands it {' and '.join(passes)}" if tier is Tier.P1 else ""
        yield META.finding(
            f"reusable workflow `{uses.raw}` is pinned to {_what(uses)}: whoever can move it decides what"
            f" job `{job.id}` runs{why}",
            [wf.file.location(uses.node)],
            tier=tier,
            key=f"{wf.path}|{job.id}|{uses.raw}",
            properties={"workflow": uses.action, "ref": uses.ref, "ref_kind": uses.ref_kind},
        )
