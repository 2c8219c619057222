"""No control character from the input reaches a terminal or a CI log (issue 10, class 7).

Hostile names carry ESC sequences (clear screen, window title, OSC 8
hyperlinks), BEL, CR, C1 controls and bidirectional overrides: a workflow
file name, a job id written with YAML escapes, an npm package name in
``node_modules``, an archive member name, an over-long name. ``text`` and
``github`` output show them as visible escapes; JSON and SARIF stay valid
and carry them only as JSON escapes.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import tarfile
from pathlib import Path

import pytest

from shipwarden import cli
from shipwarden.reporting.emit import finalize, neutralise

EVIL = "\x1b]0;owned\x07\x1b[2J\x1b]8;;https://evil.example.invalid\x1b\\link\x1b]8;;\x1b\\\r\x9b31m\u202egnp.exe"
#: Anything a terminal acts on: C0 but newline and tab, DEL, C1, bidi controls.
ACTIVE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")
RAW_IN_JSON = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def _project(root: Path) -> None:
    wf = root / ".github" / "workflows"
    wf.mkdir(parents=True)
    (wf / f"ci{EVIL[:12]}.yml").write_text(
        "on: pull_request_target\n"
        "jobs:\n"
        '  "b\\e]0;pwned\\a\\e[2J\\u202e":\n'
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        "      - uses: actions/checkout@v4\n"
        "        with:\n"
        "          ref: ${{ github.event.pull_request.head.sha }}\n"
        "      - run: echo \"${{ github.event.pull_request.title }}\"\n",
        encoding="utf-8",
    )
    name = "evil" + EVIL[:10] + "x" * 300
    (root / "package.json").write_text(json.dumps({"name": name, "version": "1.0.0",
                                                   "scripts": {"postinstall": f"node {EVIL}.js"}}), encoding="utf-8")
    nm = root / "node_modules" / "evil"
    nm.mkdir(parents=True)
    (nm / "package.json").write_text(json.dumps({"name": name, "version": "1.0.0",
                                                 "scripts": {"postinstall": f"echo {EVIL}"}}), encoding="utf-8")
    (root / "package-lock.json").write_text(json.dumps({
        "name": "x", "lockfileVersion": 3,
        "packages": {"": {"name": "x"}, "node_modules/evil": {"version": "1.0.0", "hasInstallScript": True}},
    }), encoding="utf-8")


def _tarball(path: Path) -> None:
    with tarfile.open(path, "w:gz") as tar:
        for member, data in (("package/package.json", json.dumps({"name": "t" + EVIL[:8], "version": "1.0.0",
                                                                  "scripts": {"postinstall": "node x.js"}})),
                             (f"package/.env{EVIL[:16]}", "A=1\n"),
                             (f"package/{'d' * 90}/{EVIL}{'n' * 120}.key", "k\n")):
            info = tarfile.TarInfo(member)
            raw = data.encode()
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))


def _home(home: Path) -> None:
    home.mkdir()
    (home / ".npmrc").write_text("//r.example.invalid/:_authToken=npm_" + "Ab1" * 12 + "\n")
    (home / ".npmrc").chmod(0o644)
    (home / ".ssh").mkdir()
    (home / ".ssh" / f"id{EVIL[:14]}").write_text("x\n")


def _run(argv: list[str], capfd: pytest.CaptureFixture[str]) -> tuple[str, str]:
    with contextlib.suppress(SystemExit):
        cli.main(argv)
    out, err = capfd.readouterr()
    return out, err


@pytest.mark.parametrize("fmt", ["text", "github", "json", "sarif"])
def test_hostile_names_are_neutralised(fmt: str, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    root, home, tgz = tmp_path / "p", tmp_path / "home", tmp_path / "pkg.tgz"
    root.mkdir()
    _project(root)
    _tarball(tgz)
    _home(home)
    runs = {
        "scan": ["scan", str(root)],
        "deps": ["deps", str(root)],
        "gate": ["gate", str(tgz), "--packlist", "builtin"],
        "endpoint": ["endpoint", str(home), "--no-env"],
    }
    for name, argv in runs.items():
        out, err = _run([*argv, "--format", fmt, "--fail-on", "none"], capfd)
        assert not ACTIVE.search(err), f"{name}: stderr carries a control character: {err!r}"
        if fmt in ("json", "sarif"):
            json.loads(out)
            assert not RAW_IN_JSON.search(out), f"{name}: raw C1/bidi in {fmt}"
            assert "\x1b" not in out
        else:
            assert not ACTIVE.search(out), f"{name}: {fmt} output carries a control character"
    # the hostile job id was read and shown as escapes
    out, _ = _run(["scan", str(root), "--format", "text", "--fail-on", "none"], capfd)
    assert "\\x1b" in out


def test_finalize_keeps_only_colours_with_color() -> None:
    text = "\x1b[1mbold\x1b[0m " + EVIL
    shown = finalize(text, "text", color=True)
    assert shown.startswith("\x1b[1mbold\x1b[0m ")
    assert not ACTIVE.search(shown.replace("\x1b[1m", "").replace("\x1b[0m", ""))
    assert not ACTIVE.search(finalize(text, "text"))
    assert neutralise("a\tb\nc") == "a\tb\nc"
    assert json.loads(finalize(json.dumps({"k": EVIL}, ensure_ascii=False), "json"))["k"] == EVIL
