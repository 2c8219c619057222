"""``shipwarden provenance`` with bundle files: exit codes and what it prints."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from provhelpers import RFC8785_012_SHA256, SIGSTORE_100_SHA512

from shipwarden.cli import main


def test_verified_bundles_list_every_check(fixtures: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "provenance", "sigstore@1.0.0",
            "--bundle", str(fixtures / "bundleV03-intoto.sigstore"),
            "--bundle", str(fixtures / "bundleV01-intoto-with-proof.sigstore"),
            "--digest", f"sha512:{SIGSTORE_100_SHA512}",
            "--format", "json",
        ]
    )
    out = capsys.readouterr()
    report = json.loads(out.out)
    assert code == 0 and report["stats"]["verified"] == 2
    for check in ("certificate-chain", "inclusion-proof", "log-entry-body", "subject-digest"):
        assert f"pass     {check}" in out.err
    assert "not run  sigstore-verify-dsse: sigstore does not verify rekor intoto/0.0.2 entries" in out.err
    # a person's identity signed these test bundles: said, at P2
    assert [f["rule"] for f in report["findings"]] == ["provenance-person-signed"]


def test_staging_switch_and_exit_codes(fixtures: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = [
        "provenance", "rfc8785==0.1.2",
        "--bundle", str(fixtures / "rfc8785-0.1.2-py3-none-any.whl.publish.attestation"),
        "--digest", f"sha256:{RFC8785_012_SHA256}",
        "--format", "json",
    ]
    assert main(args) == 1
    report = json.loads(capsys.readouterr().out)
    [bad] = report["findings"]
    assert bad["rule"] == "provenance-invalid" and bad["tier"] == "P0"
    assert {"check": "certificate-chain", "status": "fail"}.items() <= bad["properties"]["checks"][0].items()
    assert main([*args, "--staging"]) == 0
    assert json.loads(capsys.readouterr().out)["stats"]["verified"] == 1


def test_usage_errors(fixtures: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["provenance", "x@1", "--bundle", str(fixtures / "bundleV03-dsse.sigstore"), "--digest", "md5:00"]) == 2
    policy = tmp_path / "p.toml"
    policy.write_text("[provenance]\nbogus = 1\n")
    assert main(["provenance", "x@1", "--offline", "--policy", str(policy)]) == 2
    assert "unknown key 'bogus'" in capsys.readouterr().err
