"""Gates: ``if:`` conditions and permission checks that stand between an outsider and a step."""

from __future__ import annotations

import re
from functools import lru_cache

from shipwarden.ci.github import assume, conditions
from shipwarden.ci.github.facts import job_facts, privileged_outsider_events
from shipwarden.ci.github.model import Job, Scalar, Step
from shipwarden.ci.github.steps import script_text
from shipwarden.ci.sourcefile import SourceFile
from shipwarden.core.findings import Location
from shipwarden.core.patterns import LazyPattern
from shipwarden.core.structs import struct


@struct(frozen=True)
class GateHit:
    """An ``if:`` condition that must hold for a step to run, and what it means for outsiders."""

    kind: str  # a conditions.Gate kind: author_association, same_repo, label, user, actor, event_name, ...
    detail: str
    #: "block" (outsiders never pass), "approval" (a maintainer must act first) or
    #: "weak" (looks like a gate, but an outsider can satisfy it)
    effect: str
    location: Location


TRUSTED_ASSOCIATIONS = frozenset({"OWNER", "MEMBER", "COLLABORATOR"})


def _effect(gate: conditions.Gate, outsider_events: frozenset[str]) -> str:
    if gate.kind == "never":
        return "block"
    if gate.kind in ("label", "merged") and not gate.negated:
        return "approval"  # only triagers apply labels, however loosely the name is matched
    if gate.strength == "weak" and not gate.negated:
        return "weak"
    if gate.strength != "strong":
        return "none"
    if gate.kind == "same_repo" and not gate.negated:
        return "block"
    if gate.kind == "author_association":
        values = {v.upper() for v in gate.values}
        if not gate.negated and values and values <= TRUSTED_ASSOCIATIONS:
            return "block"
        if gate.negated and {"NONE", "FIRST_TIMER", "FIRST_TIME_CONTRIBUTOR", "CONTRIBUTOR"} <= values:
            return "block"
        return "none"
    if gate.kind == "user" and not gate.negated:
        return "block"
    if gate.kind == "event_name" and outsider_events:
        allowed = {v.lower() for v in gate.values}
        reach = outsider_events - allowed if gate.negated else outsider_events & allowed
        return "none" if reach else "block"
    return "none"


def gates_for(job: Job, step: Step | None = None) -> list[GateHit]:
    """Gates on the job and (optionally) the step and its composite callers, as the
    outsider meets them: each condition is specialised to every privileged outsider
    event (and to a fork), and a gate counts only if it holds for all of them."""
    nodes: list[tuple[SourceFile, Scalar]] = []
    # a job whose `needs` were skipped is skipped too, unless its condition says otherwise
    seen: set[str] = set()
    todo = [job]
    while todo:
        current_job = todo.pop()
        if current_job.id in seen:
            continue
        seen.add(current_job.id)
        if current_job.if_ is not None:
            nodes.append((current_job.workflow.file, current_job.if_))
            if _STATUS_FUNCS.search(current_job.if_.value):
                continue
        for need in current_job.needs:
            needed = current_job.workflow.job(need)
            if needed is not None:
                todo.append(needed)
    current = step
    while current is not None:
        if current.if_ is not None:
            nodes.append((current.file, current.if_))
        current = current.via
    outsider = frozenset(privileged_outsider_events(job.workflow))
    hits: list[GateHit] = list(_api_gates(job, step, nodes, seen))
    for file, node in nodes:
        per_event = [_node_hits(file, node, event, outsider) for event in sorted(outsider)] or [
            _node_hits(file, node, "", outsider)
        ]
        hits.extend(_weakest(per_event))
    return hits


_STATUS_FUNCS = LazyPattern(r"\b(always|failure|cancelled)\s*\(", re.IGNORECASE)

