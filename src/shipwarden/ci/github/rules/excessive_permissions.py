"""excessive-permissions: the workflow token gets more than the jobs need.

Three shapes, from most to least certain:

* ``write-all`` anywhere;
* no ``permissions:`` at all for some job (the token takes the repository
  default, which may be read-and-write);
* a write scope a job plainly never uses: nothing in it can reach the token
  (only run steps that never mention it and actions known not to write with it).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from shipwarden.ci.github.facts import job_facts, privileged_outsider_events
from shipwarden.ci.github.knowledge import exposure_table
from shipwarden.ci.github.model import Job, Repository, Scalar, Step, Workflow
from shipwarden.ci.github.permissions import Permissions
from shipwarden.core.catalogue import RuleMeta, workflow_rule
from shipwarden.core.findings import Confidence, Finding, Location, Tier
from shipwarden.core.patterns import CaselessPattern

META = RuleMeta(
    id="excessive-permissions",
    row=2,
    tier=Tier.P2,
    confidence=Confidence.HIGH,
    title="Workflow token has more permissions than the jobs need",
)


#: Text in a script or value that reaches the token or the GitHub API (any case).
TOKEN_USE = CaselessPattern(
    r"\b(?:gh\b|hub\b|git\b[^\n]*\bpush\b)|github_token|gh_token|github_pat|github\.token|api\.github\.com"
    r"|actions_runtime_token|octokit"
)
#: git commands that may push or talk to the remote with a persisted credential
GIT_USE = re.compile(r"\bgit\b|\bnpm\s+version\b|\bsemantic-release\b|\bchangeset\b|\brelease-it\b")

#: Scopes this rule judges for "never used"; id-token belongs to row 3 rules.
JUDGED = (
    "actions", "checks", "contents", "deployments", "discussions", "issues", "packages", "pages",
    "pull-requests", "repository-projects", "security-events", "statuses",
)


def _on_key(wf: Workflow) -> Location:
    key = wf.root.key_node("on") or wf.root.key_node("true")
    if key is not None:
        return wf.file.location(key)
    return wf.file.location(wf.root.items[0][0] if wf.root.items else None)


def _mentions_token(node: Scalar | None) -> bool:
    return node is not None and TOKEN_USE.found(node.value)


def _step_uses_token(step: Step) -> str | None:
    """Why a step may use the token with write access (None: plainly not)."""
    for value in (*step.with_.values(), *step.env.values()):
        if _mentions_token(value):
            return "passes the token"
    if step.uses is not None:
        if step.uses.kind == "local":
            return None  # composite steps are expanded in place; others are judged by the caller
        if step.uses.kind == "docker":
            return f"runs `{step.uses.raw}`"
        if step.uses.action not in exposure_table().no_token_actions:
            return f"runs `{step.uses.raw}`, which may use `github.token`"
        return None
    if _mentions_token(step.run):
        return "its script uses the token or the GitHub CLI/API"
    return None


def _job_token_use(job: Job) -> str | None:
    """Why ``job`` may use its token's write scopes (None: plainly never)."""
    if job.uses is not None:
        return "calls a reusable workflow"
    for env in (job.env, job.workflow.env):
        if any(_mentions_token(v) for v in env.values()):
            return "puts the token in env for every step"
    facts = job_facts(job)
    repo = job.workflow.repo
    for step in facts.steps:
        if step.uses is not None and step.uses.kind == "local":
            action = repo.action_for(step.uses) if repo else None
            if action is None or action.using != "composite":
                return f"runs the local action `{step.uses.raw}`"
            continue
        why = _step_uses_token(step)
        if why:
            return why
    persisted = any(c.persist_credentials and not c.by_shell for c in facts.checkouts)
    if persisted:
        # the token sits in .git/config: a build or publish tool may push or call the API with it
        if facts.execs or facts.remote_execs:
            return "runs code after a checkout that keeps the token in .git/config"
        if any(step.run is not None and GIT_USE.search(step.run.value) for step in facts.steps):
            return "runs git after a checkout that keeps the token in .git/config"
    return None


