"""jenkins-unpinned-library: a shared library loaded at a branch or with no version
(``@Library('lib') _``, ``library 'lib@main'``). Library code runs with the pipeline's
credentials; a moving ref means whoever pushes to it changes every build."""

from __future__ import annotations

import re
from collections.abc import Iterator

from shipwarden.ci.jenkins.model import Jenkinsfile
from shipwarden.core.catalogue import RuleMeta, rule
from shipwarden.core.findings import Confidence, Finding, Tier

META = RuleMeta(
    id="jenkins-unpinned-library",
    row=2,
    tier=Tier.P2,
    confidence=Confidence.MEDIUM,
    title="Jenkins shared library loaded at a moving ref",
)

_PINNED = re.compile(r"^([0-9a-f]{40}|v?\d+\.\d+(\.\d+)?([-.][\w.]+)?)$")


@rule(META)
def check(jf: Jenkinsfile) -> Iterator[Finding]:
    for lib in jf.libraries:
        if lib.kind != "library" or "$" in lib.target:
            continue
        if lib.version and (_PINNED.match(lib.version) or "$" in lib.version):
            continue
        what = f"at `{lib.version}`, a ref that moves" if lib.version else "at the library's default version"
        yield META.finding(
            f"shared library {lib.target} is loaded {what}: its code runs with this pipeline's credentials. "
            "Pin a tag or commit (`@Library('lib@<sha>')`) unless the library is trusted by the controller "
            "and its default version is locked there.",
            [jf.source.span(lib.start, lib.end, "library")],
            key=f"{lib.target}\x1f{lib.version or ''}",
            properties={"library": lib.target, "version": lib.version},
        )
