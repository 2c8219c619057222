"""Attack paths across workflows: each fixture repository yields exactly the expected path.

Lines marked ``# hop`` in a fixture are exactly the hop locations of its one path.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from shipwarden.ci.github.loader import load_directory
from shipwarden.ci.github.scan import scan_root
from shipwarden.paths.rule import tells_a_path
from shipwarden.paths.search import find_paths

FIXTURES = Path(__file__).parent / "fixtures"

#: Cache paths from an untrusted trigger are P1 (GitHub's read-only cache token since June 2026
#: is the gate) unless the workflow grants saves back with `cache-mode: write`
#: (tanstack-actions-cache does, as the platform did when the incident happened).
ONE_PATH = {
    "tanstack-actions-cache": "P0",
    "tanstack-setup-node": "P1",
    "tanstack-composite": "P1",
    "restore-keys-prefix": "P1",
    "nx": "P0",
    "ultralytics": "P1",
    "artifact-env": "P1",  # first-time-contributor approval remains
    "comment-bot": "P0",
    "reusable-oidc": "P1",
    "artifact-scheduled": "P1",  # first-time-contributor approval remains
    "agent-cli-env": "P0",
    "docs-preview-label": "P1",  # the label gate remains
}
NO_PATH = ["pr-scope-writer", "hardened", "reusable-narrowed", "artifact-as-data"]


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
    path_findings = [f for f in report.findings if tells_a_path(f)]
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


def test_a_path_inside_its_entry_job_is_told_by_the_way_in() -> None:
    """python-poetry/poetry (docs.yaml at f467023): pwn-request and a same-job attack-path said one thing."""
    report = scan_root(str(FIXTURES / "docs-preview-label"))
    told = [f for f in report.findings if tells_a_path(f)]
    assert [f.rule_id for f in told] == ["pwn-request"]
    pwn = told[0]
    assert pwn.properties["path_id"] in pwn.paths and pwn.properties["carrier"] == "job"
    assert [h.location.line for h in pwn.hops][-1] == 10  # the job that holds DEPLOY_TOKEN
    assert not [f for f in report.findings if f.rule_id == "attack-path"]


def test_a_path_through_a_cache_keeps_its_own_finding() -> None:
    report = scan_root(str(FIXTURES / "tanstack-actions-cache"))
    path = next(f for f in report.findings if f.rule_id == "attack-path")
    assert path.properties["carrier"] == "cache" and path.hops
    assert not [f for f in report.findings if f.rule_id != "attack-path" and f.hops]


def test_an_injection_that_tells_its_path_names_what_the_job_holds(tmp_path: Path) -> None:
    wf = tmp_path / ".github" / "workflows" / "title.yml"
    wf.parent.mkdir(parents=True)
    wf.write_text(
        "on: pull_request_target\npermissions:\n  contents: write\njobs:\n  check:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - run: echo \"${{ github.event.pull_request.title }}\"\n"
    )
    report = scan_root(str(tmp_path))
    told = [f for f in report.findings if tells_a_path(f)]
    assert [f.rule_id for f in told] == ["template-injection"] and told[0].tier.value == "P0"
    assert told[0].message.endswith("; the job holds a GITHUB_TOKEN that can write contents")


def test_a_cache_path_from_an_untrusted_trigger_names_the_read_only_token() -> None:
    """Since June 2026 GitHub gives pull_request_target runs a read-only cache token in the default
    branch's scope: the TanStack chain without `cache-mode: write` is one gate away, not complete."""
    path = next(f for f in scan_root(str(FIXTURES / "tanstack-setup-node")).findings if f.rule_id == "attack-path")
    assert path.tier.value == "P1" and "read-only cache token" in path.properties["gate"]
    assert "cache-mode: write" in path.message
    granted = next(f for f in scan_root(str(FIXTURES / "tanstack-actions-cache")).findings if f.rule_id == "attack-path")
    assert granted.tier.value == "P0" and granted.properties["gate"] is None