#: A script that asks GitHub for the actor's permission on the repository (the API form
#: of an ``author_association`` gate).
_PERMISSION_API = LazyPattern(
    r"getCollaboratorPermissionLevel|checkCollaborator\b|/collaborators/[^\s/'\"]+/permission"
    r"|\bauthor_association\b[^\n]*(?:OWNER|MEMBER|COLLABORATOR)|(?:OWNER|MEMBER|COLLABORATOR)[^\n]*\bauthor_association\b"
    r"|orgs\.checkMembershipForUser|/orgs/[^\s/'\"]+/members/",
)
#: ... and stops the job when the answer is no.
_FAILS = LazyPattern(r"core\.setFailed|process\.exit\(\s*[1-9]|\bexit\s+[1-9]|\bthrow\b")
_OUTPUT_REF = LazyPattern(r"\b(needs|steps)\.([A-Za-z0-9_-]+)\.outputs\.", re.IGNORECASE)


def permission_check(step: Step) -> bool:
    """Does the step ask GitHub for the actor's repository permission (or association)?"""
    text = script_text(step)
    return bool(text) and bool(_PERMISSION_API.search(text))


def _stops_on_no(step: Step) -> bool:
    text = script_text(step)
    coe = step.node.get("continue-on-error")
    return bool(_FAILS.search(text)) and not (isinstance(coe, Scalar) and coe.value.strip().lower() == "true")


def _api_hit(step: Step, how: str) -> GateHit:
    return GateHit("permission_api", how, "block", step.location(f"gate: {how}"))


def _api_gates(job: Job, step: Step | None, nodes: list[tuple[SourceFile, Scalar]], jobs: set[str]) -> list[GateHit]:
    """Permission checks written as API calls, which gate like an ``if:`` on the same fact:
    an earlier step of the job (or of a job it needs) that fails the run for an actor without
    write access, or an ``if:`` that reads the output of such a check."""
    wf = job.workflow
    if step is not None:
        facts = job_facts(job)
        for earlier in facts.steps:
            if earlier is step or earlier.node is step.node:
                break
            if permission_check(earlier) and _stops_on_no(earlier) and earlier.if_ is None:
                return [_api_hit(earlier, "an earlier step fails unless the actor has write access")]
    for job_id in sorted(jobs - {job.id}):
        needed = wf.job(job_id)
        if needed is None:
            continue
        for candidate in needed.steps:
            if permission_check(candidate) and _stops_on_no(candidate) and candidate.if_ is None:
                return [_api_hit(candidate, f"job `{job_id}` fails unless the actor has write access")]
    for _file, node in nodes:
        for kind, name in _OUTPUT_REF.findall(node.value):
            owner = wf.job(name) if kind.lower() == "needs" else job
            if owner is None:
                continue
            producers = owner.steps if kind.lower() == "needs" else [s for s in owner.steps if (s.id or "") == name]
            found = next((s for s in producers if permission_check(s)), None)
            if found is not None:
                return [_api_hit(found, f"`{node.value.strip()[:60]}` reads a permission check")]
    return []


def _node_hits(file: SourceFile, node: Scalar, event: str, outsider: frozenset[str]) -> list[GateHit]:
    text = (assume.for_outsider(node.value, event) or node.value) if event else node.value
    found: list[GateHit] = []
    for gate in _condition_gates(text):
        effect = _effect(gate, outsider)
        if effect != "none":
            detail = gate.detail.split(" — ")[0]
            found.append(GateHit(gate.kind, detail, effect, file.location(node, f"gate: {detail}")))
    return found


_RANK = {"block": 3, "approval": 2, "weak": 1}


def _weakest(per_event: list[list[GateHit]]) -> list[GateHit]:
    """The gate that holds for every event is the one with the weakest strongest effect."""
    if not per_event or not all(per_event):
        return []
    best = [max(hits, key=lambda h: _RANK[h.effect]) for hits in per_event]
    return [min(best, key=lambda h: _RANK[h.effect])]


def blocked(hits: list[GateHit]) -> GateHit | None:
    return next((h for h in hits if h.effect == "block"), None)


def weak(hits: list[GateHit]) -> GateHit | None:
    """A condition that looks like a gate but an outsider can satisfy (e.g. ``github.actor``)."""
    return next((h for h in hits if h.effect == "weak"), None)


def approval(hits: list[GateHit]) -> GateHit | None:
    return next((h for h in hits if h.effect == "approval"), None)


@lru_cache(maxsize=4096)
def _condition_gates(text: str) -> tuple[conditions.Gate, ...]:
    return tuple(conditions.gates(text))
