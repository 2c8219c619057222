"""unpinned-uses: actions and reusable workflows referenced by a movable tag or branch.

A job's third-party actions that reach what it holds (P1) are reported once per job: one
finding listing them all (at the job, each use an extra location); a job with one such
action keeps the finding at that use. Every other use (P2) is reported where it is."""

from __future__ import annotations

from collections.abc import Iterator

from shipwarden.ci.github.model import Job, Repository, Step, Workflow
from shipwarden.ci.github.rules.common import POWER_SCOPES, Power, first_party, job_steps, use_key
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


def _grouped(job: Job, power: Power, uses: list[tuple[Step, str]]) -> Finding:
    """One P1 finding for a job's several third-party actions that can read what it holds.

    Its key names the job and the set of action@refs, so it changes when an action joins or
    leaves the set (a baseline or review of the job does not cover an action added later);
    the per-use fingerprints these uses had before are not carried over."""
    counts: dict[str, int] = {}
    what: dict[str, str] = {}
    for step, _ in uses:
        if step.uses is not None:
            counts[step.uses.raw] = counts.get(step.uses.raw, 0) + 1
            what[step.uses.raw] = _what(step.uses)
    shown = [f"`{raw}` ({what[raw]}{f', {n} uses' if n > 1 else ''})" for raw, n in counts.items()]
    listed = ", ".join(shown[:6]) + (f" and {len(shown) - 6} more" if len(shown) > 6 else "")
    raws = sorted(counts)
    which = f"each of its {len(counts)} third-party actions" if len(counts) > 1 else "its third-party action"
    return META.finding(
        f"job `{job.id}` holds {power.describe()}, which the code of {which} not pinned to a commit SHA"
        f" can read: {listed}; their owners (or thieves of their accounts) can move those refs",
        [job.location(f"job `{job.id}`")]
        + [step.file.location(step.uses.node, "not pinned to a commit SHA") for step, _ in uses if step.uses],
        tier=Tier.P1,
        key=f"{job.workflow.path}|{job.id}|{','.join(raws)}",
        properties={
            "actions": [step.uses.action for step, _ in uses if step.uses is not None],
            "refs": [step.uses.ref for step, _ in uses if step.uses is not None],
            "uses": len(uses),
        },
    )


@workflow_rule(META)
def check(wf: Workflow, repo: Repository) -> Iterator[Finding]:
    repeats = Repeats()
    # a job's P1 uses, reported together once the job's steps are all seen
    reaching: dict[int, tuple[Job, Power, list[tuple[Step, str]]]] = {}
    for step, job, power in job_steps(wf):
        uses = step.uses
        if uses is None or uses.kind != "repo" or uses.pinned:
            continue
        own = repo.same_owner(uses)
        tier = Tier.P1 if power and not first_party(uses) and not own else Tier.P2
        key = use_key(step.file.path, job.id if job is not None else "", uses.raw, repeats)
        if tier is Tier.P1 and job is not None:
            reaching.setdefault(id(job), (job, power, []))[2].append((step, key))
            continue
        why = f"; the job holds {power.describe()}, which the action's code can read" if tier is Tier.P1 else ""
        if own:
            why = f"; it is {'this repository' if own == 'repository' else 'an action of the same owner'}, so moving it takes write access you already guard"
        yield _single(step, tier, why, key)
    for job, power, steps in reaching.values():
        if len(steps) == 1:
            step, key = steps[0]
            yield _single(step, Tier.P1, f"; the job holds {power.describe()}, which the action's code can read", key)
        else:
            yield _grouped(job, power, steps)
    yield from _calls(wf, repo)


def _single(step: Step, tier: Tier, why: str, key: str) -> Finding:
    uses = step.uses
    assert uses is not None
    return META.finding(
        f"`{uses.raw}` is pinned to {_what(uses)}, which its owner (or a thief of their account) can move{why}",
        [step.file.location(uses.node)],
        tier=tier,
        key=key,
        # before 0.1.0's distinct fingerprints, every use of one action@ref in a file shared this key
        previous_key=f"{step.file.path}|{uses.raw}",
        properties={"action": uses.action, "ref": uses.ref, "ref_kind": uses.ref_kind},
    )


def _calls(wf: Workflow, repo: Repository) -> Iterator[Finding]:
    """Job-level calls of remote reusable workflows."""
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
