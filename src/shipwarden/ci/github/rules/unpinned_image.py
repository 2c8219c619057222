"""unpinned-image: job containers, service containers and ``docker://`` steps without a digest."""

from __future__ import annotations

import re
from collections.abc import Iterator

from shipwarden.ci.github.model import Repository, Scalar, Workflow
from shipwarden.ci.github.rules.common import job_steps, matrix_values, use_key
from shipwarden.ci.github.uses import DIGEST_RE
from shipwarden.ci.sourcefile import SourceFile
from shipwarden.core.catalogue import RuleMeta, workflow_rule
from shipwarden.core.findings import Confidence, Finding, Location, Repeats, Tier

META = RuleMeta(
    id="unpinned-image",
    row=2,
    tier=Tier.P2,
    confidence=Confidence.HIGH,
    title="Container image not pinned to a digest",
)

_WHOLE_EXPR = re.compile(r"^\$\{\{\s*matrix\.([A-Za-z0-9_-]+)\s*\}\}$")


def _tag(image: str) -> str:
    """The tag of an image reference ('' when there is none)."""
    last = image.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else ""


def _problem(image: str) -> str | None:
    """What is wrong with the reference, as a phrase that follows the image name."""
    image = image.strip()
    if not image or DIGEST_RE.search(image) or "@sha256:" in image:
        return None
    tag = _tag(image)
    if not tag:
        return "names no tag, so it means `latest`: whatever was pushed last"
    if tag == "latest":
        return "follows `latest`: whatever was pushed last"
    return f"is pinned to the tag `{tag}`, which the image's publisher (or a thief of their account) can re-push"


def _images(file: SourceFile, node: Scalar, job_strategy: object) -> Iterator[tuple[str, Location]]:
    """Image names a scalar stands for, resolving a whole ``${{ matrix.x }}`` from literal matrix lists."""
    value = node.value.strip()
    if value in ("", "null", "~"):
        return
    if "${{" not in value:
        yield value, file.location(node)
        return
    m = _WHOLE_EXPR.match(value)
    if m is None:
        return  # computed at run time: nothing we can say
    for resolved, resolved_node in matrix_values(job_strategy, m.group(1)):
        if isinstance(resolved, str) and "${{" not in resolved:
            yield resolved, file.location(resolved_node)


@workflow_rule(META)
def check(wf: Workflow, repo: Repository) -> Iterator[Finding]:
    file = wf.file
    for job in wf.jobs:
        sources: list[tuple[str, Scalar]] = []
        if job.container is not None:
            sources.append(("job container", job.container))
        for name, node in job.services.items():
            sources.append((f"service `{name}`", node))
        for what, node in sources:
            seen: set[str] = set()
            for image, location in _images(file, node, job.strategy):
                problem = _problem(image)
                if problem is None or image in seen:
                    continue
                seen.add(image)
                runs = (
                    "every step of the job runs inside it, with the job's secrets and token"
                    if what == "job container"
                    else "it runs beside the job on the runner's network"
                )
                yield META.finding(
                    f"{what} of job `{job.id}`: `{image}` {problem}; {runs}",
                    [location],
                    key=f"{wf.path}|{job.id}|{what}|{image}",
                    properties={"image": image, "where": what},
                )
    repeats = Repeats()
    for step, owner, _power in job_steps(wf):
        uses = step.uses
        if uses is None or uses.kind != "docker" or uses.ref_kind == "digest":
            continue
        image = uses.raw[len("docker://") :]
        if "${{" in image:
            continue
        problem = _problem(image)
        if problem is None:
            continue
        yield META.finding(
            f"step `{step.label}` runs `{image}`, an image that {problem}; the container gets the workspace and"
            " the step's env",
            [step.file.location(uses.node)],
            key=use_key(step.file.path, owner.id if owner is not None else "", uses.raw, repeats),
            previous_key=f"{step.file.path}|{uses.raw}",  # one key per image and file before 0.1.0
            properties={"image": image, "where": "step"},
        )
