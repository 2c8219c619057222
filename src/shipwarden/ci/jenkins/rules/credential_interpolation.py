"""jenkins-credential-interpolation: a credential bound by ``withCredentials`` or
``credentials()`` interpolated by Groovy into a script step — Jenkins' own "insecure
interpolation of sensitive variables" warning. The secret lands in the command line (visible
to every process on the agent) and, altered by the shell, can escape log masking."""

from __future__ import annotations

import re
from collections.abc import Iterator

from shipwarden.ci.jenkins.model import Jenkinsfile
from shipwarden.core.catalogue import RuleMeta, rule
from shipwarden.core.findings import Confidence, Finding, Tier

META = RuleMeta(
    id="jenkins-credential-interpolation",
    row=2,
    tier=Tier.P2,
    confidence=Confidence.HIGH,
    title="Jenkins credential interpolated by Groovy into a shell step",
)

_NAME = re.compile(r"^(?:env\.)?([A-Za-z_][A-Za-z0-9_]*)$")


@rule(META)
def check(jf: Jenkinsfile) -> Iterator[Finding]:
    for step in jf.steps:
        for interp in step.interpolations:
            m = _NAME.match(interp.expr)
            if not m or m.group(1) not in step.credentials:
                continue
            name = m.group(1)
            yield META.finding(
                f"`{step.step}` interpolates the credential ${{{name}}} with Groovy: the secret is written into "
                "the command line, where other processes on the agent can read it and the shell can "
                f"alter it past log masking. Use single quotes: `{step.step} '… $" + name + " …'`.",
                [jf.source.span(interp.start, interp.end, "credential")],
                key=f"{step.step}\x1f{name}\x1f{step.text[:80]}",
                properties={"credential": name, "step": step.step},
            )
