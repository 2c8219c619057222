"""secrets-workflow-env: a secret placed in workflow-level ``env:``, so every step of every job gets it."""

from __future__ import annotations

from collections.abc import Iterator

from shipwarden.ci.github import expressions as ex
from shipwarden.ci.github.facts import privileged_outsider_events
from shipwarden.ci.github.model import Repository, Workflow
from shipwarden.ci.github.rules.common import first_party
from shipwarden.core.catalogue import RuleMeta, workflow_rule
from shipwarden.core.findings import Confidence, Finding, Tier

META = RuleMeta(
    id="secrets-workflow-env",
    row=2,
    tier=Tier.P2,
    confidence=Confidence.HIGH,
    title="Secret in workflow-level env",
)

#: The job's own token is handed to every step anyway (as ``github.token``);
#: putting it in env widens little, and flagging it drowns the real findings.
IGNORED = frozenset({"github_token"})


def _secrets(text: str) -> list[tuple[str, int, int]]:
    out = []
    for site in ex.find_expressions(text):
        if not site.terminated:
            continue
        try:
            refs = ex.context_refs(ex.parse_site(site))
        except ex.ExprSyntaxError:
            continue
        for ref in refs:
            # `${{ secrets.X != '' }}` only tells whether X is set: the value never reaches env
            if not ref.flows or ref.path[0] != "secrets" or len(ref.path) < 2:
                continue
            if ref.path[1] != "*" and ref.path[1] not in IGNORED:
                out.append((ref.path[1].upper(), site.start, site.end))
    return out


def _reach(wf: Workflow) -> str:
    """Who besides the workflow's own steps receives the env: third-party actions, other jobs."""
    actions = sorted(
        {
            step.uses.raw.split("@")[0]
            for job in wf.jobs
            for step in job.steps
            if step.uses is not None and step.uses.kind in ("repo", "docker") and not first_party(step.uses)
        }
    )
    parts = [f"{len(wf.jobs)} job{'s' if len(wf.jobs) != 1 else ''}"]
    if actions:
        shown = ", ".join(f"`{a}`" for a in actions[:3]) + ("…" if len(actions) > 3 else "")
        parts.append(f"third-party actions such as {shown}")
    return " and ".join(parts)


@workflow_rule(META)
def check(wf: Workflow, repo: Repository) -> Iterator[Finding]:
    if not wf.env:
        return
    outsider = privileged_outsider_events(wf)
    for name, node in wf.env.items():
        found = _secrets(node.value)
        if not found:
            continue
        secret, start, end = found[0]
        tier = Tier.P1 if outsider else Tier.P2
        extra = (
            f"; the workflow runs on `{'/'.join(outsider)}`, which an outsider can start, so any step an outsider"
            " can influence (an injection, a checked-out pull request) reads it from the environment"
            if outsider
            else "; move it to the env of the one step that needs it"
        )
        yield META.finding(
            f"workflow-level env `{name}` holds `secrets.{secret}`: it is in the environment of every step of"
            f" {_reach(wf)}{extra}",
            [wf.file.value_location(node, start, end)],
            tier=tier,
            key=f"{wf.path}|env.{name}",
            properties={"env": name, "secret": secret, "events": list(outsider)},
        )
