"""Gate policy parsing and the never-ship catalogue."""

from __future__ import annotations

from pathlib import Path

import gatefixtures as gf
import pytest
from gatehelpers import HAS_NPM, gate

from shipwarden.core.config import ConfigError
from shipwarden.packaging.knowledge import never_ship
from shipwarden.packaging.policy import GatePolicy, parse_size


@pytest.mark.parametrize("value,size", [(1000, 1000), ("20 MB", 20_000_000), ("16MiB", 16 * 1024 * 1024), ("1.5 kb", 1500)])
def test_parse_size(value: object, size: int) -> None:
    assert parse_size(value, "max-size") == size


def test_policy_from_config_and_errors() -> None:
    policy = GatePolicy.from_config(
        {"allow-files": "dist/*.map", "allow-install-scripts": {"postinstall": "node x.js"}, "max-growth": 3}
    )
    assert policy.allows_file("dist/a.js.map") and not policy.allows_file("a.js.map")
    assert policy.allows_script("postinstall", "node x.js") and not policy.allows_script("postinstall", "node y.js")
    assert GatePolicy.from_config({"allow-install-scripts": ["prepare"]}).allows_script("prepare", "anything")
    for bad in ({"max-files": 0}, {"max-growth": 0.5}, {"unknown": 1}, {"allow-files": [1]}, {"require-files-field": "no"}):
        with pytest.raises(ConfigError):
            GatePolicy.from_config(bad)


def _category(path: str) -> str | None:
    return next((e.id for e in never_ship() if e.matches(path)), None)


@pytest.mark.parametrize(
    "path,category",
    [
        (".env", "env-file"), ("config/.env.production", "env-file"), (".env.example", None),
        (".npmrc", "registry-credentials"), (".pypirc", "registry-credentials"), ("keys/id_ed25519", "private-key"),
        ("certifi/cacert.pem", "certificate"), (".git/config", "vcs-internals"), ("x.tfstate", "cloud-credentials"),
        ("app.heapsnapshot", "debug-dump"), ("CLAUDE.md", "ai-agent-config"), (".github/workflows/release.yml", "ci-config"),
        # gcloud's credential files, not any folder named gcloud (ansible 12.3.0 ships roles/gcloud/)
        (".config/gcloud/credentials.db", "cloud-credentials"), ("gcloud/legacy_credentials/a@b/adc.json", "cloud-credentials"),
        ("ansible_collections/google/cloud/roles/gcloud/tasks/main.yml", None),
        (".DS_Store", "editor-os"), ("coverage/__init__.py", None), ("dist/index.js", None), ("README.md", None),
    ],
)
def test_never_ship_catalogue(path: str, category: str | None) -> None:
    assert _category(path) == category


@pytest.mark.skipif(not HAS_NPM, reason="npm is not installed")
def test_auto_packlist_uses_npm_without_running_scripts(tmp_path: Path) -> None:
    root = gf.clean_package(tmp_path)
    result = gate(root, packlist="auto")
    assert result.results[0].artifact.origin == "npm pack --dry-run --ignore-scripts"
    assert result.report.findings == []
