"""`gate --against PREVIOUS`: release diff from a file or a registry spec (recorded, no network)."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import gatefixtures as gf
import pytest
from gatehelpers import gate

from shipwarden.registry import RecordedTransport

BIG_MAP = gf.source_map(n_files=40, lines=400)  # ~0.9 MB: the release grows several times


def previous_tarball(path: Path) -> Path:
    return gf.npm_tarball(
        path,
        {
            "package.json": gf.pkg_json(
                version="0.9.0", files=["dist"], main="dist/cli.js", dependencies={"left-pad": "^1.3.0"}
            ),
            "dist/cli.js": "x" * 150_000,
            "README.md": "# fixture\n",
        },
    )


def current_package(root: Path) -> Path:
    return gf.write(
        root,
        {
            "package.json": gf.pkg_json(
                files=["dist"],
                main="dist/cli.js",
                bin={"fixture": "dist/cli.js"},
                scripts={"postinstall": "node dist/setup.js"},
                dependencies={"left-pad": "^1.3.0"},
                optionalDependencies={
                    "@fixture/setup": "github:fixture/router#79ac49eedf774dd4b0cfa308722bc463cfe5885c"
                },
            ),
            "dist/cli.js": "x" * 150_000 + "\n//# sourceMappingURL=cli.js.map\n",
            "dist/cli.js.map": BIG_MAP,
            "dist/setup.js": "require('child_process')\n",
            "README.md": "# fixture\n",
        },
    )


def diff_rules(result) -> dict[str, list]:  # type: ignore[no-untyped-def]
    out: dict[str, list] = {}
    for f in result.report.findings:
        if f.rule_id.startswith("gate-diff-"):
            out.setdefault(f.rule_id, []).append(f)
    return out


def test_against_previous_tarball(tmp_path: Path) -> None:
    prev = previous_tarball(tmp_path / "fixture-pkg-0.9.0.tgz")
    root = current_package(tmp_path / "pkg")
    result = gate(root, against=str(prev))
    (diff,) = result.diffs
    assert diff.added == ["dist/cli.js.map", "dist/setup.js"] and diff.removed == []
    assert diff.size_ratio > 4
    found = diff_rules(result)
    assert set(found) == {
        "gate-diff-new-files",
        "gate-diff-growth",
        "gate-diff-install-script",
        "gate-diff-dependency",
        "gate-diff-bin",
    }
    assert found["gate-diff-growth"][0].tier.value == "P1"
    (dep,) = found["gate-diff-dependency"]
    assert dep.tier.value == "P1" and "git" in dep.message
    assert "fixture-pkg@0.9.0" in found["gate-diff-new-files"][0].message


def test_against_identical_release_is_quiet(tmp_path: Path) -> None:
    prev = previous_tarball(tmp_path / "a.tgz")
    same = previous_tarball(tmp_path / "b.tgz")
    result = gate(same, against=str(prev))
    assert diff_rules(result) == {} and len(result.diffs) == 1


def _packument(name: str, version: str, tarball_url: str, data: bytes) -> bytes:
    integrity = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    return json.dumps(
        {
            "name": name,
            "dist-tags": {"latest": version},
            "versions": {
                version: {"name": name, "version": version, "dist": {"tarball": tarball_url, "integrity": integrity}}
            },
        }
    ).encode()


@pytest.fixture
def registry_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("NPM_CONFIG_REGISTRY", gf.REGISTRY)
    monkeypatch.setenv("PIP_INDEX_URL", gf.INDEX)
    recordings = tmp_path / "recordings"
    recordings.mkdir()
    return recordings


def test_against_npm_spec_through_configured_registry(tmp_path: Path, registry_env: Path) -> None:
    prev = previous_tarball(tmp_path / "prev.tgz").read_bytes()
    url = gf.REGISTRY + "fixture-pkg/-/fixture-pkg-0.9.0.tgz"
    RecordedTransport.record(registry_env, gf.REGISTRY + "fixture-pkg", _packument("fixture-pkg", "0.9.0", url, prev))
    RecordedTransport.record(registry_env, url, prev)
    transport = RecordedTransport(registry_env)
    root = current_package(tmp_path / "pkg")
    result = gate(root, against="npm:fixture-pkg@latest", transport=transport, cache_dir=tmp_path / "cache")
    assert result.report.errors == []
    assert "gate-diff-growth" in diff_rules(result)
    assert transport.requests == [gf.REGISTRY + "fixture-pkg", url]
    # cached: a second run makes no request at all
    again = RecordedTransport(registry_env)
    gate(root, against="npm:fixture-pkg@latest", transport=again, cache_dir=tmp_path / "cache")
    assert again.requests == []


def test_against_npm_integrity_mismatch_is_an_error(tmp_path: Path, registry_env: Path) -> None:
    prev = previous_tarball(tmp_path / "prev.tgz").read_bytes()
    url = gf.REGISTRY + "fixture-pkg/-/fixture-pkg-0.9.0.tgz"
    RecordedTransport.record(
        registry_env, gf.REGISTRY + "fixture-pkg", _packument("fixture-pkg", "0.9.0", url, b"other")
    )
    RecordedTransport.record(registry_env, url, prev)
    result = gate(
        current_package(tmp_path / "pkg"),
        against="npm:fixture-pkg@0.9.0",
        transport=RecordedTransport(registry_env),
        cache_dir=tmp_path / "cache",
    )
    (error,) = result.report.errors
    assert error.kind == "against" and "integrity" in error.message
    assert diff_rules(result) == {}


def test_against_pypi_spec_new_pth(tmp_path: Path, registry_env: Path) -> None:
    (tmp_path / "old").mkdir()
    old = gf.harmless_pth_wheel(tmp_path / "old")
    data = old.read_bytes()
    file_url = "https://files.example.invalid/fixture-0.9.0-py3-none-any.whl"
    index = {
        "meta": {"api-version": "1.0"},
        "name": "fixture",
        "files": [
            {
                "filename": "fixture-0.9.0-py3-none-any.whl",
                "url": file_url,
                "hashes": {"sha256": hashlib.sha256(data).hexdigest()},
            },
            {
                "filename": "fixture-0.8.0.tar.gz",
                "url": "https://files.example.invalid/fixture-0.8.0.tar.gz",
                "hashes": {},
            },
        ],
    }
    RecordedTransport.record(registry_env, gf.INDEX + "fixture/", json.dumps(index).encode())
    RecordedTransport.record(registry_env, file_url, data)
    current = gf.malicious_pth_wheel(tmp_path)
    result = gate(
        current, against="pypi:fixture==0.9.0", transport=RecordedTransport(registry_env), cache_dir=tmp_path / "c"
    )
    assert result.report.errors == []
    found = diff_rules(result)
    assert [f.properties["path"] for f in found["gate-diff-pth"]] == ["fixture_init.pth"]
    assert result.diffs[0].removed == ["fixture-paths.pth"]


def test_against_missing_version_and_bad_spec(tmp_path: Path, registry_env: Path) -> None:
    RecordedTransport.record(registry_env, gf.INDEX + "fixture/", b'{"files": []}')
    result = gate(
        gf.harmless_pth_wheel(tmp_path),
        against="pypi:fixture==9.9",
        transport=RecordedTransport(registry_env),
        cache_dir=tmp_path / "c",
    )
    assert result.report.errors[0].kind == "against"
    result = gate(gf.harmless_pth_wheel(tmp_path), against=str(tmp_path / "nope.tgz"))
    assert "not a package archive" in result.report.errors[0].message


class _Missing:
    def get(self, url: str, headers: object, max_bytes: int) -> bytes:
        from shipwarden.registry import NotFoundError

        raise NotFoundError(f"{url}: not found (HTTP 404)")


def test_first_release_skips_the_diff_with_a_note(tmp_path: Path, registry_env: Path) -> None:
    result = gate(current_package(tmp_path / "pkg"), against="npm:fixture-pkg@latest", transport=_Missing(),
                  cache_dir=tmp_path / "c")
    assert result.report.errors == [] and result.diffs == []
    assert any("no previous release" in note for note in result.notes)
