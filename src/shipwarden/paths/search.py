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

import hashlib
import re
from dataclasses import dataclass, field

from shipwarden.ci.github.facts import (
    JobFacts,
    Tracer,
    approval,
    blocked,
    cache_keys_meet,
    fork_artifacts,
    gates_for,
    job_facts,
)
from shipwarden.ci.github.knowledge import event_info, step_info
from shipwarden.ci.github.model import Job, Repository, Workflow
from shipwarden.core.catalogue import RuleMeta, declare
from shipwarden.core.findings import Confidence, Finding, Hop, Location, Tier

META = declare(
    RuleMeta(
        id="attack-path",
        row=2,
        tier=Tier.P0,
        confidence=Confidence.HIGH,
        title="Complete path from an outsider to a publish capability or a secret",
        command="scan",
    )
)

#: Write scopes that end a path on their own (they publish, push or dispatch).
POWER_SCOPES = ("contents", "actions", "packages", "id-token", "deployments")


@dataclass(slots=True)
class Entry:
    """Outsider control of a job: how it gets in, as hops."""

    job: Job
    event: str
    hops: list[Hop]
    rows: set[int]
    gate: str = ""  # a remaining precondition (label, agent write-access check, ...)
    code: bool = True  # arbitrary code runs (not only text steering an agent)


@dataclass(slots=True)
class Capability:
    job: Job
    hop: Hop
    summary: str
    gate: str = ""
    write_only: bool = False


@dataclass(slots=True)
class Path:
    entry: Entry
    carrier: list[Hop]
    capability: Capability
    rows: set[int] = field(default_factory=set)
    #: how the entry's control travels: "job" (the entry job itself), "cache",
    #: "dispatch", "artifact" or "runner" — with the entry, the root cause
    kind: str = "job"

    @property
    def hops(self) -> list[Hop]:
        return [*self.entry.hops, *self.carrier, self.capability.hop]

    @property
    def gate(self) -> str:
        return self.entry.gate or self.capability.gate

    @property
    def ident(self) -> str:
        """A stable id: the files and wording of the hops, not their line numbers (so a
        baselined path stays baselined when code moves) nor the branch it was read from."""
        basis = "|".join(f"{h.location.path}\x1f{h.description}" for h in self.hops)
        repo = self.entry.job.workflow.repo
        if repo is not None and repo.ref is not None:
            basis = basis.replace(f"{repo.ref}:", "")
        # a remote action's commit and lines move with its ref; the id stays
        basis = _REMOTE_AT.sub("", basis)
        return "path-" + hashlib.sha256(basis.encode()).hexdigest()[:12]


#: ``@<sha>[:line:col]`` of a location inside a remote action (``owner/repo/action.yml@sha``)
_REMOTE_AT = re.compile(r"@[0-9a-f]{40}(?::\d+){0,2}")


# --------------------------------------------------------------------------- entries


def _trigger_hop(wf: Workflow, event: str) -> Hop:
    trigger = wf.triggers.get(event)
    loc = wf.file.location(trigger.key if trigger else wf.on_node, f"on: {event}")
    note = event_info(event).note or f"an outsider starts `{event}`"
    return Hop(loc, f"an outsider starts `{wf.path}` via `{event}`: {note}", 2)


def _outsider_event(wf: Workflow, repo: Repository, privileged_only: bool = True) -> str | None:
    events = repo.effective_events(wf)
    ranked = sorted(e for e in events if event_info(e).outsider and (event_info(e).privileged or not privileged_only))
    return ranked[0] if ranked else None


def _entries(repo: Repository) -> list[Entry]:
    entries: list[Entry] = []
    for wf in repo.workflows:
        event = _outsider_event(wf, repo)
        if event is None:
            continue
        tracer = Tracer(repo, repo.effective_events(wf))
        for job in wf.jobs:
            entry = _job_entry(wf, job, event, tracer)
            if entry is not None:
                if job.environment and not entry.gate:
                    # each run of the job waits there, including the outsider's
                    entry.gate = _environment_gate(job.environment)
                entries.append(entry)
    return entries


