"""Paths as findings: one per root cause, and the tier they lend the rule findings on their hops."""

from __future__ import annotations

from shipwarden.ci.github.knowledge import event_info
from shipwarden.core.digest import sha256
from shipwarden.core.findings import Confidence, Finding, Tier
from shipwarden.paths.graph import Path
from shipwarden.paths.rule import META

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
    return "path-" + sha256(basis.encode()).hexdigest()[:12]


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
    if not paths:
        return list(findings)
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
    folded = {id(pf) for group, pf in zip(groups, path_findings, strict=True) if _fold(group[0], pf, findings)}
    return findings + [pf for pf in path_findings if id(pf) not in folded]


#: Ways in whose message already names what the job holds (the others get the path's targets).
NAMES_WHAT_THE_JOB_HOLDS = frozenset({"pwn-request", "agent-untrusted-input"})

#: Carriers whose path stays inside the entry job: the way in already names the
#: job's capabilities, so the path is told by the entry finding, not beside it.
FOLDED_CARRIERS = frozenset({"job"})


def _fold(path: Path, pf: Finding, findings: list[Finding]) -> bool:
    """Give a same-job path to the finding of its way in (one risk, one finding).

    The finding of an :data:`ENTRY_RULES` rule on the path whose locations meet
    the most hops takes the path's hops, flows and facts; the path finding is
    dropped (its id stays in ``properties.path_id``, so the ``paths`` of other
    findings still name it). Paths through a cache, artifact, dispatch or runner
    are a chain no single rule reports, and keep their own finding."""
    if path.kind not in FOLDED_CARRIERS:
        return False
    hops = {(h.location.path, h.location.line) for flow in (pf.hops, *pf.flows) for h in flow}
    doors = [f for f in findings if f.rule_id in ENTRY_RULES and pf.key in f.paths and not f.hops]
    if not doors:
        return False
    door = min(doors, key=lambda f: (-sum((loc.path, loc.line) in hops for loc in f.locations), f.sort_key()))
    door.hops, door.flows = pf.hops, pf.flows
    door.properties = {**door.properties, **pf.properties}
    if door.rule_id not in NAMES_WHAT_THE_JOB_HOLDS:
        held = "; ".join(dict.fromkeys(t["capability"] for t in pf.properties["targets"]))
        door.message += f"; the job holds {held}"
    return True
