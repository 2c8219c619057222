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
    assert all("oidc-overscoped" not in f.properties.get("folds", []) for f in result.findings)


def test_oidc_overscoped_names_the_pnpm_allowlist() -> None:
    """pnpm 10+ runs only allowlisted dependencies' scripts: the install hop says which."""
    root = Path(__file__).parent / "fixtures" / "oidc-overscoped" / "positive-pnpm10-allowlist"
    found = [f for f in scan_root(str(root)).findings if f.rule_id == "oidc-overscoped"]
    assert len(found) == 1
    assert "only the allowlisted `tombi`" in found[0].locations[1].label


def test_the_environment_finding_folds_into_the_token_finding() -> None:
    """One stored npm token, no environment: one P1 says both (as for pmndrs/zustand's publish.yml in the corpus)."""
    root = Path(__file__).parent / "fixtures" / "publish-without-environment" / "positive-long-lived-token"
    by_rule = {f.rule_id: f for f in scan_root(str(root)).findings}
    token = by_rule["long-lived-publish-token"]
    assert token.tier.value == "P1" and token.properties["folds"] == ["publish-without-environment"]
    assert "readable by every workflow and branch" in token.message
    assert any("has no `environment:`" in loc.label for loc in token.locations)
    env = by_rule["publish-without-environment"]
    assert env.tier.value == "P2" and "reported by long-lived-publish-token" in env.message