def _environment_gate(name: str) -> str:
    return f"deployment environment `{name}` (if it requires reviewers, each run waits for one)"


def _job_entry(wf: Workflow, job: Job, event: str, tracer: Tracer) -> Entry | None:
    facts = job_facts(job)
    start = _trigger_hop(wf, event)
    # 1. PR code checked out and run
    checkout = facts.first_pr_checkout()
    if checkout is not None:
        execs = facts.pr_execs_after(checkout)
        if execs:
            gates = gates_for(job, checkout.step) + gates_for(job, execs[0].step)
            if not blocked(gates):
                held = approval(gates)
                return Entry(
                    job,
                    event,
                    [
                        start,
                        Hop(checkout.location(), f"job `{job.id}` checks out the pull request's code", 2),
                        Hop(execs[0].location(), f"the PR's code runs: {execs[0].what}", 2),
                    ],
                    {2},
                    gate=f"label/merge gate `{held.detail}`" if held else "",
                )
    # 2. outsider text becomes code (template injection into a shell or script)
    from shipwarden.ci.github.rules.template_injection import sinks  # rule module owns the sink list

    for step in facts.steps:
        for sink in sinks(step):
            taint = tracer.trace_inner(sink.site.inner, step, job)
            if taint is None:
                continue
            gates = gates_for(job, step)
            if blocked(gates):
                continue
            held = approval(gates)
            return Entry(
                job,
                event,
                [start, Hop(sink.site.location(), f"{taint.describe} is expanded into a {sink.kind}", 7)],
                {7},
                gate=f"gate `{held.detail}`" if held else "",
            )
    # 3. outsider text exported to the environment of later steps
    for write in facts.env_writes:
        if write.taint is not None and write.file in ("GITHUB_ENV", "GITHUB_PATH") and write.step.run is not None:
            if blocked(gates_for(job, write.step)):
                continue
            loc = write.step.file.value_location(write.step.run, write.start, write.end, write.file)
            return Entry(job, event, [start, Hop(loc, f"{write.taint.describe} is written to ${write.file}", 2)], {2})
    # 4. an agent with a shell reads outsider text
    from shipwarden.ci.github.rules.agent_untrusted_input import has_shell, prompt_taint

    for agent in facts.agents:
        if not has_shell(agent.tool_text):
            continue
        carries = prompt_taint(agent, job, tracer) is not None
        if not carries and not (agent.info and agent.info.reads_event_text):
            continue
        gates = gates_for(job, agent.step)
        if blocked(gates):
            continue
        gate = "the action's write-access check on the triggering user" if agent.actor_gate else ""
        return Entry(
            job,
            event,
            [start, Hop(agent.step.location("agent"), f"{agent.name} reads outsider text and has a shell (prompt injection)", 7)],
            {7},
            gate=gate,
            code=False,
        )
    return None


# --------------------------------------------------------------------------- capabilities


