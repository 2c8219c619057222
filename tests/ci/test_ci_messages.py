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


def _messages(root: Path, rule: str) -> dict[str, str]:
    load_rules()
    return {str(f.properties["job"]): f.message for f in scan_root(str(root)).findings if f.rule_id == rule}


def test_a_token_publish_in_mr_pipelines_says_whose_code_runs_there() -> None:
    found = _messages(FIXTURES / "gitlab-long-lived-publish-token" / "positive-mr-pipeline", "gitlab-long-lived-publish-token")
    assert "The job runs on merge request pipelines: the merge request's own code and CI file" in found["publish-snapshot"]
    assert "unless the variable is protected" in found["publish-snapshot"]
    assert "merge request" not in found["publish-release"]


def test_a_publish_only_in_mr_pipelines_runs_there_not_also() -> None:
    [message] = _messages(FIXTURES / "gitlab-publish-ungated" / "positive-mr-only", "gitlab-publish-ungated").values()
    assert "It runs on merge request pipelines: it only fails there if the token variable is protected." in message
