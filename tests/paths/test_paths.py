"""Attack paths across workflows: each fixture repository yields exactly the expected path.

Lines marked ``# hop`` in a fixture are exactly the hop locations of its one path.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from shipwarden.ci.github.loader import load_directory
from shipwarden.ci.github.scan import scan_root
from shipwarden.paths.search import find_paths

FIXTURES = Path(__file__).parent / "fixtures"

ONE_PATH = {
    "tanstack-actions-cache": "P0",
    "tanstack-setup-node": "P0",
    "tanstack-composite": "P0",
    "restore-keys-prefix": "P0",
    "nx": "P0",
    "ultralytics": "P0",
    "artifact-env": "P1",  # first-time-contributor approval remains
    "comment-bot": "P0",
    "reusable-oidc": "P0",
    "artifact-scheduled": "P1",  # first-time-contributor approval remains
    "agent-cli-env": "P0",
}
NO_PATH = ["pr-scope-writer", "hardened", "reusable-narrowed"]


def _marked(root: Path) -> set[tuple[str, int]]:
    out = set()
    for path in root.rglob("*.yml"):
        for i, line in enumerate(path.read_text().splitlines(), 1):
            if line.rstrip().endswith("# hop"):
                out.add((path.relative_to(root).as_posix(), i))
    return out


@pytest.mark.parametrize(("case", "tier"), sorted(ONE_PATH.items()))
def test_one_complete_path(case: str, tier: str) -> None:
    root = FIXTURES / case
    result = load_directory(root)
    assert not result.errors
    paths = find_paths(result.repo)
    assert len(paths) == 1, [[(h.location.path, h.location.line, h.description) for h in p.hops] for p in paths]
    hops = {(h.location.path, h.location.line) for h in paths[0].hops}
    assert hops == _marked(root)
    report = scan_root(str(root))
    path_findings = [f for f in report.findings if f.rule_id == "attack-path"]
    assert [f.tier.value for f in path_findings] == [tier]


@pytest.mark.parametrize("case", NO_PATH)
def test_no_path(case: str) -> None:
    result = load_directory(FIXTURES / case)
    assert not result.errors
    assert find_paths(result.repo) == []


def test_rule_findings_on_a_path_take_its_tier() -> None:
    report = scan_root(str(FIXTURES / "tanstack-actions-cache"))
    path = next(f for f in report.findings if f.rule_id == "attack-path")
    pwn = next(f for f in report.findings if f.rule_id == "pwn-request")
    assert pwn.paths == [path.key]
    assert pwn.tier.value == "P0" and pwn.rule_tier is not None and pwn.rule_tier.value == "P1"
    oidc = [f for f in report.findings if f.rule_id == "oidc-overscoped"]
    assert oidc and all(f.paths == [path.key] and f.tier.value == "P0" for f in oidc)
