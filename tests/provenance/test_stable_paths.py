"""A bundle gets one name in findings whichever way it was typed (``x``, ``./x``,
an absolute path, through a symbolic link to its folder), so its findings keep one
fingerprint; a baseline written with the name as typed still matches."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from provhelpers import RFC8785_012_SHA256, SIGSTORE_100_SHA512

from shipwarden import api
from shipwarden.cli import main
from shipwarden.core.baseline import apply_baseline
from shipwarden.core.findings import Finding, fingerprint_of
from shipwarden.provenance.check import stable_name

CONFIG = api.Config()  # no configuration file of the checkout applies
RFC = "rfc8785-0.1.2-py3-none-any.whl.publish.attestation"  # fails on the production root: provenance-invalid
NPM = "bundleV03-intoto.sigstore"  # a person signed it: provenance-person-signed


def test_stable_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.json").write_text("{}")
    (tmp_path / "link").symlink_to(tmp_path / "sub")
    (tmp_path / "self").symlink_to(tmp_path)
    monkeypatch.chdir(tmp_path)
    forms = ["sub/b.json", "./sub/b.json", "sub/./b.json", "link/b.json", "self/sub/b.json",
             str(tmp_path / "sub" / "b.json"), str(tmp_path / "link" / "b.json"), "sub/../sub/b.json"]
    assert {stable_name(Path(f)) for f in forms} == {"sub/b.json"}
    # outside the working directory: the absolute path, its folders' links resolved
    monkeypatch.chdir(tmp_path / "sub")
    assert stable_name(Path("../self/sub/b.json")) == "b.json"
    out = tmp_path / "elsewhere"
    out.mkdir()
    assert stable_name(Path("../link/../elsewhere/c.json")) == (tmp_path / "elsewhere" / "c.json").resolve().as_posix()
    assert stable_name(tmp_path / "self" / "elsewhere" / "c.json", cwd=tmp_path / "link") == (
        (tmp_path / "elsewhere" / "c.json").resolve().as_posix())


#: (bundle, target, digest, rule) of the two shared real bundles: one fails a check, one is person-signed
BUNDLES = [
    (RFC, "rfc8785==0.1.2", f"sha256:{RFC8785_012_SHA256}", "provenance-invalid"),
    (NPM, "sigstore@1.0.0", f"sha512:{SIGSTORE_100_SHA512}", "provenance-person-signed"),
]


def _run(bundle: str, target: str, digest: str) -> list[Finding]:
    return api.provenance(api.ProvenanceOptions(
        target=target, bundles=(Path(bundle),), digest=digest, offline=True, config=CONFIG, pipeline=False,
    )).findings


def _forms(fixtures: Path, tmp_path: Path, name: str) -> list[str]:
    (tmp_path / "fx").symlink_to(fixtures)
    return [name, f"./{name}", str(fixtures / name), str(tmp_path / "fx" / name), f"../{fixtures.name}/{name}"]


@pytest.mark.parametrize(("name", "target", "digest", "rule"), BUNDLES)
def test_one_fingerprint_whichever_way_typed(
    fixtures: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, target: str, digest: str, rule: str
) -> None:
    forms = _forms(fixtures, tmp_path, name)
    monkeypatch.chdir(fixtures)  # read only: nothing is written there
    runs = {form: _run(form, target, digest) for form in forms}
    for form, found in runs.items():
        assert [(f.rule_id, f.primary.path) for f in found] == [(rule, name)], form
        assert "./" not in found[0].message and str(fixtures) not in found[0].message
    assert len({f.fingerprint for found in runs.values() for f in found}) == 1
    # from another folder the name is the absolute path, the same for every form
    monkeypatch.chdir(tmp_path)
    elsewhere = {_run(str(fixtures / name), target, digest)[0].fingerprint,
                 _run(f"fx/{name}", target, digest)[0].fingerprint}
    assert len(elsewhere) == 1


def _old_fingerprint(rule: str, typed: str, target: str, failed: str = "") -> str:
    """The fingerprint the finding had when it named the bundle as typed (before commit e21f36e)."""
    package = target.split("==")[0].split("@")[0]
    key = f"{package}|{typed}|{failed}" if rule == "provenance-invalid" else f"{package}|person"
    return fingerprint_of(rule, typed, key)


@pytest.mark.parametrize(("name", "target", "digest", "rule"), BUNDLES)
def test_old_baselines_keep_matching(
    fixtures: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, target: str, digest: str, rule: str
) -> None:
    monkeypatch.chdir(fixtures)
    (tmp_path / "fx").symlink_to(fixtures)
    for typed in (str(fixtures / name), str(tmp_path / "fx" / name), f"../{fixtures.name}/{name}"):
        [f] = _run(typed, target, digest)
        failed = next((c["check"] for c in f.properties.get("checks", []) if c["status"] == "fail"), "")
        old = _old_fingerprint(rule, typed, target, failed)
        assert f.fingerprint != old and f.previous_path == typed
        assert f.previous_fingerprint == old
        assert apply_baseline([f], frozenset({old})) == ([], 1)
    # typed as it is named: nothing to carry
    [f] = _run(name, target, digest)
    assert f.previous_path == "" and f.previous_fingerprint == ""


def test_cli_baseline_across_forms(fixtures: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    forms = _forms(fixtures, tmp_path, RFC)
    baseline = tmp_path / "baseline.json"
    monkeypatch.chdir(fixtures)
    args = ["provenance", "rfc8785==0.1.2", "--digest", f"sha256:{RFC8785_012_SHA256}", "--offline", "-q",
            "--format", "json"]
    assert main([*args, "--bundle", forms[2], "--write-baseline", str(baseline)]) == 0
    capsys.readouterr()
    for form in forms:
        assert main([*args, "--bundle", form, "--baseline", str(baseline)]) == 0, form
        report = json.loads(capsys.readouterr().out)
        assert report["findings"] == [] and report["summary"]["baselined"] == 1
    assert [e["path"] for e in json.loads(baseline.read_text())["findings"]] == [RFC]
    assert Path(os.getcwd()) == fixtures.resolve()  # getcwd() names the folder with its links resolved
