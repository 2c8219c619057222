"""``api.provenance``, ``api.detonate`` and ``api.assess``: the same options → result
shape as the other analyses, and the command line's findings."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from shipwarden import api
from shipwarden.cli import main

TESTS = Path(__file__).resolve().parents[1]
EXAMPLE = TESTS.parent / "examples" / "vulnerable-release"
PROVENANCE = TESTS.parents[1] / "shared" / "fixtures" / "provenance"
#: sha512 of sigstore-1.0.0's npm tarball, the subject of the shared bundleV0x fixtures
SIGSTORE_100_SHA512 = (
    "7bea9f6e7ff37f5fab0b36bf061200fff03099fd2fd696b91d04bc5e4f225eb9"
    "fd6e0cadcad54ba980f43fb352a99e8810b4e0abeb5c0ef2cf9108cd1f258b36"
)

sys.path.insert(0, str(TESTS / "sandbox"))
from sandboxtools import needs_sandbox, needs_strace  # noqa: E402


def _cli(argv: list[str], tmp_path: Path) -> dict[str, object]:
    out = tmp_path / "cli.json"
    main([*argv, "--format", "json", "--fail-on", "none", "--output", str(out)])
    report: dict[str, object] = json.loads(out.read_text())
    return report


@pytest.fixture
def bundles() -> Path:
    if not (PROVENANCE / "bundleV03-intoto.sigstore").is_file():
        pytest.skip(f"the shared provenance fixtures are absent ({PROVENANCE})")
    return PROVENANCE


def test_provenance_verifies_bundles_offline(bundles: Path, tmp_path: Path) -> None:
    files = (bundles / "bundleV03-intoto.sigstore", bundles / "bundleV01-intoto-with-proof.sigstore")
    options = api.ProvenanceOptions(target="sigstore@1.0.0", bundles=files, digest=f"sha512:{SIGSTORE_100_SHA512}",
                                    offline=True, config=api.Config())
    result = api.provenance(options)
    assert isinstance(result, api.ProvenanceResult) and not result.missing
    assert result.stats["verified"] == 2 and result.errors == []
    assert [f.rule_id for f in result.findings] == ["provenance-person-signed"]
    assert any("pass     subject-digest" in line for line in result.summary())
    assert result.exit_code("P1") == 0 and result.exit_code("P2") == 1
    argv = ["provenance", "sigstore@1.0.0", *(a for f in files for a in ("--bundle", str(f))),
            "--digest", f"sha512:{SIGSTORE_100_SHA512}", "--offline"]
    cli = _cli(argv, tmp_path)
    assert [f["fingerprint"] for f in cli["findings"]] == [f.fingerprint for f in result.findings]  # type: ignore[attr-defined]


def test_provenance_refuses_what_it_cannot_read(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="sha256:HEX"):
        api.provenance(api.ProvenanceOptions(target="x@1", digest="md5:00", offline=True, config=api.Config()))
    policy = tmp_path / "p.toml"
    policy.write_text("[provenance]\nbogus = 1\n")
    with pytest.raises(api.ConfigError, match="bogus"):
        api.provenance(api.ProvenanceOptions(target="x@1", policy=policy, offline=True, config=api.Config()))
    missing = api.provenance(api.ProvenanceOptions(target="x@1", offline=True, config=api.Config()))
    assert missing.missing and missing.findings == [] and missing.notes


def test_detonate_refuses_bad_limits_before_the_sandbox() -> None:
    with pytest.raises(ValueError, match="positive"):
        api.detonate(api.DetonateOptions(targets=("pkg",), timeout=0, config=api.Config()))


@needs_sandbox
@needs_strace
def test_detonate_reports_a_credential_read(tmp_path: Path) -> None:
    pkg = tmp_path / "reader"
    pkg.mkdir()
    (pkg / "package.json").write_text(json.dumps(
        {"name": "reader-fixture", "version": "1.0.0", "scripts": {"postinstall": "node read.js"}}))
    (pkg / "read.js").write_text("require('fs').readFileSync(require('os').homedir() + '/.npmrc', 'utf8');\n")
    result = api.detonate(api.DetonateOptions(targets=(str(pkg),), timeout=60, memory_mib=4096, config=api.Config()))
    assert isinstance(result, api.DetonateResult) and result.observations, result.errors
    assert "detonate-credential-read" in {f.rule_id for f in result.findings}
    assert result.notes and all("reader-fixture@1.0.0" in n for n in result.notes)


def test_assess_composes_the_analyses(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    shutil.copytree(EXAMPLE, root)
    result = api.assess(api.AssessOptions(root=root, config=api.Config()))
    assert isinstance(result, api.AssessResult)
    assert {"scan", "deps"} <= set(result.assessment.scope.analyses)
    # its workflow findings are exactly api.scan's, through the same pipeline
    scanned = {f.fingerprint for f in api.scan(api.ScanOptions(roots=(root,), jobs=1, config=api.Config())).findings}
    assert scanned and scanned <= {f.fingerprint for f in result.findings}
    assert result.exit_code("P1") & 1 and result.exit_code("none") & 1 == 0
    assert result.summary().startswith("repo: assessed")
    written = result.write(markdown=tmp_path / "a.md", badge=tmp_path / "b.svg")
    assert [p.name for p in written] == ["a.md", "b.svg"] and all(p.is_file() for p in written)
    # select applies to every analysis it runs
    only = api.assess(api.AssessOptions(root=root, select=("unpinned-uses",), config=api.Config()))
    assert only.findings and {f.rule_id for f in only.findings} == {"unpinned-uses"}


def test_assess_records_its_history(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    shutil.copytree(EXAMPLE, root)
    db = tmp_path / "history.sqlite3"
    first = api.assess(api.AssessOptions(root=root, record=True, db=str(db), config=api.Config()))
    second = api.assess(api.AssessOptions(root=root, record=True, db=str(db), config=api.Config()))
    assert first.assessment.id is not None and second.assessment.previous_at is not None
    assert second.assessment.new_count == 0
