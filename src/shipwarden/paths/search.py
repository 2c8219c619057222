"""Attack-path search: from an outsider to a publish capability or a secret, across workflows.

The graph is small and built from :mod:`shipwarden.ci.github.facts`:

* **entries** — jobs where an outsider's code or text runs: a privileged
  trigger that checks out and runs PR code, template or ``GITHUB_ENV``
  injection, a prompt-injectable agent with a shell, a fork PR's own
  ``pull_request`` run (for artifacts and self-hosted runners);
* **carriers** — state that outlives the job: the Actions cache (default-branch
  scope is readable by every branch), artifacts consumed by ``workflow_run``
  jobs, self-hosted runner disks, and a write token that dispatches other
  workflows;
* **capabilities** — an OIDC grant, secrets in the job, write scopes that
  matter, publish steps.

Each (entry job, terminal job) pair yields at most one path, the shortest.
"""

from __future__ import annotations

from shipwarden.ci.github.facts import job_facts
from shipwarden.ci.github.knowledge import cache_token_table, event_info
from shipwarden.ci.github.model import Job, Repository, Step, Workflow
from shipwarden.ci.github.records import JobFacts
from shipwarden.ci.github.steps import cache_saves_refused
from shipwarden.core.findings import Finding, Hop
from shipwarden.paths.carriers import (
    artifact_consumers,
    artifact_use,
    cache_restore,
    dispatchable,
    fork_downloads,
    writer_hop,
)
from shipwarden.paths.ends import capability, environment_gate, find_entries, outsider_event, trigger_hop
from shipwarden.paths.graph import Entry, Path
from shipwarden.paths.report import link_findings


def find_paths(repo: Repository) -> list[Path]:
    paths: dict[tuple[int, int], Path] = {}

    def add(path: Path) -> None:
        ident = (id(path.entry.job), id(path.capability.job))
        current = paths.get(ident)
        if current is None or len(path.hops) < len(current.hops):
            paths[ident] = path

    entries = find_entries(repo)
    dispatched: set[int] = set()
    restorers: list[JobFacts] | None = None  # jobs that restore a cache, made when an entry needs them
    for entry in entries:
        # a. the capability sits in the entry job itself
        cap = capability(entry.job)
        if cap is not None:
            add(Path(entry, [], cap))
        if not entry.code:
            continue
        scope = event_info(entry.event).cache_scope
        # b. through the Actions cache (default-branch scope is restored by every branch); GitHub
        # refuses the saves of an untrusted trigger there unless `cache-mode:` grants them
        refused = read_only_gate(entry.job, entry.event) if scope == "default" else ""
        if scope == "default":
            if restorers is None:
                every = [job_facts(j) for wf in repo.workflows for j in wf.jobs]
                restorers = [f for f in every if any(c.restores for c in f.caches)]
            for restorer in restorers:
                if restorer.job is entry.job:
                    continue
                cap = capability(restorer.job)
                if cap is None:
                    continue
                restore = cache_restore(restorer)
                assert restore is not None
                writer = writer_hop(entry, restorer)
                if writer is None:
                    continue  # no key the entry can save is one this job restores
                carrier = [writer, Hop(restore[0], restore[1] + " — the poisoned entry", 2)]
                add(Path(entry, carrier, cap, kind="cache", via_gate=refused))
        # c. through a write token that dispatches other workflows
        for target in dispatchable(repo, entry.job):
            for job in target.jobs:
                cap = capability(job)
                if cap is None:
                    continue
                gate = environment_gate(job.environment) if job.environment else ""
                trigger = target.triggers.get("workflow_dispatch") or target.triggers.get("repository_dispatch")
                assert trigger is not None
                hop = Hop(
                    target.file.location(trigger.key, trigger.event),
                    f"the job's write token starts `{target.path}` ({trigger.event}) on a ref the attacker pushed",
                    5,
                )
                cap.gate = gate
                add(Path(entry, [hop], cap, kind="dispatch"))
                dispatched.add(id(entry.job))
    # d. a fork PR's own unprivileged run produces artifacts a privileged workflow_run job consumes
    downloads: list[tuple[Workflow, Job, Step]] | None = None
    for wf in repo.workflows:
        event = outsider_event(wf, repo, privileged_only=False)
        if event is None:
            continue
        if downloads is None:
            downloads = fork_downloads(repo)
        for consumer in artifact_consumers(wf, downloads):
            facts = job_facts(consumer)
            use = artifact_use(facts)
            cap = capability(consumer)
            if use is None or cap is None:
                continue
            uploads = [s for j in wf.jobs for s in job_facts(j).artifact_uploads]
            start = trigger_hop(wf, event)
            produce = (
                Hop(uploads[0].location("upload"), "the fork's code decides what this artifact contains", 2)
                if uploads
                else start
            )
            download = next(s for s in facts.artifact_downloads)
            entry = Entry(
                wf.jobs[0] if wf.jobs else consumer,
                event,
                [start, produce] if uploads else [start],
                {2},
                gate=event_info(event).approval,
            )
            carrier = [
                Hop(download.location("download"), f"`{consumer.workflow.path}` downloads it with secrets in reach", 2),
                Hop(use[0], use[1], 2),
            ]
            add(Path(entry, carrier, cap, kind="artifact"))
    # e. self-hosted runners shared with jobs an outsider's PR can reach
    for path in _runner_paths(repo):
        add(path)
    # a write token that only matters because it dispatches a publish is shown as that longer path
    for ident, path in list(paths.items()):
        if not path.carrier and id(path.entry.job) in dispatched and path.capability.write_only:
            del paths[ident]
    return sorted(paths.values(), key=lambda p: (p.hops[0].location.sort_key(), p.ident))


