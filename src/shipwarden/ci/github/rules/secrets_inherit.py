"""secrets-inherit: a reusable-workflow call hands over every secret with ``secrets: inherit``."""

from __future__ import annotations

from collections.abc import Iterator

from shipwarden.ci.github.model import Mapping, Repository, Workflow
from shipwarden.ci.github.rules.common import first_party
from shipwarden.core.catalogue import RuleMeta, workflow_rule
from shipwarden.core.findings import Confidence, Finding, Tier

META = RuleMeta(
    id="secrets-inherit",
    row=2,
    tier=Tier.P2,
    confidence=Confidence.HIGH,
    title="Reusable workflow receives every secret (secrets: inherit)",
)


def _used_secrets(repo: Repository, path: str) -> list[str] | None:
    """Secrets a local called workflow declares under ``on.workflow_call.secrets`` (None if unknown)."""
    target = path.lstrip("./")
    for wf in repo.workflows:
        if wf.path == target:
            trigger = wf.triggers.get("workflow_call")
            config = trigger.config if trigger else None
            if isinstance(config, Mapping):
                declared = config.get("secrets")
                if isinstance(declared, Mapping):
                    return [k.value for k, _ in declared.items]
            return []
    return None


@workflow_rule(META)
def check(wf: Workflow, repo: Repository) -> Iterator[Finding]:
    for job in wf.jobs:
        if job.secrets_inherit is None or job.uses is None:
            continue
        uses = job.uses
        if uses.kind == "local":
            declared = _used_secrets(repo, uses.subpath)
            need = (
                f"; it declares {', '.join(f'`{d}`' for d in declared)} — pass just those"
                if declared
                else ""
            )
            yield META.finding(
                f"job `{job.id}` passes every repository and organisation secret to `{uses.raw}`"
                f" (secrets: inherit), whatever it needs{need}",
                [wf.file.location(job.secrets_inherit)],
                key=f"{wf.path}|{job.id}|inherit",
                properties={"workflow": uses.raw},
            )
            continue
        remote_unpinned = not uses.pinned and not first_party(uses)
        tier = Tier.P1 if remote_unpinned else Tier.P2
        if remote_unpinned:
            why = (
                f"; `{uses.raw}` lives in another repository and is not pinned to a commit, so whoever can move"
                f" `{uses.ref or 'its default branch'}` can add a step that sends every secret away"
            )
        else:
            why = "; name the secrets it needs instead"
        yield META.finding(
            f"job `{job.id}` passes every repository and organisation secret to the reusable workflow"
            f" `{uses.raw}` (secrets: inherit){why}",
            [wf.file.location(job.secrets_inherit)],
            tier=tier,
            key=f"{wf.path}|{job.id}|inherit",
            properties={"workflow": uses.raw, "pinned": uses.pinned},
        )