def _capability(job: Job) -> Capability | None:
    facts = job_facts(job)
    parts: list[str] = []
    loc: Location | None = None
    row = 2
    if facts.id_token:
        perms = job.effective_permissions
        loc = (perms.location("id-token", "id-token: write") if perms else None) or job.location("id-token: write")
        inherited = f", granted by its caller in `{loc.path}`" if loc.path != job.workflow.path else ""
        parts.append(f"an OIDC token (any code in the job can mint a registry or cloud token{inherited})")
        row = 3
    publishes = list(facts.publishes)
    if publishes:
        registries = sorted({p.registry for p in publishes})
        parts.append("publish steps to " + ", ".join(registries))
        if loc is None:
            loc = publishes[0].location()
            row = 5
    secrets = sorted(s for s in facts.secrets if s.upper() != "GITHUB_TOKEN")
    if secrets:
        parts.append("secrets " + ", ".join(secrets[:4]) + ("…" if len(secrets) > 4 else ""))
        if loc is None:
            loc = job.location("secrets")
    writes = [s for s in facts.writes if s in POWER_SCOPES and s != "id-token"]
    if writes:
        parts.append("a GITHUB_TOKEN that can write " + ", ".join(writes))
        if loc is None:
            perms = job.effective_permissions
            label = f"{writes[0]}: write"
            loc = (perms.location(writes[0], label) if perms else None) or job.location(label)
    if not parts or loc is None:
        return None
    write_only = len(parts) == 1 and bool(writes)
    return Capability(job, Hop(loc, f"job `{job.id}` holds " + "; ".join(parts), row), "; ".join(parts), write_only=write_only)


# --------------------------------------------------------------------------- carriers


def _cache_restore(facts: JobFacts) -> tuple[Location, str] | None:
    for cache in facts.caches:
        if cache.restores:
            keys = ", ".join(f"`{k}`" for k in (cache.key, *cache.restore_keys) if k)
            where = f"({cache.action}{': ' + keys if keys else ''}){cache.inside}"
            return cache.location(), f"job `{facts.job.id}` restores the cache {where}"
    return None


def _writer_hop(entry: Entry, restorer: JobFacts) -> Hop | None:
    """How the entry job's code reaches the restorer's cache key (None: it cannot).

    A key the entry's own cache step saves counts when it can meet a key the
    restorer looks up, on the runner OS each job runs on. Otherwise arbitrary code
    in the entry job can still save any key with the runner's cache token — unless
    the entry runs no code of its own (then there is no hop).
    """
    wanted = [c for c in restorer.caches if c.restores]
    entry_os, restorer_os = _job_os(entry.job), _job_os(restorer.job)
    for cache in job_facts(entry.job).caches:
        if cache.saves:
            saved = _resolve_os(cache.key, entry_os)
            for other in wanted:
                keys = tuple(_resolve_os(k, restorer_os) for k in (other.key, *other.restore_keys))
                if _keys_meet(saved, keys[0], keys[1:]):
                    return Hop(
                        cache.location(),
                        f"its post step saves the poisoned store as `{cache.key}` in the default branch's cache scope"
                        + cache.inside,
                        2,
                    )
    if not entry.code:
        return None
    return Hop(
        entry.hops[-1].location,
        "code running in the default branch's cache scope can save any cache key with the runner's cache token",
        2,
    )


_OS_EXPR = re.compile(r"\$\{\{\s*runner\.os\s*\}\}", re.IGNORECASE)


def _job_os(job: Job) -> str:
    """``runner.os`` of a job whose labels say it ("Linux", "Windows", "macOS"), else ""."""
    names = {label.lower() for label in job.runs_on}
    found = {
        os_name
        for os_name, hints in (("Linux", ("ubuntu",)), ("Windows", ("windows",)), ("macOS", ("macos",)))
        for label in names
        if label.startswith(hints)
    }
    return found.pop() if len(found) == 1 else ""


def _resolve_os(key: str, os_name: str) -> str:
    return _OS_EXPR.sub(os_name, key) if os_name else key


def _keys_meet(saved: str, key: str, restore_keys: tuple[str, ...]) -> bool:
    return cache_keys_meet(saved, key, restore_keys)


def _dispatchable(repo: Repository, job: Job) -> list[Workflow]:
    """Workflows a token with actions: write can start (workflow_dispatch / repository_dispatch)."""
    facts = job_facts(job)
    if "actions" not in facts.writes and "contents" not in facts.writes:
        return []
    out = []
    for wf in repo.workflows:
        if "workflow_dispatch" in wf.triggers and "actions" in facts.writes or "repository_dispatch" in wf.triggers and "contents" in facts.writes:
            out.append(wf)
    return out


