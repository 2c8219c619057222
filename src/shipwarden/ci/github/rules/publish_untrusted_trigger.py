"""publish-untrusted-trigger: a registry publish reachable from events or refs other than a release.

A publish job should run only for release tags, the default branch or a manual
dispatch. This rule lists every other way into the job — outsider events,
pull requests, pushes to any branch, merge queues, repository dispatches,
callers of a reusable workflow — and drops those that an ``if:`` on the job, an
upstream job it needs, or the publish step excludes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from shipwarden.ci.github import conditions
from shipwarden.ci.github.conditions import Gate
from shipwarden.ci.github.knowledge import event_info
from shipwarden.ci.github.model import Job, Repository, Scalar, Step, Trigger, Workflow
from shipwarden.ci.github.publishing import PublishSite, callers, package_sites
from shipwarden.ci.sourcefile import SourceFile
from shipwarden.core.catalogue import RuleMeta, workflow_rule
from shipwarden.core.findings import Confidence, Finding, Location, Tier
from shipwarden.core.structs import struct

META = RuleMeta(
    id="publish-untrusted-trigger",
    row=5,
    tier=Tier.P1,
    confidence=Confidence.HIGH,
    title="Package publish reachable from untrusted events or refs",
)

#: Events that only start a run for a release, the default branch or a person with write access.
TRUSTED_EVENTS = frozenset({"release", "workflow_dispatch", "schedule"})
#: Pull-request events: the run's ref is ``refs/pull/<n>/merge``.
PR_EVENTS = frozenset({"pull_request", "pull_request_review", "pull_request_review_comment"})
#: Who can start an outsider event.
OUTSIDER_VERBS = {
    "pull_request_target": "anyone who opens a pull request",
    "issue_comment": "anyone who can comment on an issue or pull request",
    "issues": "anyone who can open an issue",
    "discussion": "anyone who can open a discussion",
    "discussion_comment": "anyone who can comment on a discussion",
    "workflow_run": "whoever starts the upstream workflow (a fork's pull request can)",
    "watch": "anyone who stars the repository",
    "fork": "anyone who forks the repository",
    "gollum": "anyone who can edit the wiki",
}
#: Gate kinds that keep outsiders out of an outsider-triggered job (the brief's list).
STOPPING = frozenset({"author_association", "user", "actor", "label", "merged", "same_repo"})
REF_PATHS = frozenset({("github", "ref"), ("github", "ref_name"), ("github", "ref_type"), ("github", "event", "ref")})
TRUSTED_ASSOCIATIONS = frozenset({"OWNER", "MEMBER", "COLLABORATOR"})
#: ``github.event.action`` values each event can carry (GitHub's activity types); events
#: listed with an empty set carry no action at all. Events not listed: unknown, never excluded.
#: (Knowledge that could live in data/triggers.toml as ``types = [...]``.)
ACTIVITY_TYPES: dict[str, frozenset[str]] = {
    "pull_request": frozenset({
        "assigned", "unassigned", "labeled", "unlabeled", "opened", "edited", "closed", "reopened", "synchronize",
        "converted_to_draft", "ready_for_review", "locked", "unlocked", "review_requested", "review_request_removed",
        "auto_merge_enabled", "auto_merge_disabled", "milestoned", "demilestoned", "enqueued", "dequeued",
    }),
    "pull_request_review": frozenset({"submitted", "edited", "dismissed"}),
    "pull_request_review_comment": frozenset({"created", "edited", "deleted"}),
    "issue_comment": frozenset({"created", "edited", "deleted"}),
    "issues": frozenset({
        "opened", "edited", "deleted", "transferred", "pinned", "unpinned", "closed", "reopened", "assigned",
        "unassigned", "labeled", "unlabeled", "locked", "unlocked", "milestoned", "demilestoned", "typed", "untyped",
    }),
    "discussion": frozenset({
        "created", "edited", "deleted", "transferred", "pinned", "unpinned", "labeled", "unlabeled", "locked",
        "unlocked", "category_changed", "answered", "unanswered",
    }),
    "discussion_comment": frozenset({"created", "edited", "deleted"}),
    "workflow_run": frozenset({"requested", "completed", "in_progress"}),
    "merge_group": frozenset({"checks_requested"}),
    "watch": frozenset({"started"}),
    "push": frozenset(), "create": frozenset(), "delete": frozenset(), "fork": frozenset(), "gollum": frozenset(),
}
ACTIVITY_TYPES["pull_request_target"] = ACTIVITY_TYPES["pull_request"]
BROAD = re.compile(r"^[*/!]*$|^refs/heads/\**$|^refs/\**$")
OVERRIDES_NEEDS = re.compile(r"\b(?:always|failure|cancelled)\s*\(", re.I)


@struct(frozen=True)
class Entry:
    """One way into a workflow: a trigger, in the workflow or in a caller of it."""

    trigger: Trigger
    file: SourceFile
    #: ``if:`` of the caller jobs of a reusable workflow, outermost last
    gates: tuple[tuple[SourceFile, Scalar], ...] = ()


@struct(frozen=True)
class Reach:
    event: str
    tier: Tier
    reason: str
    location: Location
    gate: Location | None = None


# --------------------------------------------------------------------------- entries


def _entries(wf: Workflow, repo: Repository) -> list[Entry]:
    out = [Entry(t, wf.file) for name, t in wf.triggers.items() if name != "workflow_call"]
    if "workflow_call" not in wf.triggers:
        return out
    seen = {wf.path}
    todo: list[tuple[Workflow, tuple[tuple[SourceFile, Scalar], ...]]] = [(wf, ())]
    while todo:
        current, gates = todo.pop()
        for job in callers(repo, current):
            caller = job.workflow
            here = gates + (((caller.file, job.if_),) if job.if_ is not None else ())
            for name, t in caller.triggers.items():
                if name != "workflow_call":
                    out.append(Entry(t, caller.file, here))
            if "workflow_call" in caller.triggers and caller.path not in seen:
                seen.add(caller.path)
                todo.append((caller, here))
    return out


# --------------------------------------------------------------------------- triggers


def _broad(patterns: list[str]) -> bool:
    return any(BROAD.match(p.strip()) for p in patterns if not p.strip().startswith("!"))


def _push_any_branch(trigger: Trigger) -> str | None:
    """Why a push trigger reaches arbitrary branches, or None when it is limited to named refs."""
    branches = trigger.filter("branches")
    if branches:
        return "`push` with a wildcard branch filter runs it for any pushed branch" if _broad(branches) else None
    if trigger.filter("branches-ignore"):
        return "`push` with only `branches-ignore` runs it for any other pushed branch"
    if trigger.filter("tags") or trigger.filter("tags-ignore"):
        return None  # tag pushes only
    return "`push` without a branch or tag filter runs it for every pushed branch"


def _upstream_trusted(trigger: Trigger, repo: Repository) -> bool:
    """A ``workflow_run`` whose upstream workflows all resolve and none can be started by an outsider."""
    names = set(trigger.filter("workflows"))
    if not names:
        return False
    matched = [w for w in repo.workflows if (w.name or "") in names or w.path.rsplit("/", 1)[-1] in names]
    if len({w.name or w.path for w in matched}) < len(names):
        return False
    return not any(event_info(e).outsider for w in matched for e in _events(w, repo))


def _events(wf: Workflow, repo: Repository) -> set[str]:
    return {entry.trigger.event for entry in _entries(wf, repo)} | ({"workflow_call"} if "workflow_call" in wf.triggers else set())


# --------------------------------------------------------------------------- gates


def _gate_nodes(job: Job, step: Step, entry: Entry) -> list[tuple[SourceFile, Scalar]]:
    nodes: list[tuple[SourceFile, Scalar]] = list(entry.gates)
    nodes.extend(_job_gates(job, set()))
    current: Step | None = step
    while current is not None:
        if current.if_ is not None:
            nodes.append((current.file, current.if_))
        current = current.via
    return nodes


def _job_gates(job: Job, seen: set[str]) -> list[tuple[SourceFile, Scalar]]:
    """The job's ``if:`` and, unless it runs after skipped jobs too, those of the jobs it needs."""
    if job.id in seen:
        return []
    seen.add(job.id)
    nodes = [(job.workflow.file, job.if_)] if job.if_ is not None else []
    if job.if_ is not None and OVERRIDES_NEEDS.search(job.if_.value):
        return nodes
    for need in job.needs:
        other = job.workflow.job(need)
        if other is not None:
            nodes.extend(_job_gates(other, seen))
    return nodes


