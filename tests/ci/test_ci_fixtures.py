"""Positive and negative fixtures of the GitLab CI and Jenkins rules.

Each ``fixtures/<rule-id>/<case>/`` is a repository root; a line that should carry a
finding ends with ``# expect: <rule-id> <tier>`` (``// expect:`` in Jenkinsfiles). Exactly
those (rule, file, line, tier) must be reported for that rule.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from shipwarden.ci.github.scan import scan_root
from shipwarden.ci.gitlab.rules import load_rules as gitlab_rules
from shipwarden.ci.jenkins.rules import load_rules as jenkins_rules
from shipwarden.core.catalogue import RULES

FIXTURES = Path(__file__).parent / "fixtures"
EXPECT = re.compile(r"(?:#|//)\s*expect:\s*([a-z0-9-]+)\s+(P[0-2])")


def _cases() -> list[tuple[str, str]]:
    return [
        (rule.name, case.name)
        for rule in sorted(p for p in FIXTURES.iterdir() if p.is_dir())
        for case in sorted(p for p in rule.iterdir() if p.is_dir())
    ]


def _expected(root: Path, rule: str) -> set[tuple[str, int, str]]:
    out = set()
    for path in sorted(root.rglob("*")):
        if path.is_file():
            for i, line in enumerate(path.read_text().splitlines(), 1):
                for m in EXPECT.finditer(line):
                    if m.group(1) == rule:
                        out.add((path.relative_to(root).as_posix(), i, m.group(2)))
    return out


@pytest.mark.parametrize(("rule", "case"), _cases())
def test_fixture(rule: str, case: str) -> None:
    gitlab_rules()
    jenkins_rules()
    import shipwarden.ci.gitlab.paths  # noqa: F401 - declares the shared attack-path rule

    assert rule in RULES, f"fixture directory for unknown rule {rule}"
    root = FIXTURES / rule / case
    result = scan_root(str(root))
    assert not result.errors, result.errors
    got = {(f.primary.path, f.primary.line, f.tier.value) for f in result.findings if f.rule_id == rule}
    assert got == _expected(root, rule)


def test_every_provider_rule_has_fixtures_and_a_doc_page() -> None:
    ids = {r.meta.id for r in gitlab_rules()} | {r.meta.id for r in jenkins_rules()}
    docs = Path(__file__).parents[2] / "docs" / "rules"
    for rule in sorted(ids):
        cases = [c for r, c in _cases() if r == rule]
        assert any(c.startswith("positive") for c in cases), f"{rule}: no positive fixture"
        assert any(c.startswith("negative") for c in cases), f"{rule}: no negative fixture"
        assert all(_expected(FIXTURES / rule / c, rule) for c in cases if c.startswith("positive"))
        assert (docs / f"{rule}.md").is_file(), f"missing docs/rules/{rule}.md"