def _names(wf: Workflow) -> set[str]:
    """How other workflows may refer to ``wf``: its ``name:``, file name and path."""
    return {n for n in (wf.name or "", wf.path.rsplit("/", 1)[-1], wf.path) if n}


def _artifact_consumers(repo: Repository, producer: Workflow) -> list[Job]:
    """Jobs that download artifacts a run of ``producer`` made: ``workflow_run``
    followers fetching the triggering run's artifacts, and any job whose downloader
    names ``producer`` and may take a fork's run."""
    consumers: list[Job] = []
    names = _names(producer)
    for wf in repo.workflows:
        trigger = wf.triggers.get("workflow_run")
        follows = trigger is not None and bool(names & set(trigger.filter("workflows")))
        for job in wf.jobs:
            for step in job_facts(job).artifact_downloads:
                if not fork_artifacts(step, wf):
                    continue
                info = step_info(step)
                named = step.with_.get(info.workflow_input) if info and info.workflow_input else None
                if (named is not None and named.value.strip() in names) or (named is None and follows):
                    consumers.append(job)
                    break
    return consumers


def _artifact_use(facts: JobFacts) -> tuple[Location, str] | None:
    order = {id(s): i for i, s in enumerate(facts.steps)}
    downloads = [order[id(s)] for s in facts.artifact_downloads]
    if not downloads:
        return None
    after = min(downloads)
    for write in facts.env_writes:
        if write.from_file and order.get(id(write.step), -1) > after and write.step.run is not None:
            loc = write.step.file.value_location(write.step.run, write.start, write.end, write.file)
            return loc, f"the artifact's content is exported to ${write.file} for every later step"
    for ex in facts.execs:
        if order.get(id(ex.step), -1) > after:
            return ex.location(), f"the artifact's content runs: {ex.what}"
    return None


# --------------------------------------------------------------------------- search


def find_paths(repo: Repository) -> list[Path]:
    paths: dict[tuple[int, int], Path] = {}

    def add(path: Path) -> None:
        ident = (id(path.entry.job), id(path.capability.job))
        current = paths.get(ident)
        if current is None or len(path.hops) < len(current.hops):
            paths[ident] = path

    entries = _entries(repo)
    dispatched: set[int] = set()
    restorers = [f for wf in repo.workflows for j in wf.jobs if (f := job_facts(j)) and _cache_restore(f)]
    for entry in entries:
        # a. the capability sits in the entry job itself
        cap = _capability(entry.job)
        if cap is not None:
            add(Path(entry, [], cap))
        if not entry.code:
            continue
        scope = event_info(entry.event).cache_scope
        # b. through the Actions cache (default-branch scope is restored by every branch)
        if scope == "default":
            for restorer in restorers:
                if restorer.job is entry.job:
                    continue
                cap = _capability(restorer.job)
                if cap is None:
                    continue
                restore = _cache_restore(restorer)
                assert restore is not None
                writer = _writer_hop(entry, restorer)
                if writer is None:
                    continue  # no key the entry can save is one this job restores
                carrier = [writer, Hop(restore[0], restore[1] + " — the poisoned entry", 2)]
                add(Path(entry, carrier, cap, kind="cache"))
        # c. through a write token that dispatches other workflows
        for target in _dispatchable(repo, entry.job):
            for job in target.jobs:
                cap = _capability(job)
                if cap is None:
                    continue
                gate = _environment_gate(job.environment) if job.environment else ""
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
    for wf in repo.workflows:
        event = _outsider_event(wf, repo, privileged_only=False)
        if event is None:
            continue
        for consumer in _artifact_consumers(repo, wf):
            facts = job_facts(consumer)
            use = _artifact_use(facts)
            cap = _capability(consumer)
            if use is None or cap is None:
                continue
            uploads = [s for j in wf.jobs for s in job_facts(j).artifact_uploads]
            start = _trigger_hop(wf, event)
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


