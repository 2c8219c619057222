"""Positive and negative fixtures of the GitLab CI and Jenkins rules.

The harness is ``tests/fixture_harness.py`` (``# expect: <rule-id> <tier>``, ``// expect:``
in Jenkinsfiles).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fixture_harness import FixtureTree
from shipwarden.ci.gitlab.rules import load_rules as gitlab_rules
from shipwarden.ci.jenkins.rules import load_rules as jenkins_rules

TREE = FixtureTree(Path(__file__).parent / "fixtures")


@pytest.mark.parametrize(("rule", "case"), TREE.cases())
def test_fixture(rule: str, case: str) -> None:
    gitlab_rules()
    jenkins_rules()
    TREE.check(rule, case)


def test_every_provider_rule_has_fixtures_and_a_doc_page() -> None:
    ids = {r.meta.id for r in gitlab_rules()} | {r.meta.id for r in jenkins_rules()}
    TREE.check_coverage(ids)
    docs = Path(__file__).parents[2] / "docs" / "rules"
    for rule in sorted(ids):
        assert (docs / f"{rule}.md").is_file(), f"missing docs/rules/{rule}.md"
