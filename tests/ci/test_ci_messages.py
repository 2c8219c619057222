"""What the GitLab rules say an install runs: each ecosystem's own words (pip builds sdists with
their build backends; npm runs lifecycle scripts) and the switch that turns it off."""

from __future__ import annotations

from pathlib import Path

from shipwarden.ci.github.scan import scan_root
from shipwarden.ci.gitlab.rules import load_rules

FIXTURES = Path(__file__).parent / "fixtures"


def _only(root: Path, rule: str) -> str:
    load_rules()
    found = [f for f in scan_root(str(root)).findings if f.rule_id == rule]
    assert len(found) == 1
    return found[0].message


def test_a_pip_install_beside_id_tokens_is_said_in_pips_words() -> None:
    message = _only(FIXTURES / "gitlab-oidc-untrusted" / "positive-pip-install", "gitlab-oidc-untrusted")
    assert "install-time code (pip: sdist build backends)" in message
    assert "`--only-binary :all:`" in message
    assert "lifecycle" not in message and "--ignore-scripts" not in message


def test_an_npm_install_beside_id_tokens_names_lifecycle_scripts() -> None:
    message = _only(FIXTURES / "gitlab-oidc-untrusted" / "positive-install", "gitlab-oidc-untrusted")
    assert "install-time code (npm: lifecycle scripts)" in message
    assert "`--ignore-scripts`" in message