def _runner_paths(repo: Repository) -> list[Path]:
    out: list[Path] = []
    shared: dict[frozenset[str], list[Job]] = {}
    for wf in repo.workflows:
        for job in wf.jobs:
            if job.self_hosted:
                shared.setdefault(frozenset(label.lower() for label in job.runs_on), []).append(job)
    for wf in repo.workflows:
        event = _outsider_event(wf, repo, privileged_only=False)
        if event is None or event_info(event).privileged:
            continue  # privileged entries are handled above; this is fork code on a runner disk
        for job in wf.jobs:
            if not job.self_hosted:
                continue
            labels = frozenset(label.lower() for label in job.runs_on)
            for other in shared.get(labels, []):
                if other.workflow is wf:
                    continue
                cap = _capability(other)
                if cap is None:
                    continue
                entry = Entry(
                    job,
                    event,
                    [
                        _trigger_hop(wf, event),
                        Hop(job.location("self-hosted"), f"job `{job.id}` runs the fork's code on a self-hosted runner whose disk persists", 2),
                    ],
                    {2},
                    gate=event_info(event).approval,
                )
                carrier = [Hop(other.location("same runner"), f"job `{other.id}` later runs on a runner with the same labels", 2)]
                out.append(Path(entry, carrier, cap, kind="runner"))
    return out


# --------------------------------------------------------------------------- findings


CARRIERS = {
    "job": "in the entry job itself",
    "cache": "through the Actions cache",
    "dispatch": "through workflows its write token starts",
    "artifact": "through an artifact",
    "runner": "through a shared self-hosted runner",
}


def _root(path: Path) -> tuple[int, str, str]:
    """The root cause of a path: its entry (job and event) and the kind of carrier."""
    return (id(path.entry.job), path.entry.event, path.kind)


def group_paths(paths: list[Path]) -> list[list[Path]]:
    """Paths by root cause, each group shortest first (then by target)."""
    groups: dict[tuple[int, str, str], list[Path]] = {}
    for path in paths:
        groups.setdefault(_root(path), []).append(path)
    out = [
        sorted(group, key=lambda p: (len(p.hops), p.capability.hop.location.sort_key(), p.ident))
        for group in groups.values()
    ]
    return sorted(out, key=lambda g: (g[0].hops[0].location.sort_key(), g[0].ident))


def _target(path: Path) -> str:
    cap = path.capability
    return f"`{cap.job.workflow.path}` (job `{cap.job.id}`: {cap.summary})"


def _finding(group: list[Path]) -> Finding:
    """One finding per root cause: every capability and target workflow it reaches."""
    path = group[0]
    rows = sorted({h.row for p in group for h in p.hops})
    ungated = [p for p in group if not p.gate]
    tier = Tier.P0 if ungated else Tier.P1
    cap = path.capability
    entry = path.entry
    if len(group) == 1:
        message = (
            f"an outsider reaches {cap.summary} in `{cap.job.workflow.path}` from `{entry.event}` in"
            f" `{entry.job.workflow.path}` in {len(path.hops)} steps"
        )
    else:
        workflows = list(dict.fromkeys(p.capability.job.workflow.path for p in group))
        shown = "; ".join(_target(p) for p in group[:4]) + (f"; and {len(group) - 4} more" if len(group) > 4 else "")
        message = (
            f"an outsider gets in through `{entry.event}` in `{entry.job.workflow.path}` (job `{entry.job.id}`) and,"
            f" {CARRIERS.get(path.kind, '')}, reaches {len(group)} jobs in {len(workflows)} workflow(s): {shown}"
        )
    gates = list(dict.fromkeys(p.gate for p in group if p.gate))
    if not ungated:
        message += f"; one gate remains: {gates[0]}"
    elif gates:
        message += f"; some targets sit behind a gate ({gates[0]}), others do not"
    ident = _group_ident(group)
    first = path.hops[0].location
    return META.finding(
        message,
        [first, *dict.fromkeys(p.capability.hop.location for p in group)][:12],
        tier=tier,
        confidence=Confidence.HIGH if entry.code else Confidence.MEDIUM,
        key=ident,
        hops=path.hops,
        flows=[p.hops for p in group[1:]],
        properties={
            "path_id": ident,
            "rows": rows,
            "gate": (gates[0] if not ungated else None),
            "carrier": path.kind,
            "targets": [
                {
                    "workflow": p.capability.job.workflow.path,
                    "job": p.capability.job.id,
                    "capability": p.capability.summary,
                    "path": p.ident,
                }
                for p in group
            ],
        },
    )