def _ref_gate(gate: Gate) -> bool:
    return gate.kind == "ref" and gate.path in REF_PATHS and (gate.strength == "strong" or "substring" in gate.detail)


def _tags_only(gate: Gate) -> bool:
    values = [v.lower() for v in gate.values]
    if gate.path == ("github", "ref_type"):
        return values == ["branch"] if gate.negated else values == ["tag"]
    return not gate.negated and bool(values) and all(v.startswith("refs/tags") for v in values)


def _named_refs(gate: Gate) -> bool:
    """Limited to tags or to named refs (not a wildcard over every branch)."""
    if gate.negated:
        return _tags_only(gate)
    return bool(gate.values) and not any(BROAD.match(v) for v in gate.values)


def _excludes(gate: Gate, event: str, kind: str) -> bool:
    """Does this gate keep ``event`` (of reach kind ``kind``) out of the publish?"""
    if gate.kind == "never":
        return True
    if gate.kind == "event_name" and gate.strength == "strong":
        values = {v.lower() for v in gate.values}
        return event in values if gate.negated else event not in values
    if gate.kind == "event_action" and gate.strength == "strong" and event in ACTIVITY_TYPES:
        values = {v.lower() for v in gate.values}
        possible = ACTIVITY_TYPES[event]
        return bool(possible) and possible <= values if gate.negated else not (possible & values)
    if gate.kind == "merged" and not gate.negated and (kind == "pr" or event == "pull_request_target"):
        return True  # only once a maintainer merged it: the default branch's code from then on
    if not _ref_gate(gate):
        return False
    if kind == "pr":  # ref is refs/pull/<n>/merge, ref_name <n>/merge, event.ref unset
        return not gate.negated and not any("pull" in v or "merge" in v for v in gate.values)
    if kind == "merge_group":
        return not gate.negated and not any("gh-readonly-queue" in v for v in gate.values)
    if kind in ("push", "create"):
        return _named_refs(gate)
    return _tags_only(gate)  # runs on the default branch


