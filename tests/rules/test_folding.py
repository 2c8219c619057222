"""oidc-overscoped folds into install-in-publish-job and cache-in-publish-job when those
report every risk beside the job's grant (fixture reduced from langchain-ai/langchainjs)."""

from __future__ import annotations

from pathlib import Path

from shipwarden.ci.github.scan import load_rules, scan_root

FIXTURES = Path(__file__).parent / "fixtures" / "oidc-overscoped"


def test_folded_findings_name_the_grant() -> None:
    load_rules()
    result = scan_root(str(FIXTURES / "negative-folded-install-and-cache"))
    by_rule = {f.rule_id: f for f in result.findings}
    assert "oidc-overscoped" not in by_rule
    for rule in ("install-in-publish-job", "cache-in-publish-job"):
        finding = by_rule[rule]
        assert finding.properties["folds"] == ["oidc-overscoped"]
        assert "id-token: write" in finding.message
        assert any(loc.line == 14 and "id-token" in loc.label for loc in finding.locations)


def test_other_risks_keep_the_oidc_finding() -> None:
    load_rules()
    result = scan_root(str(FIXTURES / "positive-install-and-unpinned"))
    rules = [f.rule_id for f in result.findings]
    assert "oidc-overscoped" in rules
    assert all("folds" not in f.properties for f in result.findings)


def test_oidc_overscoped_names_the_pnpm_allowlist() -> None:
    """pnpm 10+ runs only allowlisted dependencies' scripts: the install hop says which."""
    root = Path(__file__).parent / "fixtures" / "oidc-overscoped" / "positive-pnpm10-allowlist"
    found = [f for f in scan_root(str(root)).findings if f.rule_id == "oidc-overscoped"]
    assert len(found) == 1
    assert "only the allowlisted `tombi`" in found[0].locations[1].label