def _write_all(wf: Workflow, outsider: tuple[str, ...]) -> Iterator[Finding]:
    tier = Tier.P1 if outsider else Tier.P2
    why = (
        f"; the workflow runs on `{'/'.join(outsider)}`, so an outsider starts runs that hold a token able to push"
        " code, move tags and publish packages"
        if outsider
        else ""
    )
    perms = wf.permissions
    if perms is not None and perms.kind == "write-all":
        inheriting = [job.id for job in wf.jobs if job.permissions is None]
        if inheriting:
            yield META.finding(
                f"`permissions: write-all` gives every scope write access to job{'s' if len(inheriting) > 1 else ''}"
                f" {', '.join(f'`{j}`' for j in inheriting)}{why}",
                [wf.file.location(perms.node)],
                tier=tier,
                key=f"{wf.path}|write-all",
                properties={"jobs": inheriting},
            )
    for job in wf.jobs:
        if job.permissions is not None and job.permissions.kind == "write-all":
            yield META.finding(
                f"job `{job.id}` sets `permissions: write-all`: every scope with write access{why}",
                [wf.file.location(job.permissions.node)],
                tier=tier,
                key=f"{wf.path}|{job.id}|write-all",
            )


def _missing(wf: Workflow) -> Iterator[Finding]:
    if wf.permissions is not None:
        return
    if set(wf.triggers) <= {"workflow_call"}:
        return  # a called workflow's token is capped by its caller, which is checked itself
    bare = [job.id for job in wf.jobs if job.permissions is None]
    if not bare:
        return
    shown = ", ".join(f"`{j}`" for j in bare[:6]) + ("…" if len(bare) > 6 else "")
    yield META.finding(
        f"no `permissions:` for the workflow nor for job{'s' if len(bare) > 1 else ''} {shown}: the token takes the"
        " repository's default, which is read-and-write in repositories created before February 2023 and in"
        " organisations that chose it; declare `permissions: {}` (or `contents: read`) at the top and grant"
        " writes per job",
        [_on_key(wf)],
        key=f"{wf.path}|no-permissions",
        properties={"jobs": bare},
    )


def _unused(wf: Workflow) -> Iterator[Finding]:
    # job-level grants
    for job in wf.jobs:
        perms = job.permissions
        if perms is None or perms.kind != "map" or job.uses is not None:
            continue
        writes = [s for s in perms.writes() if s in JUDGED]
        if writes and _job_token_use(job) is None:
            yield _unused_finding(wf, perms, writes, f"job `{job.id}`", f"{wf.path}|{job.id}|unused")
    # workflow-level grants, when no job that inherits them uses them
    perms = wf.permissions
    if perms is None or perms.kind != "map":
        return
    inheriting = [job for job in wf.jobs if job.permissions is None]
    if not inheriting:
        return
    unused = [s for s in perms.writes() if s in JUDGED]
    if unused and all(_job_token_use(j) is None for j in inheriting):
        who = ", ".join(f"`{j.id}`" for j in inheriting[:4]) + ("…" if len(inheriting) > 4 else "")
        yield _unused_finding(wf, perms, unused, f"the jobs that inherit it ({who})", f"{wf.path}|unused")


def _unused_finding(wf: Workflow, perms: Permissions, unused: list[str], who: str, key: str) -> Finding:
    node = perms.scope_nodes.get(unused[0])
    scopes = ", ".join(f"`{s}: write`" for s in unused)
    return META.finding(
        f"{scopes} granted but {who} never use{'s' if who.startswith('job') else ''} the token: no step calls the"
        " GitHub CLI or API, pushes, or runs an action that could; drop the grant or make it `read`",
        [wf.file.location(node if node is not None else perms.node)],
        confidence=Confidence.MEDIUM,
        key=key,
        properties={"scopes": unused},
    )


@workflow_rule(META)
def check(wf: Workflow, repo: Repository) -> Iterator[Finding]:
    outsider = privileged_outsider_events(wf)
    yield from _write_all(wf, outsider)
    yield from _missing(wf)
    yield from _unused(wf)