def _group_ident(group: list[Path]) -> str:
    """Stable id of a root cause: one path's id when alone (as before), else its entry hops and carrier."""
    if len(group) == 1:
        return group[0].ident
    first = group[0]
    basis = "|".join(f"{h.location.path}\x1f{h.description}" for h in first.entry.hops) + "|" + first.kind
    repo = first.entry.job.workflow.repo
    if repo is not None and repo.ref is not None:
        basis = basis.replace(f"{repo.ref}:", "")
    return "path-" + hashlib.sha256(basis.encode()).hexdigest()[:12]


#: Rules whose finding *is* a hop of a path (the hop's entry, carrier or capability).
#: Hygiene rules that merely share a line with a hop (an unpinned tag on the checkout
#: line) keep their own tier.
PATH_RULES = frozenset(
    {
        "pwn-request",
        "template-injection",
        "github-env",
        "artifact-poisoning",
        "agent-untrusted-input",
        "self-hosted-runner",
        "oidc-overscoped",
        "long-lived-publish-token",
        "publish-untrusted-trigger",
        "publish-without-environment",
        "excessive-permissions",
        "secrets-workflow-env",
        "cache-in-publish-job",
    }
)


#: Rules whose findings are ways in: another hit of one of them in a path's entry
#: job (a second injection of the same title, say) is the same door.
ENTRY_RULES = frozenset({"pwn-request", "template-injection", "github-env", "agent-untrusted-input"})


def link_findings(paths: list[Path], findings: list[Finding]) -> list[Finding]:
    """Add one finding per path; findings of :data:`PATH_RULES` at a hop (any of their
    locations), and findings of :data:`ENTRY_RULES` inside a path's entry job, take the
    path's tier when it is higher (a path never lowers a rule's own tier)."""
    groups = group_paths(paths)
    path_findings = [_finding(g) for g in groups]
    at: dict[tuple[str, int], list[Finding]] = {}
    entry_jobs: list[tuple[str, int, int, Finding]] = []
    for group, pf in zip(groups, path_findings, strict=True):
        for flow in (pf.hops, *pf.flows):
            for hop in flow:
                at.setdefault((hop.location.path, hop.location.line), []).append(pf)
        path = group[0]
        job = path.entry.job
        if event_info(path.entry.event).privileged:  # a fork's own run needs no injection to get in
            span = job.workflow.file.location(job.node, whole=True)
            entry_jobs.append((span.path, span.line, span.end_line, pf))
    for f in findings:
        if f.rule_id not in PATH_RULES:
            continue
        linked = [pf for loc in f.locations for pf in at.get((loc.path, loc.line), [])]
        if f.rule_id in ENTRY_RULES:
            p = f.primary
            linked += [pf for path, first, last, pf in entry_jobs if p.path == path and first <= p.line <= last]
        if not linked:
            continue
        f.paths = sorted({pf.key for pf in linked})
        linked = list({id(pf): pf for pf in linked}.values())
        best = min((pf.tier for pf in linked), key=lambda t: t.rank)
        if best.rank < f.tier.rank:
            f.rule_tier = f.tier
            f.tier = best
    return findings + path_findings
