"""Positive and negative fixtures for every workflow rule.

Each directory under ``fixtures/<rule-id>/`` is a repository root. A line that
should carry a finding ends with a comment ``# expect: <rule-id> <tier>``; the
test requires exactly those (rule, line, tier) triples for that rule and no
others, so negative fixtures are the files with no expectation comments.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from shipwarden.ci.github.scan import load_rules, scan_root
from shipwarden.core.catalogue import RULES
from shipwarden.core.ruledocs import rule_doc, rule_ids_with_docs

FIXTURES = Path(__file__).parent / "fixtures"
EXPECT = re.compile(r"#\s*expect:\s*([a-z0-9-]+)\s+(P[0-2])")


def _cases() -> list[tuple[str, str]]:
    cases = []
    for rule_dir in sorted(p for p in FIXTURES.iterdir() if p.is_dir()):
        for case in sorted(p for p in rule_dir.iterdir() if p.is_dir()):
            cases.append((rule_dir.name, case.name))
    return cases


def _expected(root: Path, rule: str) -> set[tuple[str, int, str]]:
    out = set()
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in (".yml", ".yaml"):
            for i, line in enumerate(path.read_text().splitlines(), 1):
                for m in EXPECT.finditer(line):
                    if m.group(1) == rule:
                        out.add((path.relative_to(root).as_posix(), i, m.group(2)))
    return out


@pytest.mark.parametrize(("rule", "case"), _cases())
def test_fixture(rule: str, case: str) -> None:
    load_rules()
    assert rule in RULES, f"fixture directory for unknown rule {rule}"
    root = FIXTURES / rule / case
    result = scan_root(str(root))
    assert not result.errors, result.errors
    got = {(f.primary.path, f.primary.line, f.tier.value) for f in result.findings if f.rule_id == rule}
    assert got == _expected(root, rule)


def test_every_workflow_rule_has_positive_and_negative_fixtures() -> None:
    rules = {r.meta.id for r in load_rules()}
    for rule in sorted(rules):
        cases = [c for r, c in _cases() if r == rule]
        assert any(c.startswith("positive") for c in cases), f"{rule}: no positive fixture"
        assert any(c.startswith("negative") for c in cases), f"{rule}: no negative fixture"
        positives = [FIXTURES / rule / c for c in cases if c.startswith("positive")]
        assert all(_expected(p, rule) for p in positives), f"{rule}: a positive fixture expects nothing"


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
    missing = sorted(rule_id for rule_id in RULES if rule_doc(rule_id) is None)
    assert not missing, f"rules without a page shipped in the package: {missing}"
    assert pages <= set(RULES), f"doc pages without a rule: {sorted(pages - set(RULES))}"
    for rule_id, meta in sorted(RULES.items()):
        page = docs / f"{rule_id}.md"
        assert page.is_file(), f"missing docs/rules/{rule_id}.md"
        text = page.read_text()
        for heading in ("## What it detects", "## Why is this dangerous", "## Example", "## How to fix"):
            assert heading in text, f"{rule_id}: doc page lacks {heading!r}"
        assert re.search(rf"\bRow:?\**:?\s*{meta.row}\b", text), f"{rule_id}: doc page does not name its row"
