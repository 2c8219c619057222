"""A small hand-built Report used by the reporter tests and snapshots.

Rule ids start with ``demo-`` and are not in the rule catalogue: the reporters
are given :func:`demo_options` (metadata built from the findings), so the
snapshots do not change when real rules change.
"""

from __future__ import annotations

from typing import Any

from shipwarden.core.catalogue import RuleMeta
from shipwarden.core.findings import Confidence, Finding, Hop, Location, Report, ScanError, Tier
from shipwarden.reporting import RenderOptions


def sample_report() -> Report:
    injection = Finding(
        rule_id="demo-injection",
        row=7,
        tier=Tier.P1,
        confidence=Confidence.HIGH,
        message="`github.event.issue.title` reaches a shell: 100% outsider, controlled",
        locations=[
            Location(
                ".github/workflows/triage.yml",
                line=12,
                column=27,
                end_line=12,
                end_column=58,
                snippet='        run: echo "title: ${{ github.event.issue.title }}"',
            ),
            Location(".github/workflows/triage.yml", line=3, column=3, end_line=3, end_column=9, label="trigger"),
        ],
        key="triage/echo",
    )
    path = Finding(
        rule_id="demo-path",
        row=2,
        tier=Tier.P0,
        confidence=Confidence.HIGH,
        message="an outsider reaches an OIDC token in release.yml",
        locations=[
            Location(
                ".github/workflows/bundle-size.yml",
                line=4,
                column=3,
                end_line=4,
                end_column=22,
                snippet="  pull_request_target:",
            )
        ],
        key="bundle-size->release",
        hops=[
            Hop(Location(".github/workflows/bundle-size.yml", 4, 3), "an outsider opens a pull request", 2),
            Hop(Location(".github/workflows/bundle-size.yml", 16, 15), 'checks out the PR\'s code "merge" ref', 2),
            Hop(Location(".github/actions/setup/action.yml", 11, 13), "saves the poisoned cache <key>", 2),
            Hop(Location(".github/workflows/release.yml", 9, 13), "holds id-token: write & publishes", 3),
        ],
    )
    raised = Finding(
        rule_id="demo-unpinned",
        row=2,
        tier=Tier.P0,
        confidence=Confidence.MEDIUM,
        message="`actions/cache@v4` is pinned to a tag",
        locations=[
            Location(".github/actions/setup/action.yml", 11, 13, 11, 29, snippet="      uses: actions/cache@v4")
        ],
        key="actions/cache@v4",
        paths=["path-1"],
        rule_tier=Tier.P2,
    )
    leak = Finding(
        rule_id="demo-leak",
        row=6,
        tier=Tier.P2,
        confidence=Confidence.LOW,
        message="the package ships a source map, file: dist/index.js.map",
        locations=[Location("pkg.tgz!package/dist/index.js.map")],
        key="dist/index.js.map",
        properties={"size": 1234},
    )
    return Report(
        command="scan",
        roots=["examples/demo"],
        findings=[leak, injection, path, raised],
        errors=[
            ScanError(".github/workflows/broken.yml", "invalid YAML: mapping values are not allowed here", "yaml"),
            ScanError(".github/workflows/huge.yml", "file larger than 10 MiB", "too-large"),
        ],
        stats={"workflows": 3, "files": 5},
        suppressed=2,
        baselined=1,
    )


def demo_options(**kwargs: Any) -> RenderOptions:
    """Render options whose rule metadata covers every ``demo-`` rule (title = id)."""
    findings = [*sample_report().findings, *EXTRA]
    rules = {
        f.rule_id: RuleMeta(f.rule_id, f.row, f.rule_tier or f.tier, f.confidence, f.rule_id) for f in findings
    }
    return RenderOptions(rules=rules, **kwargs)


#: Findings of single tests whose rules the demo metadata also covers.
EXTRA = [Finding("demo-x", 2, Tier.P1, Confidence.HIGH, "", [Location("a.yml")])]
