"""jenkins-pr-credentials: a script step runs build tools, installs or tests — code from the
checkout — while credentials are bound (``withCredentials``, ``credentials()``), with nothing
visible keeping it off pull request builds. A PR's ``pom.xml``, ``build.gradle``,
``package.json`` or ``Makefile`` then runs beside the secret."""

from __future__ import annotations

from collections.abc import Iterator

from shipwarden.ci.jenkins.model import Jenkinsfile
from shipwarden.ci.shell import EventKind, analyze
from shipwarden.core.catalogue import RuleMeta, rule
from shipwarden.core.findings import Confidence, Finding, Tier

META = RuleMeta(
    id="jenkins-pr-credentials",
    row=2,
    tier=Tier.P1,
    confidence=Confidence.MEDIUM,
    title="Jenkins runs the checkout's build with credentials bound on pull request builds",
)

_RUNS_CODE = (EventKind.EXECUTES_REPO_CODE, EventKind.INSTALL, EventKind.PUBLISH)
#: tools whose repository code does not run in the step's own environment (``docker build``
#: runs the Dockerfile in a container without the step's variables) or that the analysis
#: cannot place (a local script path: often the pipeline's own tooling)
_NOT_ON_HOST = frozenset({"docker", "path", "oci"})


def _body(text: str) -> str:
    for quote in ('"""', "'''", '"', "'"):
        if text.startswith(quote) and text.endswith(quote) and len(text) >= 2 * len(quote):
            return text[len(quote) : -len(quote)]
    return text


@rule(META)
def check(jf: Jenkinsfile) -> Iterator[Finding]:
    for step in jf.steps:
        if not step.credentials or step.guard or step.step not in ("sh", "bat"):
            continue
        facts = analyze(_body(step.text), "bash" if step.step == "sh" else "cmd")
        events = [
            e
            for e in facts.events
            if e.kind in _RUNS_CODE and e.tool not in _NOT_ON_HOST and (e.kind != EventKind.INSTALL or e.scripts)
        ]
        if not events:
            continue
        tools = sorted({e.tool for e in events})
        creds = sorted(step.credentials)
        if jf.builds_prs:
            tier = Tier.P1
            why = "this Jenkinsfile builds pull requests, and no `when`/`if` keeps this step off them"
        else:
            tier = Tier.P2
            why = "if this job builds pull requests (multibranch PR discovery), nothing here keeps this step off them"
        yield META.finding(
            f"`{step.step}` runs {', '.join(tools)} with {', '.join(creds[:4])} bound: {why}. A PR's build files "
            "run beside the secret. Bind credentials only in stages limited to protected branches or tags "
            "(`when { branch 'main' }`, `buildingTag()`).",
            [jf.source.span(step.start, min(step.end, step.start + 2), "step")],
            tier=tier,
            key=f"{','.join(tools)}\x1f{','.join(creds)}\x1f{step.text[:60]}",
            properties={"tools": tools, "credentials": creds, "builds_prs": jf.builds_prs},
        )
