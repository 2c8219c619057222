"""gitlab-include-unpinned: configuration from outside the repository that can change under
the pipeline — ``include: remote`` without ``integrity``, ``include: project`` without a
ref or at a branch, components at ``~latest`` or a branch. Included files can define or
override any job, including the ones that hold secrets."""

from __future__ import annotations

import re
from collections.abc import Iterator

from shipwarden.ci.gitlab.model import Pipeline
from shipwarden.core.catalogue import RuleMeta, rule
from shipwarden.core.findings import Confidence, Finding, Repeats, Tier

META = RuleMeta(
    id="gitlab-include-unpinned",
    row=2,
    tier=Tier.P2,
    confidence=Confidence.HIGH,
    title="GitLab include from outside the repository not pinned",
)

_SHA = re.compile(r"^[0-9a-f]{40}$")
_VERSION = re.compile(r"^v?\d+\.\d+\.\d+([-+.][0-9A-Za-z.-]+)?$")


@rule(META)
def check(pipeline: Pipeline) -> Iterator[Finding]:
    seen: set[tuple[str, int]] = set()
    repeats = Repeats()  # the same component included twice (with other inputs) is two findings
    for inc in pipeline.includes:
        entry = (inc.file.path, inc.node.start)
        if entry in seen:
            continue  # one finding per include entry (a project entry may list several files)
        why = ""
        if inc.kind == "remote" and not inc.integrity:
            why = "is fetched from a URL on every pipeline with no `integrity:` hash"
        elif inc.kind == "project":
            if not inc.ref:
                why = "follows the other project's default branch (no `ref:`)"
            elif not _SHA.match(inc.ref) and not _VERSION.match(inc.ref) and "$" not in inc.ref:
                why = f"follows the ref `{inc.ref}`, which can move"
        elif inc.kind == "component":
            ref = inc.ref or ""
            if "$" in ref or ref.startswith("$"):
                continue
            if ref == "~latest":
                why = "takes whatever release is `~latest`"
            elif not _SHA.match(ref) and not re.match(r"^v?\d+(\.\d+){0,2}", ref):
                why = f"is taken at `{ref}`, a branch that can move"
        if not why:
            continue
        seen.add(entry)
        yield META.finding(
            f"include {inc.target} {why}; whoever controls it can change any job of this pipeline. "
            "Pin a commit SHA (project, component) or add `integrity:` (remote).",
            [inc.location("include")],
            key=repeats(f"{inc.kind}\x1f{inc.target}", scope=inc.file.path),
            previous_key=f"{inc.kind}\x1f{inc.target}",
            properties={"kind": inc.kind, "target": inc.target, "ref": inc.ref},
        )
