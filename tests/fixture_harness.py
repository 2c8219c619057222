"""The fixture harness of the scan rules (workflow rules in ``tests/rules``, GitLab CI and
Jenkins rules in ``tests/ci``).

Each ``<fixtures>/<rule-id>/<case>/`` is a repository root. A line that should carry a
finding ends with ``# expect: <rule-id> <tier>`` (``// expect:`` in Jenkinsfiles); a case
must report exactly those (rule, file, line, tier) for its rule and nothing else, so
negative cases are the ones without expectations.
"""

from __future__ import annotations

import re
from pathlib import Path

from shipwarden.ci.github.scan import scan_root
from shipwarden.core.catalogue import all_rules

EXPECT = re.compile(r"(?:#|//)\s*expect:\s*([a-z0-9-]+)\s+(P[0-2])")


class FixtureTree:
    """``fixtures/<rule-id>/<case>/`` below ``root``; ``suffixes`` limits which files may
    hold expectations (None: every file)."""

    def __init__(self, root: Path, suffixes: tuple[str, ...] | None = None) -> None:
        self.root = root
        self.suffixes = suffixes

    def cases(self) -> list[tuple[str, str]]:
        return [
            (rule.name, case.name)
            for rule in sorted(p for p in self.root.iterdir() if p.is_dir())
            for case in sorted(p for p in rule.iterdir() if p.is_dir())
        ]

    def expected(self, rule: str, case: str) -> set[tuple[str, int, str]]:
        root = self.root / rule / case
        out = set()
        for path in sorted(root.rglob("*")):
            if path.is_file() and (self.suffixes is None or path.suffix in self.suffixes):
                for i, line in enumerate(path.read_text().splitlines(), 1):
                    for m in EXPECT.finditer(line):
                        if m.group(1) == rule:
                            out.add((path.relative_to(root).as_posix(), i, m.group(2)))
        return out

    def check(self, rule: str, case: str) -> None:
        """Scan the case and compare its findings of ``rule`` with the expectations."""
        assert rule in all_rules(), f"fixture directory for unknown rule {rule}"
        result = scan_root(str(self.root / rule / case))
        assert not result.errors, result.errors
        got = {(f.primary.path, f.primary.line, f.tier.value) for f in result.findings if f.rule_id == rule}
        assert got == self.expected(rule, case)

    def check_coverage(self, rules: set[str]) -> None:
        """Every rule has a positive case that expects something and a negative case."""
        cases = self.cases()
        for rule in sorted(rules):
            names = [c for r, c in cases if r == rule]
            assert any(c.startswith("positive") for c in names), f"{rule}: no positive fixture"
            assert any(c.startswith("negative") for c in names), f"{rule}: no negative fixture"
            for c in names:
                if c.startswith("positive"):
                    assert self.expected(rule, c), f"{rule}: positive fixture {c} expects nothing"
