"""self-hosted-runner: a self-hosted runner that an outsider's pull request, issue or comment can reach."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

from shipwarden.ci.github import conditions
from shipwarden.ci.github import expressions as ex
from shipwarden.ci.github.facts import events_of, job_facts, tracer_for
from shipwarden.ci.github.knowledge import event_info, exposure_table
from shipwarden.ci.github.model import Job, Node, Repository, RunnerLabels, Workflow
from shipwarden.ci.github.rules.common import descend, literal_value, matrix_values
from shipwarden.core.catalogue import RuleMeta, workflow_rule
from shipwarden.core.findings import Confidence, Finding, Location, Tier
from shipwarden.core.structs import struct

META = RuleMeta(
    id="self-hosted-runner",
    row=2,
    tier=Tier.P1,
    confidence=Confidence.HIGH,
    title="Self-hosted runner reachable by outsiders",
)

#: Who can start a run, per outsider event (for messages).
STARTED_BY = {
    "pull_request_target": "anyone who opens a pull request",
    "issue_comment": "anyone who can comment",
    "issues": "anyone who can open an issue",
    "discussion": "anyone who can open a discussion",
    "discussion_comment": "anyone who can comment on a discussion",
    "workflow_run": "a fork's pull request run, once it finishes,",
    "gollum": "anyone who can edit the wiki",
    "watch": "anyone who stars the repository",
    "fork": "anyone who forks the repository",
}

#: Events whose run uses the workflow file and code of the pull request itself.
PR_CODE_EVENTS = ("pull_request", "pull_request_review", "pull_request_review_comment")

_MATRIX_REF = re.compile(r"\$\{\{\s*matrix\.([A-Za-z0-9_.-]+)\s*\}\}")
_INPUT_REF = re.compile(r"^\$\{\{\s*inputs\.([A-Za-z0-9_-]+)\s*\}\}$")


# --------------------------------------------------------------------------- matrix


# --------------------------------------------------------------------------- labels


@struct(frozen=True)
class RunnerChoice:
    """One runner a job may be sent to: its labels and how sure we are it is self-hosted."""

    labels: tuple[str, ...]
    confidence: Confidence | None  # None: GitHub-hosted / hosted service
    why: str
    node: Node | None
    #: a custom label (or group) nobody declared hosted or self-hosted: settled by configuration
    undeclared: str = ""


@functools.lru_cache(maxsize=1024)
def _hosted(label: str) -> bool:
    """A GitHub-hosted or hosted-service label (``hosted_labels`` in ``github/data/exposure.toml``);
    kept per label (every job of a repository names the same few)."""
    return exposure_table().hosted_label(label)


def _judge(labels: list[str], node: Node | None, source: str = "", declared: RunnerLabels | None = None) -> RunnerChoice:
    confidence, why, undeclared = _verdict(tuple(labels), source, declared)
    return RunnerChoice(tuple(labels), confidence, why, node, undeclared=undeclared)


@functools.lru_cache(maxsize=1024)
def _verdict(
    labels: tuple[str, ...], source: str, declared: RunnerLabels | None
) -> tuple[Confidence | None, str, str]:
    """How sure we are that ``labels`` pick a self-hosted runner, why, and the undeclared custom
    label (or group) that settles it; kept per label set (a repository's jobs repeat a few)."""
    low = [label.lower().strip() for label in labels if label.strip()]
    suffix = f" ({source})" if source else ""
    if "self-hosted" in low:
        shown = ", ".join(f"`{label}`" for label in labels)
        return Confidence.HIGH, f"labels {shown}{suffix}", ""
    settled = declared or RunnerLabels()
    mine = next((label for label in labels if settled.declared(label) == "self-hosted"), None)
    if mine is not None:
        return Confidence.HIGH, f"`{mine}`{suffix}, declared self-hosted in the configuration", ""
    groups = [label for label in labels if label.startswith("group:") and settled.declared(label) != "hosted"]
    if groups:
        return (
            Confidence.MEDIUM,
            f"runner group `{groups[0][6:]}`{suffix} (self-hosted unless the group holds only GitHub larger runners)",
            groups[0],
        )
    literal = [label for label in low if "${{" not in label and not label.startswith("group:")]
    if not literal or len(literal) != len([lo for lo in low if not lo.startswith("group:")]):
        return None, "", ""
    if all(_hosted(label) or settled.declared(label) == "hosted" for label in literal):
        return None, "", ""
    custom = next(
        label
        for label, lo in zip(labels, low, strict=False)
        if not _hosted(lo) and settled.declared(lo) != "hosted" and not lo.startswith("group:")
    )
    return (
        Confidence.MEDIUM,
        f"custom runner label `{custom}`{suffix} (not a GitHub-hosted image: a self-hosted pool or scale set)",
        custom,
    )


def _expression_literals(text: str) -> list[str]:
    """String literals an expression such as ``cond && 'self-hosted' || 'ubuntu-latest'`` can yield."""
    out: list[str] = []
    for site in ex.find_expressions(text):
        try:
            expr = ex.parse_site(site)
        except ex.ExprSyntaxError:
            continue
        todo: list[ex.Expr] = [expr]
        while todo:
            e = todo.pop()
            if isinstance(e, ex.Logical):
                todo.extend(e.operands)
            elif isinstance(e, ex.String):
                out.append(e.value)
    return out


def _input_values(wf: Workflow, name: str) -> list[tuple[str | list[str], Node]]:
    """Literal values a ``workflow_call`` input takes: its default and what local callers pass."""
    out: list[tuple[str | list[str], Node]] = []
    trigger = wf.triggers.get("workflow_call")
    if trigger is not None:
        default = descend(trigger.config, ["inputs", name, "default"])
        value = literal_value(default)
        if value is not None and default is not None:
            out.append((value, default))
    repo = wf.repo
    if repo is not None:
        for caller in repo.callers.get(wf.path, []):
            node = caller.with_.get(name)
            if node is not None and "${{" not in node.value:
                out.append((node.value, node))
    return out


def runner_choices(job: Job) -> list[RunnerChoice]:
    """Every runner ``runs-on`` may select, resolving matrix and input expressions when literal."""
    labels = job.runs_on
    node = job.runs_on_node
    if not labels:
        return []
    repo = job.workflow.repo
    declared = repo.runner_labels if repo is not None else None
    choices: list[RunnerChoice] = []
    if len(labels) == 1 and "${{" in labels[0]:
        text = labels[0].strip()
        refs = _MATRIX_REF.findall(text)
        if len(set(refs)) == 1:
            for value, vnode in matrix_values(job.strategy, refs[0]):
                if isinstance(value, list):
                    choices.append(_judge(value, vnode, "from the matrix", declared))
                else:
                    choices.append(_judge([_MATRIX_REF.sub(value, text)], vnode, "from the matrix", declared))
            return choices
        m = _INPUT_REF.match(text)
        if m:
            for value, vnode in _input_values(job.workflow, m.group(1)):
                value_list = value if isinstance(value, list) else [value]
                choices.append(_judge(value_list, vnode, f"input `{m.group(1)}`", declared))
            return choices
        for literal in _expression_literals(text):
            choice = _judge([literal], node, "chosen by an expression", declared)
            if choice.confidence is Confidence.HIGH:
                choices.append(RunnerChoice(choice.labels, Confidence.MEDIUM, choice.why, node))
        return choices
    return [_judge(labels, node, "", declared)]


# --------------------------------------------------------------------------- reach


def _job_gates(job: Job) -> list[conditions.Gate]:
    if job.if_ is None:
        return []
    return [g for g in conditions.gates(job.if_.value) if g.strength == "strong" or g.kind == "never"]


def _event_allowed(gates: list[conditions.Gate], event: str) -> bool:
    for gate in gates:
        if gate.kind == "never":
            return False
        if gate.kind == "event_name":
            values = {v.lower() for v in gate.values}
            if (event in values) == gate.negated:
                return False
    return True


def _outsider_gate(gates: list[conditions.Gate], event: str) -> tuple[str, str] | None:
    """(effect, detail) of a condition that keeps outsiders out: "block" or "approval"."""
    for gate in gates:
        detail = gate.detail.split(" — ")[0]
        if gate.kind == "same_repo" and not gate.negated:
            return "block", detail
        if gate.kind == "author_association" and not gate.negated:
            values = {v.upper() for v in gate.values}
            if values and values <= {"OWNER", "MEMBER", "COLLABORATOR"}:
                return "block", detail
        if gate.kind == "user" and not gate.negated:
            return "block", detail
        if gate.kind in ("label", "merged") and not gate.negated:
            return "approval", detail
    return None


def _outsider_text_in_shell(job: Job) -> str | None:
    """An outsider-controlled value pasted into a ``run:`` script of the job, if any."""
    tracer = tracer_for(job.workflow)
    for step in job_facts(job).steps:
        if step.run is None or "${{" not in step.run.value:
            continue
        for site in ex.find_expressions(step.run.value):
            if not site.terminated:
                continue
            taint = tracer.trace_inner(site.text, step, job)
            if taint is not None:
                return taint.describe
    return None


def _job_findings(wf: Workflow) -> Iterator[tuple[RunnerChoice, Finding]]:
    events = sorted(e for e in events_of(wf) if event_info(e).outsider)
    if not events:
        return
    for job in wf.jobs:
        if job.uses is not None:
            continue  # the called workflow's jobs are checked in their own file
        choices = [c for c in runner_choices(job) if c.confidence is not None]
        if not choices:
            continue
        choice = min(choices, key=lambda c: 0 if c.confidence is Confidence.HIGH else 1)
        gates = _job_gates(job)
        reach = [e for e in events if _event_allowed(gates, e)]
        if not reach:
            continue
        facts = job_facts(job)
        tier: Tier | None = None
        reasons: list[str] = []
        gate_note = ""
        gate_loc: Location | None = None
        pr_events = [e for e in reach if e in PR_CODE_EVENTS]
        other = [e for e in reach if e not in PR_CODE_EVENTS]
        if pr_events:
            found = _outsider_gate(gates, pr_events[0])
            tier = Tier.P1
            reasons.append(
                f"`{'/'.join(pr_events)}` runs a fork's code — and the fork's own copy of this workflow — on it"
            )
            if found is not None and job.if_ is not None:
                tier = Tier.P2
                gate_loc = wf.file.location(job.if_, f"gate: {found[1]}")
                holds = "keeps forks off" if found[0] == "block" else "needs a maintainer's action before"
                gate_note = (
                    f"; the condition `{found[1]}` {holds} this copy of the workflow, but a"
                    f" `{pr_events[0]}` run takes the workflow file from the pull request, so a fork can drop it"
                )
        if other:
            found = _outsider_gate(gates, other[0])
            if found is None or found[0] == "approval":
                checkout = facts.first_pr_checkout()
                text = _outsider_text_in_shell(job)
                strong = None
                if checkout is not None:
                    strong = f"checks out the pull request's code ({checkout.ref_text or 'gh pr checkout'})"
                elif text is not None:
                    strong = f"pastes outsider text ({text}) into a shell script"
                sub_tier = Tier.P1 if strong and found is None else Tier.P2
                who = " or ".join(dict.fromkeys(STARTED_BY.get(e, "an outsider") for e in other))
                what = f"`{'/'.join(other)}` lets {who} start it"
                if strong:
                    what += f", and the job {strong}"
                if found is not None:
                    what += f" once a maintainer satisfies `{found[1]}`"
                    if job.if_ is not None and gate_loc is None:
                        gate_loc = wf.file.location(job.if_, f"gate: {found[1]}")
                reasons.append(what)
                if tier is None or sub_tier.rank < tier.rank:
                    tier = sub_tier
        if tier is None:
            continue
        assert tier is not None
        if "discussion" in reach or "discussion_comment" in reach:
            reasons.append("a `discussion` workflow on a self-hosted runner is the backdoor Shai-Hulud 2.0 installed")
        locations = [wf.file.location(job.runs_on_node, "self-hosted runner")]
        if choice.node is not None and choice.node is not job.runs_on_node:
            locations.append(wf.file.location(choice.node, "runner chosen here"))
        if gate_loc is not None:
            locations.append(gate_loc)
        message = (
            f"job `{job.id}` runs on a self-hosted runner ({choice.why}); "
            + "; ".join(reasons)
            + gate_note
            + ". Code that runs there can persist on the machine and read what later jobs on it hold"
        )
        yield choice, META.finding(
            message,
            locations,
            tier=tier,
            confidence=choice.confidence,
            key=f"{wf.path}|{job.id}|self-hosted",
            properties={"events": reach, "labels": list(choice.labels)},
        )


SETTLE = (
    "declare each label in `[tool.shipwarden]` as `hosted-runner-labels` (GitHub-hosted larger runners:"
    " the finding goes away) or `self-hosted-runner-labels` (one finding per job, high confidence)"
)


@workflow_rule(META)
def check(wf: Workflow, repo: Repository) -> Iterator[Finding]:
    """Jobs on a `self-hosted` label, one by one; jobs on undeclared custom labels, once per
    repository (reported with the first workflow that has one)."""
    grouped: list[tuple[RunnerChoice, Finding]] = []
    for choice, finding in _job_findings(wf):
        if choice.undeclared:
            grouped.append((choice, finding))
        else:
            yield finding
    if not grouped:
        return
    for earlier in repo.workflows:
        if earlier is wf:
            break
        if any(choice.undeclared for choice, _ in _job_findings(earlier)):
            return  # already reported with that workflow
    for other in repo.workflows[repo.workflows.index(wf) + 1 :] if wf in repo.workflows else []:
        grouped.extend((c, f) for c, f in _job_findings(other) if c.undeclared)
    yield _undeclared_finding(grouped)


def _undeclared_finding(grouped: list[tuple[RunnerChoice, Finding]]) -> Finding:
    labels = sorted({c.undeclared.removeprefix("group:") for c, _ in grouped})
    tier = min((f.tier for _, f in grouped), key=lambda t: t.rank)
    worst = next(f for _, f in grouped if f.tier is tier)
    jobs = [f.locations[0] for _, f in grouped]
    shown = ", ".join(f"`{label}`" for label in labels[:8]) + (f" and {len(labels) - 8} more" if len(labels) > 8 else "")
    message = (
        f"{len(grouped)} job(s) reachable by outsiders run on custom runner label(s) {shown}, which may be"
        f" GitHub-hosted larger runners or a self-hosted pool; if self-hosted, the worst case is: {worst.message}."
        f" To settle it, {SETTLE}"
    )
    locations = [worst.locations[0], *(loc for loc in jobs if loc is not worst.locations[0])][:20]
    return META.finding(
        message,
        locations,
        tier=tier,
        confidence=Confidence.MEDIUM,
        key="self-hosted|undeclared|" + ",".join(labels),
        properties={"labels": labels, "jobs": len(grouped)},
    )