def _stops(gate: Gate) -> bool:
    """A gate that keeps outsiders out (or makes a maintainer act first)."""
    if gate.kind not in STOPPING:
        return False
    if gate.kind == "author_association":
        values = {v.upper() for v in gate.values}
        if gate.negated:
            return {"NONE", "CONTRIBUTOR"} <= values or {"NONE", "FIRST_TIME_CONTRIBUTOR"} <= values
        return bool(values) and values <= TRUSTED_ASSOCIATIONS
    return not gate.negated


# --------------------------------------------------------------------------- reach


def _kind(event: str) -> str:
    if event in PR_EVENTS:
        return "pr"
    if event in ("push", "create", "merge_group"):
        return event
    return "default"


def _classify(entry: Entry, repo: Repository) -> tuple[Tier, str] | None:
    """The tier and reason of an untrusted entry, or None for a trusted one."""
    t = entry.trigger
    event = t.event
    if event in TRUSTED_EVENTS:
        return None
    if event == "push":
        why = _push_any_branch(t)
        return (Tier.P1, why) if why else None
    if event == "workflow_run" and _upstream_trusted(t, repo):
        if t.filter("branches") and not _broad(t.filter("branches")):
            return None
        return Tier.P1, "`workflow_run` follows runs of the upstream workflow on any branch"
    info = event_info(event)
    if info.outsider and info.privileged:
        who = OUTSIDER_VERBS.get(event, "an outsider")
        return Tier.P0, f"`{event}` lets {who} start it, with the repository's secrets"
    if event in PR_EVENTS:
        return Tier.P1, (
            f"`{event}` runs it for pull requests: a branch pushed to this repository gets the job's secrets and"
            " OIDC grant before anyone reviews it"
        )
    if event == "merge_group":
        return Tier.P1, "`merge_group` runs it on merge-queue refs, before the change reaches the default branch"
    if event == "repository_dispatch":
        return Tier.P1, "`repository_dispatch` lets any holder of a write-scoped token start it with a payload of their choice"
    if event == "create":
        return Tier.P1, "`create` runs it whenever any branch or tag is created"
    return Tier.P1, f"`{event}` is neither a release tag, the default branch nor a manual dispatch"


