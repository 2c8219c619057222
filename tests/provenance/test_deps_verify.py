"""``deps --against REF --verify``: every changed package's provenance, through a
loopback registry serving recorded responses built from the real bundles."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from provhelpers import SIGSTORE_100_SHA512, Server, sri

from shipwarden.cli import main

PUBLISH = "https://github.com/npm/attestation/tree/main/specs/publish/v0.1"
GIT = ["-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false"]


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Server]:
    srv = Server()
    srv.thread.start()
    monkeypatch.setenv("npm_config_registry", srv.url + "/npm/")
    monkeypatch.setenv("SHIPWARDEN_CACHE_DIR", str(tmp_path / "cache"))
    yield srv
    srv.httpd.shutdown()
    srv.httpd.server_close()


def _lock(packages: dict[str, tuple[str, str]]) -> str:
    entries: dict[str, Any] = {"": {"name": "app", "version": "1.0.0", "dependencies": {k: v[0] for k, v in packages.items()}}}
    for name, (version, integrity) in packages.items():
        entries[f"node_modules/{name}"] = {
            "version": version,
            "resolved": f"https://registry.example.invalid/{name}/-/{name}-{version}.tgz",
            "integrity": integrity,
        }
    return json.dumps({"name": "app", "version": "1.0.0", "lockfileVersion": 3, "requires": True, "packages": entries})


def _project(tmp_path: Path, before: dict[str, tuple[str, str]], after: dict[str, tuple[str, str]]) -> Path:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    root = tmp_path / "app"
    root.mkdir()
    (root / "package.json").write_text(json.dumps({"name": "app", "version": "1.0.0"}))
    (root / "package-lock.json").write_text(_lock(before))
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(root), *GIT, "commit", "-qm", "before"], check=True)
    (root / "package-lock.json").write_text(_lock(after))
    return root


def _records(srv: Server, fixtures: Path) -> None:
    bundle = json.loads((fixtures / "bundleV03-intoto.sigstore").read_text())
    older = json.loads((fixtures / "bundleV03-dsse.sigstore").read_text())
    srv.json(
        "/npm/sigstore",
        {
            "name": "sigstore",
            "versions": {
                "0.9.0": {"dist": {"attestations": {"url": "/npm/-/npm/v1/attestations/sigstore@0.9.0"}}},
                "1.0.0": {"dist": {"attestations": {"url": "/npm/-/npm/v1/attestations/sigstore@1.0.0"}, "integrity": sri(SIGSTORE_100_SHA512)}},
            },
            "time": {"0.9.0": "2023-06-01T10:00:00.000Z", "1.0.0": "2023-07-12T15:34:00.000Z"},
        },
    )
    srv.json("/npm/-/npm/v1/attestations/sigstore@1.0.0", {"attestations": [{"predicateType": PUBLISH, "bundle": bundle}]})
    srv.json("/npm/-/npm/v1/attestations/sigstore@0.9.0", {"attestations": [{"predicateType": PUBLISH, "bundle": older}]})
    srv.json(
        "/npm/left-pad",
        {
            "name": "left-pad",
            "versions": {"1.3.0": {"dist": {}}, "1.3.1": {"dist": {}}},
            "time": {"1.3.0": "2018-01-01T00:00:00.000Z", "1.3.1": "2024-01-01T00:00:00.000Z"},
        },
    )


def _deps(root: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, dict[str, Any]]:
    code = main(["deps", str(root), "--against", "HEAD", "--verify", "--format", "json", *extra])
    out = capsys.readouterr()
    return code, json.loads(out.out)


def test_changed_packages_are_verified_against_their_locked_digest(
    server: Server, fixtures: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _records(server, fixtures)
    root = _project(
        tmp_path,
        {"sigstore": ("0.9.0", "sha512-AAAA"), "left-pad": ("1.3.0", "sha512-AAAA")},
        {"sigstore": ("1.0.0", sri(SIGSTORE_100_SHA512)), "left-pad": ("1.3.0", "sha512-AAAA")},
    )
    code, report = _deps(root, capsys)
    assert report["stats"]["verify_updates"] == 1 and report["stats"]["verify_verified"] == 1
    assert not [f for f in report["findings"] if f["rule"].startswith("provenance-") and f["tier"] != "P2"]
    # left-pad did not change: never asked for
    assert "/npm/left-pad" not in server.hits


def test_locked_digest_that_is_not_the_attested_one_is_p0(
    server: Server, fixtures: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _records(server, fixtures)
    other = SIGSTORE_100_SHA512[:-2] + "00"
    root = _project(tmp_path, {"sigstore": ("0.9.0", "sha512-AAAA")}, {"sigstore": ("1.0.0", sri(other))})
    code, report = _deps(root, capsys)
    bad = [f for f in report["findings"] if f["rule"] == "provenance-invalid"]
    assert bad and bad[0]["tier"] == "P0" and "subject-digest" in bad[0]["message"]
    assert bad[0]["locations"][0]["path"] == "package-lock.json"
    assert code == 1


def test_policy_requires_provenance_for_a_scope(
    server: Server, fixtures: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _records(server, fixtures)
    root = _project(tmp_path, {"left-pad": ("1.3.0", "sha512-AAAA")}, {"left-pad": ("1.3.1", "sha512-AAAA")})
    policy = tmp_path / "policy.toml"
    policy.write_text('[provenance]\nrequire-provenance = ["left-"]\n')
    code, report = _deps(root, capsys, "--policy", str(policy))
    assert any(f["rule"] == "provenance-missing" for f in report["findings"])
    code, report = _deps(root, capsys)
    assert not any(f["rule"] == "provenance-missing" for f in report["findings"])


def test_verify_needs_against(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "package.json").write_text("{}")
    assert main(["deps", str(tmp_path), "--verify"]) == 2
    assert "--verify needs --against" in capsys.readouterr().err


def test_sbom_carries_the_provenance_facts(
    server: Server, fixtures: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from shipwarden.sbom import validate

    _records(server, fixtures)
    root = _project(tmp_path, {"sigstore": ("0.9.0", "sha512-AAAA")}, {"sigstore": ("1.0.0", sri(SIGSTORE_100_SHA512))})
    main(["deps", str(root), "--against", "HEAD", "--verify", "--format", "cyclonedx", "--fail-on", "none"])
    text = capsys.readouterr().out
    assert validate(text) is None
    comp = next(c for c in json.loads(text)["components"] if c["name"] == "sigstore")
    props = {p["name"]: p["value"] for p in comp["properties"]}
    assert props["shipwarden:provenance:verified"] == "true"
    assert props["shipwarden:provenance:attestations"] == "1"
    assert {"alg": "SHA-512", "content": SIGSTORE_100_SHA512} in comp["hashes"]
