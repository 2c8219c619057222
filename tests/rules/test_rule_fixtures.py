"""Positive and negative fixtures for every workflow rule.

The harness is ``tests/fixture_harness.py``: each directory under ``fixtures/<rule-id>/`` is a repository root. A line that
should carry a finding ends with a comment ``# expect: <rule-id> <tier>``; the
test requires exactly those (rule, line, tier) triples for that rule and no
others, so negative fixtures are the files with no expectation comments.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from fixture_harness import FixtureTree
from shipwarden.ci.github.scan import load_rules
from shipwarden.core.catalogue import all_rules
from shipwarden.core.ruledocs import rule_doc, rule_ids_with_docs

TREE = FixtureTree(Path(__file__).parent / "fixtures", suffixes=(".yml", ".yaml"))


@pytest.mark.parametrize(("rule", "case"), TREE.cases())
def test_fixture(rule: str, case: str) -> None:
    load_rules()
    TREE.check(rule, case)


def test_every_workflow_rule_has_positive_and_negative_fixtures() -> None:
    TREE.check_coverage({r.meta.id for r in load_rules()})


def test_every_rule_has_a_doc_page() -> None:
    load_rules()
    # the attack-path rule and the other commands' rules are declared on import
    for module in ("paths.search", "packaging.rules", "deps.rules", "endpoint.rules", "detonate.rules", "provenance.rules"):
        importlib.import_module(f"shipwarden.{module}")
    for provider in ("ci.gitlab.rules", "ci.jenkins.rules"):  # GitLab CI and Jenkins rules
        importlib.import_module(f"shipwarden.{provider}").load_rules()
    docs = Path(__file__).parents[2] / "docs" / "rules"
    pages = {p.stem for p in docs.glob("*.md") if p.stem != "index" and p.stem.upper() != "README"}
    # the package reads the same pages (shipwarden/rule_docs links to docs/rules)
    assert set(rule_ids_with_docs()) == {p.stem for p in docs.glob("*.md")}
    missing = sorted(rule_id for rule_id in all_rules() if rule_doc(rule_id) is None)
    assert not missing, f"rules without a page shipped in the package: {missing}"
    assert pages <= set(all_rules()), f"doc pages without a rule: {sorted(pages - set(all_rules()))}"
    for rule_id, meta in sorted(all_rules().items()):
        page = docs / f"{rule_id}.md"
        assert page.is_file(), f"missing docs/rules/{rule_id}.md"
        text = page.read_text()
        for heading in ("## What it detects", "## Why is this dangerous", "## Example", "## How to fix"):
            assert heading in text, f"{rule_id}: doc page lacks {heading!r}"
        assert re.search(rf"\bRow:?\**:?\s*{meta.row}\b", text), f"{rule_id}: doc page does not name its row"