def read_only_gate(job: Job, event: str) -> str:
    """The precondition a cache save of ``job`` (run by ``event``) needs, "" when none: GitHub's
    read-only cache token for untrusted triggers in the default branch's scope (June 2026)."""
    if not cache_saves_refused(job, event):
        return ""
    since = cache_token_table()["read_only_since"]
    return (
        f"GitHub gives `{event}` runs a read-only cache token (since {since}), so the save is refused unless the"
        " workflow or job sets `cache-mode: write` (or the repository is on a GitHub Enterprise Server without"
        " that default)"
    )


def _runner_paths(repo: Repository) -> list[Path]:
    out: list[Path] = []
    shared: dict[frozenset[str], list[Job]] = {}
    for wf in repo.workflows:
        for job in wf.jobs:
            if job.self_hosted:
                shared.setdefault(frozenset(label.lower() for label in job.runs_on), []).append(job)
    for wf in repo.workflows:
        event = outsider_event(wf, repo, privileged_only=False)
        if event is None or event_info(event).privileged:
            continue  # privileged entries are handled above; this is fork code on a runner disk
        for job in wf.jobs:
            if not job.self_hosted:
                continue
            labels = frozenset(label.lower() for label in job.runs_on)
            for other in shared.get(labels, []):
                if other.workflow is wf:
                    continue
                cap = capability(other)
                if cap is None:
                    continue
                entry = Entry(
                    job,
                    event,
                    [
                        trigger_hop(wf, event),
                        Hop(job.location("self-hosted"), f"job `{job.id}` runs the fork's code on a self-hosted runner whose disk persists", 2),
                    ],
                    {2},
                    gate=event_info(event).approval,
                )
                carrier = [Hop(other.location("same runner"), f"job `{other.id}` later runs on a runner with the same labels", 2)]
                out.append(Path(entry, carrier, cap, kind="runner"))
    return out


def apply_paths(repo: Repository, findings: list[Finding]) -> list[Finding]:
    """Add path findings for ``repo`` and raise the tier of rule findings on them."""
    return link_findings(find_paths(repo), findings)
