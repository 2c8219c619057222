"""jenkins-groovy-injection: a pull request's title, source branch or author interpolated by
Groovy into an ``sh``/``bat`` script. Groovy pastes the value into the script text before the
shell parses it, so quotes in the script do not contain it (the Codex branch-name shape)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from shipwarden.ci.jenkins.model import Jenkinsfile, table
from shipwarden.core.catalogue import RuleMeta, rule
from shipwarden.core.findings import Confidence, Finding, Tier

META = RuleMeta(
    id="jenkins-groovy-injection",
    row=7,
    tier=Tier.P1,
    confidence=Confidence.HIGH,
    title="Outsider-controlled value interpolated by Groovy into a Jenkins shell step",
)

_NAME = re.compile(r"^(?:env\.)?([A-Z_][A-Z0-9_]*)$")


@rule(META)
def check(jf: Jenkinsfile) -> Iterator[Finding]:
    outsider = table()["outsider"]
    for step in jf.steps:
        for interp in step.interpolations:
            m = _NAME.match(interp.expr)
            if not m or m.group(1) not in outsider:
                continue
            name = m.group(1)
            who = outsider[name]["who"]
            if who == "pr-author":
                tier = Tier.P1
                why = "the pull request's author chooses it (fork PRs are built with this Jenkinsfile)"
            else:
                tier = Tier.P2
                why = "whoever can push a branch or tag chooses it"
            yield META.finding(
                f"`{step.step}` step interpolates ${{{interp.expr}}} with Groovy: {why}, and the text "
                "becomes part of the script. Use single quotes and let the shell read the environment "
                f"variable (`{step.step} 'echo \"$" + name + "\"'`).",
                [jf.source.span(interp.start, interp.end, "interpolation")],
                tier=tier,
                key=f"{step.step}\x1f{interp.expr}\x1f{step.text[:80]}",
                properties={"variable": name, "step": step.step},
            )
