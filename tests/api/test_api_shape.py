"""The public library API (``shipwarden.api``): one options → result shape, the CLI's findings."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from shipwarden import api
from shipwarden.cli import main
from shipwarden.secrets.fakes import fake_token

EXAMPLE = Path(__file__).parents[2] / "examples" / "vulnerable-release"


def _cli_fingerprints(argv: list[str], tmp_path: Path) -> list[str]:
    out = tmp_path / "cli.json"
    main([*argv, "--format", "json", "--fail-on", "none", "--output", str(out)])
    return [f["fingerprint"] for f in json.loads(out.read_text())["findings"]]


def test_scan_matches_the_command_line(tmp_path: Path) -> None:
    result = api.scan(api.ScanOptions(roots=(EXAMPLE,), jobs=1))
    assert isinstance(result, api.ScanResult)
    assert result.findings and not result.errors
    assert result.stats["workflows"] == 7
    assert [f.fingerprint for f in result.findings] == _cli_fingerprints(["scan", str(EXAMPLE)], tmp_path)
    assert result.exit_code("P1") == 1
    assert result.exit_code("none") == 0


def test_paths_are_attack_path_findings(tmp_path: Path) -> None:
    result = api.paths(api.PathsOptions(roots=(EXAMPLE,)))
    # a path that stays in its entry job is told by the finding of its way in (pwn-request, ...)
    assert result.findings and "attack-path" in {f.rule_id for f in result.findings}
    assert all(f.hops and "path_id" in f.properties for f in result.findings if f.rule_id != "attack-path")
    assert result.stats["paths"] == len(result.findings)
    assert [f.fingerprint for f in result.findings] == _cli_fingerprints(["paths", str(EXAMPLE)], tmp_path)


def test_pipeline_selects_suppresses_and_baselines(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(EXAMPLE, repo)
    everything = api.scan(api.ScanOptions(roots=(repo,), pipeline=False))
    only = api.scan(api.ScanOptions(roots=(repo,), select=("unpinned-uses",)))
    assert only.findings and {f.rule_id for f in only.findings} == {"unpinned-uses"}
    ignored = api.scan(api.ScanOptions(roots=(repo,), ignore=("unpinned-uses",)))
    assert "unpinned-uses" not in {f.rule_id for f in ignored.findings}
    # the configuration of the root applies unless options replace it
    (repo / ".shipwarden.toml").write_text('ignore = ["attack-path"]\nfail-on = "P0"\n')
    configured = api.scan(api.ScanOptions(roots=(repo,)))
    assert "attack-path" not in {f.rule_id for f in configured.findings}
    assert configured.config.fail_on == "P0"
    # a baseline of everything leaves nothing
    baseline = tmp_path / "baseline.json"
    main(["scan", str(repo), "--write-baseline", str(baseline)])
    quiet = api.scan(api.ScanOptions(roots=(repo,), baseline=baseline))
    assert quiet.findings == [] and quiet.report.baselined > 0
    assert len(everything.findings) >= len(configured.findings)


def test_invalid_configuration_raises(tmp_path: Path) -> None:
    (tmp_path / ".shipwarden.toml").write_text("fail-on = 'P9'\n")
    with pytest.raises(api.ConfigError):
        api.scan(api.ScanOptions(roots=(tmp_path,)))


def test_gate_reviews_an_npm_package(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    (pkg / "dist").mkdir(parents=True)
    (pkg / "package.json").write_text(json.dumps({"name": "demo", "version": "1.0.0", "files": ["dist"]}))
    (pkg / "dist" / "index.js").write_text("module.exports = 1;\n//# sourceMappingURL=index.js.map\n")
    (pkg / "dist" / "index.js.map").write_text(
        json.dumps({"version": 3, "sources": ["../src/index.ts"], "sourcesContent": ["export const x = 1;\n"],
                    "mappings": "AAAA"})
    )
    result = api.gate(api.GateOptions(target=pkg, packlist="builtin"))
    assert isinstance(result, api.GateResult)
    assert len(result.artifacts) == 1 and result.stats["source_maps"] == 1
    assert any(f.row == 6 for f in result.findings)
    assert result.verdict("P1").strip()


def test_deps_reads_a_lockfile(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text(json.dumps({"name": "app", "version": "1.0.0"}))
    lock = {
        "name": "app", "version": "1.0.0", "lockfileVersion": 3,
        "packages": {
            "": {"name": "app", "version": "1.0.0", "dependencies": {"left": "1.0.0"}},
            "node_modules/left": {"version": "1.0.0", "resolved": "https://registry.example.invalid/left/-/left-1.0.0.tgz",
                                  "integrity": "sha512-AAAA", "hasInstallScript": True},
        },
    }
    (tmp_path / "package-lock.json").write_text(json.dumps(lock))
    result = api.deps(api.DepsOptions(path=tmp_path))
    assert isinstance(result, api.DepsResult)
    assert [lf.path for lf in result.lockfiles] == ["package-lock.json"]
    assert any(d.name == "left" for d in result.dependencies)
    assert any(r.hook.package == "left" for r in result.hooks)
    assert "left" in result.inventory()


def test_deps_configuration_is_validated(tmp_path: Path) -> None:
    (tmp_path / ".shipwarden.toml").write_text("[deps]\nfrobnicate = true\n")
    with pytest.raises(api.ConfigError):
        api.deps(api.DepsOptions(path=tmp_path))


def test_endpoint_sweeps_only_the_given_home(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    (home / ".aws" / "credentials").write_text(
        f"[default]\naws_access_key_id = {fake_token('aws-access-key-id', 1)}\n"
        f"aws_secret_access_key = {fake_token('aws-secret-access-key', 1)}\n")
    result = api.endpoint(api.EndpointOptions(home=home, config=api.Config()))
    assert isinstance(result, api.EndpointResult)
    assert result.findings and all(f.primary.path.startswith("~/") for f in result.findings)
    assert result.exit_code("P2") & 1


def test_gate_of_a_relative_package_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A package named relative to the working directory is read (it once resolved twice: nothing read)."""
    pkg = tmp_path / "packages" / "a"
    pkg.mkdir(parents=True)
    (pkg / "package.json").write_text(json.dumps({"name": "a", "version": "1.0.0"}))
    (pkg / "index.js").write_text("module.exports = 1;\n")
    monkeypatch.chdir(tmp_path)
    result = api.gate(api.GateOptions(target=Path("packages/a"), packlist="builtin"))
    assert result.errors == [] and result.stats["files"] == 2


def test_the_api_is_one_list_and_the_package_stays_cheap() -> None:
    import subprocess
    import sys

    import shipwarden

    # api.__all__ is the one list of public names; each is defined (no stale entry)
    assert api.__all__ == sorted(api.__all__, key=lambda n: (n[0].islower(), n))
    assert all(hasattr(api, name) for name in api.__all__)
    # the package root re-exports none of them: several are also subpackage names
    assert shipwarden.__all__ == ["__version__"]
    code = "import sys, shipwarden; print(sorted(m for m in sys.modules if m.startswith('shipwarden')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "['shipwarden']"
