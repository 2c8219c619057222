"""CycloneDX 1.6 SBOMs from ``deps --format cyclonedx`` and ``gate --sbom``,
validated against the CycloneDX schema that cyclonedx-python-lib ships."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from pathlib import Path
from typing import Any

import pytest

from shipwarden.cli import main
from shipwarden.sbom import validate

LOCKFILES = Path(__file__).resolve().parents[1] / "deps" / "fixtures" / "lockfiles"


def _deps_sbom(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[str, dict[str, Any]]:
    main(["deps", *args, "--format", "cyclonedx", "--fail-on", "none"])
    text = capsys.readouterr().out
    return text, json.loads(text)


def test_deps_sbom_is_valid_cyclonedx_with_facts(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    text, doc = _deps_sbom(capsys, str(LOCKFILES))
    assert validate(text) is None
    assert doc["specVersion"] == "1.6" and doc["bomFormat"] == "CycloneDX"
    comps = doc["components"]
    assert comps and all(c["purl"].startswith(("pkg:npm/", "pkg:pypi/")) for c in comps)
    props = {p["name"] for c in comps for p in c.get("properties", [])}
    assert {"shipwarden:source", "shipwarden:lockfile", "shipwarden:install-script"} <= props
    assert "shipwarden:install-hooks" in props  # the fixtures lock packages with install scripts
    assert any(c.get("hashes") for c in comps)
    # deterministic
    again, _ = _deps_sbom(capsys, str(LOCKFILES))
    assert again == text


def _tarball(path: Path, manifest: dict[str, Any]) -> Path:
    data = json.dumps(manifest).encode()
    with tarfile.open(path, "w:gz") as tar:
        info = tarfile.TarInfo("package/package.json")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
        body = b"module.exports = 1\n"
        info = tarfile.TarInfo("package/index.js")
        info.size = len(body)
        tar.addfile(info, io.BytesIO(body))
    return path


def test_gate_writes_the_sbom_of_the_reviewed_artifact(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tgz = _tarball(
        tmp_path / "widget-1.2.3.tgz",
        {"name": "@acme/widget", "version": "1.2.3", "dependencies": {"left-pad": "^1.3.0"}, "scripts": {"postinstall": "node x.js"}},
    )
    out = tmp_path / "sbom.json"
    main(["gate", str(tgz), "--sbom", str(out), "-q", "--fail-on", "none", "--format", "json"])
    capsys.readouterr()
    text = out.read_text()
    assert validate(text) is None
    doc = json.loads(text)
    root = doc["metadata"]["component"]
    assert root["purl"] == "pkg:npm/%40acme/widget@1.2.3" and root["group"] == "@acme"
    assert {"alg": "SHA-512", "content": hashlib.sha512(tgz.read_bytes()).hexdigest()} in root["hashes"]
    props = {p["name"]: p["value"] for p in root["properties"]}
    assert props["shipwarden:install-time-code"] == "true" and props["shipwarden:artifact-kind"] == "npm-tarball"
    assert [c["name"] for c in doc["components"]] == ["left-pad"]
    assert any(d.get("dependsOn") == ["pkg:npm/left-pad"] for d in doc["dependencies"])


def test_validator_rejects_a_broken_document() -> None:
    assert validate(json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [{"name": 1}]}))


def test_gate_sbom_never_touches_the_reviewed_artifact(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tgz = _tarball(tmp_path / "w-1.0.0.tgz", {"name": "w", "version": "1.0.0"})
    before = tgz.read_bytes()
    main(["gate", str(tgz), "--sbom", str(tmp_path / "out.json"), "-q", "--fail-on", "none"])
    capsys.readouterr()
    assert tgz.read_bytes() == before
