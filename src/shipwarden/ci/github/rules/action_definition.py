"""Checks of action definitions that no workflow of the repository reaches: the product of
an action repository (``action.yml`` at the root or anywhere outside ``.github/workflows``).

Such an action runs in its callers' jobs, with their tokens and secrets, on
their triggers; the repository cannot know them, so what the definition itself
does decides:

* ``action-input-injection`` — an input (or an outsider-controlled ``github``
  context) expanded with ``${{ }}`` into a ``run:`` script or inline script: a
  caller that passes a PR title or branch name hands its shell to whoever wrote it;
* ``unpinned-uses`` — a third-party action used inside without a commit SHA: a
  moved tag upstream reaches every caller (reviewdog/action-setup → tj-actions, 2025);
* ``artipacked`` — an ``actions/checkout`` inside that leaves the token in ``.git/config``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from shipwarden.ci.github.contexts import Control, classify
from shipwarden.ci.github.knowledge import step_info
from shipwarden.ci.github.model import Action, Repository, Step
from shipwarden.ci.github.rules import artipacked, unpinned_uses
from shipwarden.ci.github.rules.common import first_party
from shipwarden.ci.github.sites import flowing_paths, sites_in
from shipwarden.core.catalogue import RuleMeta
from shipwarden.core.findings import Confidence, Finding, Tier

META = RuleMeta(
    id="action-input-injection",
    row=7,
    tier=Tier.P1,
    confidence=Confidence.MEDIUM,
    title="Action input expanded into a script of a published action",
)

#: Input names that callers typically fill with text an outsider wrote.
TEXT_INPUT = re.compile(
    r"title|body|message|comment|branch|ref|head|label|text|description|author|email|commit|name|pr|issue|tag",
    re.IGNORECASE,
)


def _sinks(step: Step) -> list[tuple[str, str, int, int]]:
    """(field, inner expression, start, end) of each ``${{ }}`` in a script of the step."""
    out = [(s.field, s.inner, s.start, s.end) for s in sites_in(step.file, step.run, "run", step)]
    info = step_info(step)
    for name in info.script_inputs if info else ():
        out += [(s.field, s.inner, s.start, s.end) for s in sites_in(step.file, step.with_.get(name), f"with.{name}", step)]
    return out


def _injections(action: Action) -> Iterator[Finding]:
    for step in action.steps:
        for field_name, inner, start, end in _sinks(step):
            node = step.run if field_name == "run" else step.with_.get(field_name.removeprefix("with."))
            if node is None:
                continue
            for path in flowing_paths(inner):
                head, _, name = path.partition(".")
                outsider = classify(path) is Control.OUTSIDER
                if head.lower() != "inputs" and not outsider:
                    continue
                text_like = outsider or bool(TEXT_INPUT.search(name))
                what = f"the caller's input `{name}`" if head.lower() == "inputs" else f"`{path}`"
                tier = Tier.P1 if text_like else Tier.P2
                yield META.finding(
                    f"`${{{{ {inner.strip()} }}}}` expands {what} into the {step.shell if field_name == 'run' else field_name}"
                    f" script of the action `{action.path}`: every workflow that uses this action and passes"
                    " text an outsider wrote (a PR title, a branch name, an issue body) runs that text as code, with"
                    " the caller's token and secrets. Pass it through `env:` and quote the variable instead",
                    [step.file.value_location(node, start, end, "expanded into a script")],
                    tier=tier,
                    confidence=Confidence.HIGH if outsider else Confidence.MEDIUM,
                    key=f"{action.path}|{step.index}|{path}",
                    properties={"action": action.path, "source": path},
                )
                break


def _unpinned(action: Action, repo: Repository) -> Iterator[Finding]:
    for step in action.steps:
        uses = step.uses
        if uses is None or uses.kind != "repo" or uses.pinned:
            continue
        tier = Tier.P2 if first_party(uses) or repo.same_owner(uses) else Tier.P1
        ref = f"the {'tag' if uses.ref_kind == 'tag' else 'branch'} `{uses.ref}`" if uses.ref else "no ref at all"
        yield unpinned_uses.META.finding(
            f"`{uses.raw}` inside the published action `{action.path}` is pinned to {ref}: whoever can move it runs"
            " code in every caller's job, with the caller's token and secrets (reviewdog/action-setup@v1 reached"
            " tj-actions/changed-files' users this way, March 2025); pin it to a commit SHA",
            [step.location("unpinned inside a published action")],
            tier=tier,
            key=f"{action.path}|{uses.raw}",
            properties={"action": uses.action, "ref": uses.ref, "ref_kind": uses.ref_kind, "in": action.path},
        )


def _persisted(action: Action) -> Iterator[Finding]:
    for step in action.steps:
        info = step_info(step)
        if info is None or "checkout" not in info.does:
            continue
        persist = step.with_.get("persist-credentials")
        if persist is not None and persist.value.strip().lower() in ("false", "no", "0"):
            continue
        yield artipacked.META.finding(
            f"`actions/checkout` inside the published action `{action.path}` keeps the caller's token in"
            " `.git/config` (persist-credentials defaults to true); any later step of the caller's job, or an"
            " uploaded workspace, can read it. Set `persist-credentials: false`",
            [step.location("checkout keeps the token")],
            tier=Tier.P2,
            key=f"{action.path}|{step.index}|persist",
            properties={"in": action.path},
        )


def check_actions(repo: Repository) -> list[Finding]:
    """Findings of the action definitions no workflow of ``repo`` reaches."""
    out: list[Finding] = []
    for target in repo.published_actions:
        action = repo.actions.get(target)
        if action is None:
            continue
        out.extend(_injections(action))
        out.extend(_unpinned(action, repo))
        out.extend(_persisted(action))
    return out
