"""The endpoint sweep over a fake home holding every catalogued store."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from fakehome import ENVF, ENVV, FakeHome, build_fake_home, build_project, fake_environment

from shipwarden.core.findings import Finding, Report
from shipwarden.endpoint import load_catalogue, sweep

PERM = "endpoint-credential-file-permissions"


@pytest.fixture(scope="module")
def swept(tmp_path_factory: pytest.TempPathFactory) -> tuple[FakeHome, Path, Report]:
    base = tmp_path_factory.mktemp("endpoint")
    home = base / "home"
    home.mkdir()
    h = build_fake_home(home)
    project = build_project(base / "projects", h)
    report = sweep(home, include=[project], env=fake_environment(h))
    return h, project, report


def _credential_findings(report: Report) -> list[Finding]:
    return [f for f in report.findings if "credential" in f.properties]


def _credentials(f: Finding) -> list[dict[str, Any]]:
    """The credentials one finding reports: one, or every one of a login-session file (AWS SSO cache)."""
    listed: list[dict[str, Any]] = f.properties.get("credentials") or [{**f.properties, "tier": f.tier.value}]
    return listed


def test_every_expected_credential_is_found(swept: tuple[FakeHome, Path, Report]) -> None:
    h, _, report = swept
    got = Counter(
        (f.primary.path, f.rule_id, c.get("credential", ""), c["tier"], f.properties.get("store"))
        for f in report.findings
        if f.rule_id != PERM
        for c in _credentials(f)
    )
    missing = [e for e in h.expected if got[(e.path, e.rule, e.kind, e.tier, e.store)] == 0]
    assert not missing, missing


def test_every_catalogued_store_is_exercised(swept: tuple[FakeHome, Path, Report]) -> None:
    _, _, report = swept
    seen = {f.properties.get("store") for f in report.findings}
    assert {s.id for s in load_catalogue().stores} <= seen


def test_nothing_unexpected(swept: tuple[FakeHome, Path, Report]) -> None:
    h, project, report = swept
    expected = Counter((e.path, e.kind) for e in h.expected)
    got = Counter(
        (f.primary.path, c.get("credential", ""))
        for f in report.findings
        if f.rule_id not in (PERM, ENVV) and not f.primary.path.startswith(project.as_posix())
        for c in _credentials(f)
    )
    assert got == expected


def test_placeholders_and_ignored_values_are_not_findings(swept: tuple[FakeHome, Path, Report]) -> None:
    _, _, report = swept
    npmrc = [f for f in report.findings if f.primary.path == "~/.npmrc" and f.rule_id != PERM]
    assert len(npmrc) == 2  # the ${NPM_TOKEN} line is a reference, not a credential
    adc = [f for f in report.findings if f.primary.path.endswith("application_default_credentials.json")]
    assert [f.properties["credential"] for f in adc] == ["gcp-refresh-token"]  # public client secret ignored
    assert report.stats["placeholders_skipped"] >= 2


def test_line_numbers_point_at_the_token(swept: tuple[FakeHome, Path, Report]) -> None:
    h, _, report = swept
    by = {(f.primary.path, f.properties.get("credential")): f.primary for f in report.findings}
    assert by[("~/.bash_history", "npm-token")].line == 3
    assert by[("~/.npmrc", "npm-token")].line == 1
    assert by[("~/.npmrc", "unrecognised")].line == 3
    loc = by[("~/.pypirc", "pypi-token")]
    line = (h.root / ".pypirc").read_text().splitlines()[loc.line - 1]
    assert line.startswith("password = pypi") and loc.column == len("password = ") + 1
    assert by[("~/.aws/credentials", "aws-secret-access-key")].line == 3
    assert by[("~/.ssh/id_ed25519", "ssh-private-key")].line == 1
    claude = by[("~/.claude.json", "github-pat")]
    text = (h.root / ".claude.json").read_text().splitlines()[claude.line - 1]
    assert "GITHUB_PERSONAL_ACCESS_TOKEN" in text


def test_permissions_are_graded(swept: tuple[FakeHome, Path, Report]) -> None:
    h, project, report = swept
    for f in _credential_findings(report):
        mode = h.modes.get(f.primary.path)
        if mode is None:
            continue
        want = "world-readable" if mode & 0o004 else "group-readable" if mode & 0o040 else "owner-only"
        assert f.properties["exposure"] == want, f.primary.path
    # one file, one finding: a loose mode is a fact of the credential's own finding, with its chmod
    loose = {f.primary.path: f for f in _credential_findings(report) if f.properties.get("exposure", "owner-only") != "owner-only"}
    assert set(loose) == {
        "~/.claude.json",
        "~/.npmrc",
        "~/.pypirc",
        "~/.netrc",
        "~/.kube/config",
        "~/.ssh/legacy_rsa",
        (project / ".env.production").as_posix(),
    }
    assert "file is world-readable (0644): `chmod 600 ~/.npmrc`" in loose["~/.npmrc"].message
    assert loose["~/.npmrc"].tier.value == "P1"
    assert loose["~/.kube/config"].tier.value == "P2"
    assert "group-readable" in loose["~/.pypirc"].message
    assert not [f for f in report.findings if f.rule_id == PERM]  # no loose file holds only a protected key


def test_ssh_keys_graded_by_passphrase(swept: tuple[FakeHome, Path, Report]) -> None:
    _, _, report = swept
    ssh = {f.primary.path for f in report.findings if f.rule_id == "endpoint-ssh-key-unprotected"}
    assert ssh == {"~/.ssh/id_ed25519", "~/.ssh/legacy_rsa"}
    assert report.stats["protected_keys"] == 2


def test_include_tree_env_files(swept: tuple[FakeHome, Path, Report]) -> None:
    _, project, report = swept
    inc = [f for f in report.findings if f.primary.path.startswith(project.as_posix()) and f.rule_id != PERM]
    assert [(Path(f.primary.path).name, f.rule_id, f.properties["credential"]) for f in inc] == [
        (".env.production", ENVF, "stripe-secret-key")
    ]


def test_environment_variables(swept: tuple[FakeHome, Path, Report]) -> None:
    _, _, report = swept
    env = {f.primary.path: f for f in report.findings if f.rule_id == ENVV}
    assert set(env) == {"env:GITHUB_TOKEN", "env:NPM_TOKEN", "env:OP_SESSION_acme"}
    assert env["env:GITHUB_TOKEN"].tier.value == "P1"
    assert env["env:NPM_TOKEN"].tier.value == "P1"  # a publish variable, whatever its format
    assert env["env:OP_SESSION_acme"].tier.value == "P2"
    assert all(f.primary.line == 0 for f in env.values())


def test_no_env_means_no_env_findings(tmp_path: Path) -> None:
    assert sweep(tmp_path, env=None).findings == []


def test_redacted_and_fingerprinted(swept: tuple[FakeHome, Path, Report]) -> None:
    h, _, report = swept
    for f in _credential_findings(report):
        red = f.properties["redacted"]
        assert f.properties["secret_fingerprint"] in red
        assert len(red.split("…", 1)[0]) <= 6 or red.split("…", 1)[0].endswith(" key")
        assert red in f.message


def test_same_token_twice_is_one_finding(swept: tuple[FakeHome, Path, Report]) -> None:
    _, _, report = swept
    gh = [f for f in report.findings if f.primary.path == "~/.config/gh/hosts.yml"]
    assert len(gh) == 1


def test_no_secret_in_report_dict(swept: tuple[FakeHome, Path, Report]) -> None:
    h, _, report = swept
    blob = json.dumps(
        {
            "findings": [f.to_dict() for f in report.findings],
            "errors": [e.to_dict() for e in report.errors],
            "stats": report.stats,
        }
    )
    leaked = [s[:4] for s in h.secrets if s and s in blob]
    assert not leaked


def test_read_only(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    build_fake_home(home)
    before = {p: (p.stat().st_mtime_ns, p.stat().st_mode, p.read_bytes()) for p in home.rglob("*") if p.is_file()}
    sweep(home, env={})
    after = {p: (p.stat().st_mtime_ns, p.stat().st_mode, p.read_bytes()) for p in home.rglob("*") if p.is_file()}
    assert before == after


def test_fix_permissions_only_touches_flagged_files(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    h = build_fake_home(home)
    (home / "notes.txt").write_text("hello")
    (home / "notes.txt").chmod(0o644)
    report = sweep(home, env={}, fix_permissions=True)
    assert not [f for f in report.findings if f.rule_id == PERM]
    assert report.stats["permissions_fixed"] == 6
    assert (home / ".npmrc").stat().st_mode & 0o777 == 0o600
    assert (home / ".ssh/known_hosts").stat().st_mode & 0o777 == 0o644
    assert (home / ".ssh/id_ed25519.pub").stat().st_mode & 0o777 == 0o644
    assert (home / "notes.txt").stat().st_mode & 0o777 == 0o644
    assert h.modes["~/.ssh/config"] == (home / ".ssh/config").stat().st_mode & 0o777
