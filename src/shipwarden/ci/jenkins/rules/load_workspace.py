"""jenkins-load-workspace: ``load 'file.groovy'`` in a Jenkinsfile that builds pull requests.
``load`` evaluates a file from the workspace — the PR's checkout — as pipeline code, so a fork
PR's Groovy runs with the pipeline's bound credentials even though Jenkins took the
Jenkinsfile itself from the trusted target branch."""

from __future__ import annotations

from collections.abc import Iterator

from shipwarden.ci.jenkins.model import Jenkinsfile
from shipwarden.core.catalogue import RuleMeta, rule
from shipwarden.core.findings import Confidence, Finding, Tier

META = RuleMeta(
    id="jenkins-load-workspace",
    row=2,
    tier=Tier.P1,
    confidence=Confidence.MEDIUM,
    title="Jenkins loads pipeline code from the pull request's workspace",
)


@rule(META)
def check(jf: Jenkinsfile) -> Iterator[Finding]:
    for lib in jf.libraries:
        if lib.kind != "load":
            continue
        tier = Tier.P1 if jf.builds_prs else Tier.P2
        why = (
            "this Jenkinsfile builds pull requests"
            if jf.builds_prs
            else "if this job builds pull requests (multibranch PR discovery)"
        )
        yield META.finding(
            f"`load '{lib.target}'` evaluates a file of the checkout as pipeline code; {why}, so a fork's "
            "Groovy runs with the pipeline's credentials while Jenkins trusts only the target branch's "
            "Jenkinsfile. Move shared code into a pinned shared library, or `load` only on protected branches.",
            [jf.source.span(lib.start, lib.end, "load")],
            tier=tier,
            key=lib.target,
            properties={"file": lib.target, "builds_prs": jf.builds_prs},
        )