def _reach(job: Job, site: PublishSite, entries: list[Entry], repo: Repository) -> list[Reach]:
    out: list[Reach] = []
    for entry in entries:
        found = _classify(entry, repo)
        if found is None:
            continue
        tier, reason = found
        event = entry.trigger.event
        kind = _kind(event)
        gates: list[tuple[Gate, SourceFile, Scalar]] = []
        never = False
        for file, node in _gate_nodes(job, site.step, entry):
            if conditions.is_always_false(node.value):
                never = True
            for gate in conditions.gates(node.value, event):
                gates.append((gate, file, node))
        if never or any(_excludes(g, event, kind) for g, _f, _n in gates):
            continue
        gate_loc = None
        if tier is Tier.P0:
            upstream = [
                (g, f, n) for g, f, n in gates
                if event == "workflow_run" and g.kind == "upstream_event" and not g.negated
                and g.values and not any(event_info(v).outsider for v in g.values)
            ]
            stop = next(((g, f, n) for g, f, n in gates if _stops(g)), None) or (upstream[0] if upstream else None)
            if stop is not None:
                g, f, n = stop
                tier = Tier.P1
                reason += f", but `{g.detail.split(' — ')[0]}` must hold first"
                gate_loc = f.location(n, "gate")
            else:
                reason += ", and no `if:` keeps outsiders out"
        loc = entry.file.location(entry.trigger.key, f"reachable from `{event}`")
        out.append(Reach(event, tier, reason, loc, gate_loc))
    return out


# --------------------------------------------------------------------------- rule


@workflow_rule(META)
def check(wf: Workflow, repo: Repository) -> Iterator[Finding]:
    publishing = [(job, sites) for job in wf.jobs if (sites := package_sites(job))]
    if not publishing:
        return
    entries = _entries(wf, repo)
    if not entries:
        return
    for job, sites in publishing:
        reached: dict[str, Reach] = {}
        first: PublishSite | None = None
        for site in sites:
            for r in _reach(job, site, entries, repo):
                old = reached.get(r.event)
                if old is None or r.tier.rank < old.tier.rank:
                    reached[r.event] = r
                if first is None:
                    first = site
        if not reached or first is None:
            continue
        reaches = sorted(reached.values(), key=lambda r: (r.tier.rank, r.event))
        tier = reaches[0].tier
        registries = ", ".join(dict.fromkeys(s.name for s in sites))
        held = _held(sites)
        message = f"job `{job.id}` publishes to {registries}{held} and is reachable from untrusted events: " + "; ".join(
            r.reason for r in reaches
        )
        if all(s.test_index for s in sites):
            # a test index takes throwaway names: what an outsider wins there is no release
            tier = Tier.P2
            message += "; the target is a test index, so this is hardening rather than a release at risk"
        locations = [first.location] + [r.location for r in reaches] + [r.gate for r in reaches if r.gate is not None]
        yield META.finding(
            message,
            locations,
            tier=tier,
            confidence=Confidence.MEDIUM if first.inferred else Confidence.HIGH,
            key=f"{job.id}|{','.join(sorted(reached))}",
            properties={"events": sorted(reached), "job": job.id},
        )


def _held(sites: list[PublishSite]) -> str:
    secrets = list(dict.fromkeys(c.secret for s in sites for c in s.credentials))
    if secrets:
        return " with " + ", ".join(f"`{s}`" for s in secrets[:3])
    if sites[0].job.permission("id-token") == "write":
        return " with its OIDC grant"
    return ""
