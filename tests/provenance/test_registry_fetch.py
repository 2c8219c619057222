"""The fetch path: attestations and release history through the user's registry
configuration, against a real HTTP server on 127.0.0.1 serving recorded
registry responses (built here from the real bundles), and then from the cache."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from provhelpers import PYPI_ATTESTATIONS_0019_SHA256, SIGSTORE_100_SHA512, Server, sri

from shipwarden.cli import main

NPM_PUBLISH = "https://github.com/npm/attestation/tree/main/specs/publish/v0.1"


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Server]:
    srv = Server()
    srv.thread.start()
    monkeypatch.setenv("npm_config_registry", srv.url + "/npm/")
    monkeypatch.setenv("PIP_INDEX_URL", srv.url + "/simple/")
    monkeypatch.setenv("SHIPWARDEN_CACHE_DIR", str(tmp_path / "cache"))
    yield srv
    srv.httpd.shutdown()
    srv.httpd.server_close()


def _npm_records(srv: Server, fixtures: Path, *, drop_latest: bool = False) -> None:
    bundle = json.loads((fixtures / "bundleV03-intoto.sigstore").read_text())
    older = json.loads((fixtures / "bundleV03-dsse.sigstore").read_text())
    versions: dict[str, Any] = {
        "0.9.0": {"dist": {"attestations": {"url": "/npm/-/npm/v1/attestations/sigstore@0.9.0"}}, "_npmUser": {"name": "m"}},
        "1.0.0": {
            "dist": {"integrity": sri(SIGSTORE_100_SHA512), "tarball": srv.url + "/npm/sigstore/-/sigstore-1.0.0.tgz"},
            "_npmUser": {"name": "m"},
        },
    }
    if not drop_latest:
        versions["1.0.0"]["dist"]["attestations"] = {"url": "/npm/-/npm/v1/attestations/sigstore@1.0.0"}
    srv.json(
        "/npm/sigstore",
        {
            "name": "sigstore",
            "dist-tags": {"latest": "1.0.0"},
            "versions": versions,
            "time": {"0.9.0": "2023-06-01T10:00:00.000Z", "1.0.0": "2023-07-12T15:34:00.000Z"},
        },
    )
    for v, b in (("1.0.0", bundle), ("0.9.0", older)):
        srv.json(f"/npm/-/npm/v1/attestations/sigstore@{v}", {"attestations": [{"predicateType": NPM_PUBLISH, "bundle": b}]})


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any], str]:
    code = main(argv + ["--format", "json"])
    out = capsys.readouterr()
    return code, json.loads(out.out), out.err


def test_npm_attestations_through_the_configured_registry(
    server: Server, fixtures: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _npm_records(server, fixtures)
    code, report, err = _run(["provenance", "sigstore@1.0.0", "--fail-on", "P1"], capsys)
    assert code == 0, err
    assert report["stats"]["verified"] == 1 and report["stats"]["bundles"] == 1
    assert "subject-digest: sha512 of pkg:npm/sigstore@1.0.0" in err  # the registry's integrity is the digest
    assert "/npm/-/npm/v1/attestations/sigstore@0.9.0" in server.hits  # the previous version's claims
    # a second run is served from the cache, with the server gone
    server.routes.clear()
    code, report, err = _run(["provenance", "sigstore@1.0.0", "--fail-on", "P1"], capsys)
    assert code == 0 and report["stats"]["verified"] == 1, err


def test_npm_dropped_provenance_is_reported(server: Server, fixtures: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _npm_records(server, fixtures, drop_latest=True)
    code, report, err = _run(["provenance", "sigstore@1.0.0"], capsys)
    ids = {f["rule"] for f in report["findings"]}
    assert "provenance-dropped" in ids and code == 1


def test_pypi_provenance_through_the_configured_index(
    server: Server, fixtures: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name = "pypi_attestations-0.0.19.tar.gz"
    server.json(
        "/simple/pypi-attestations/",
        {
            "name": "pypi-attestations",
            "files": [
                {
                    "filename": name,
                    "url": f"{server.url}/files/{name}",
                    "hashes": {"sha256": PYPI_ATTESTATIONS_0019_SHA256},
                    "provenance": f"{server.url}/integrity/pypi-attestations/0.0.19/{name}/provenance",
                    "upload-time": "2024-12-04T23:14:30.000Z",
                }
            ],
        },
        "application/vnd.pypi.simple.v1+json",
    )
    server.routes[f"/integrity/pypi-attestations/0.0.19/{name}/provenance"] = (
        (fixtures / f"{name}.provenance").read_bytes(),
        "application/json",
    )
    code, report, err = _run(["provenance", "pypi-attestations==0.0.19"], capsys)
    assert code == 0, err
    assert report["stats"]["verified"] == 1
    assert "pypi-attestations: pypi-attestations agrees" in err
    assert "trailofbits/pypi-attestations .github/workflows/release.yml refs/tags/v0.0.19" in err


def test_offline_without_bundles_fetches_nothing(server: Server, capsys: pytest.CaptureFixture[str]) -> None:
    code, report, err = _run(["provenance", "sigstore@1.0.0", "--offline"], capsys)
    assert not server.hits and report["stats"]["bundles"] == 0
    assert "no attestation found" in err


def test_registry_key_signed_publish_attestation_is_skipped_not_invalid(
    server: Server, fixtures: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """npm serves its own publish attestation signed with the registry's key
    (``verificationMaterial.publicKey``) beside the Fulcio-signed provenance."""
    _npm_records(server, fixtures)
    bundle = json.loads((fixtures / "bundleV03-intoto.sigstore").read_text())
    keyed = json.loads((fixtures / "bundleV03-dsse.sigstore").read_text())
    keyed["verificationMaterial"] = {"publicKey": {"hint": "SHA256:test"}, "tlogEntries": keyed["verificationMaterial"]["tlogEntries"]}
    server.json(
        "/npm/-/npm/v1/attestations/sigstore@1.0.0",
        {"attestations": [{"predicateType": NPM_PUBLISH, "bundle": keyed}, {"predicateType": "https://slsa.dev/provenance/v1", "bundle": bundle}]},
    )
    code, report, err = _run(["provenance", "sigstore@1.0.0"], capsys)
    assert report["stats"]["bundles"] == 2 and report["stats"]["verified"] == 1
    assert not [f for f in report["findings"] if f["rule"] == "provenance-invalid"]
    assert "skipped — signed with a registry key (hint SHA256:test)" in err
