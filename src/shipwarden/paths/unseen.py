"""Coverage notes: remote actions a privileged or outsider-reachable job calls, unread.

Without ``--fetch-actions`` a remote composite action is opaque: its cache
steps, installs and runs are in no rule and no attack path (TanStack's
poisoned pnpm store was saved and restored inside ``TanStack/config/.github/setup@main``).
A clean result for such a job is then not a clean bill, and the report says so
— once per workflow, as coverage, not as a finding. Actions the knowledge
tables describe are judged from the table and not listed.
"""

from __future__ import annotations

from shipwarden.ci.github.facts import job_facts
from shipwarden.ci.github.gates import blocked, gates_for
from shipwarden.ci.github.model import Repository
from shipwarden.ci.github.remote import wanted
from shipwarden.core.findings import Coverage
from shipwarden.paths.ends import holds_capability, outsider_event

SUBJECT = "step(s) calling a remote action not read"
RESOLVE = "shipwarden scan --fetch-actions (or paths --fetch-actions) reads them at their ref"
#: Actions named in one note's reason.
MAX_NAMED = 3


def unseen_actions(repo: Repository) -> list[Coverage]:
    """One :class:`Coverage` per workflow whose privileged or outsider-reachable jobs call
    remote actions that were not read (``unknown`` counts them)."""
    out: list[Coverage] = []
    for wf in repo.workflows:
        outsider = outsider_event(wf, repo) is not None
        total = 0
        unseen: dict[str, list[str]] = {}
        for job in wf.jobs:
            # the job's facts hold its steps with composite actions expanded (the rules need them too)
            remote = [s for s in job_facts(job).steps if wanted(s)]
            if not remote:
                continue
            reachable = outsider and not blocked(gates_for(job, remote[0]))
            why = "reachable by an outsider" if reachable else ("privileged" if holds_capability(job) else "")
            if not why:
                continue
            for step in remote:
                assert step.uses is not None
                total += 1
                if not repo.remote_actions or step.uses.remote_key not in repo.remote_actions:
                    unseen.setdefault(step.uses.raw, []).append(f"`{job.id}` ({why})")
        if not unseen:
            continue
        named = [f"`{raw}` called by job {', '.join(dict.fromkeys(jobs))}" for raw, jobs in sorted(unseen.items())]
        more = f" and {len(named) - MAX_NAMED} more" if len(named) > MAX_NAMED else ""
        reason = "; ".join(named[:MAX_NAMED]) + more
        count = sum(len(jobs) for jobs in unseen.values())
        out.append(Coverage(wf.path, SUBJECT, "steps", total, 0, count, reason=reason, resolve=RESOLVE))
    return out
