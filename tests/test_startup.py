"""``--version`` and ``--help`` import no command module, and ``scan`` of one workflow only
what it needs (start-up is measured in bench/startup.py; these guard it structurally)."""

from __future__ import annotations

import ast
import importlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from shipwarden.cli import COMMAND_HELP, COMMAND_MODULES

EXAMPLE = Path(__file__).parents[1] / "examples" / "vulnerable-release"

PROBE = """
import sys
from shipwarden.cli import main
try:
    main([{arg!r}])
except SystemExit:
    pass
print(sorted(m for m in sys.modules if m.startswith("shipwarden.")))
"""


@pytest.mark.parametrize("arg", ["--version", "--help"])
def test_version_and_help_import_no_command(arg: str) -> None:
    done = subprocess.run([sys.executable, "-c", PROBE.format(arg=arg)], capture_output=True, text=True, check=True)
    loaded = done.stdout.strip().splitlines()[-1]
    assert loaded == "['shipwarden.cli']", loaded


def test_command_help_matches_the_modules() -> None:
    assert set(COMMAND_HELP) == set(COMMAND_MODULES)
    for name in COMMAND_MODULES:
        assert COMMAND_HELP[name] == importlib.import_module(f"shipwarden.commands.{name}").HELP, name


SCAN_PROBE = """
import contextlib, io, sys
from shipwarden.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    main(["scan", {root!r}, "--format", "json", "--fail-on", "none", "--quiet"])
print(sorted(sys.modules))
"""

#: What a scan of one GitHub workflow never needs (each is a measurable part of start-up):
#: the package metadata reader (email, sockets), the other CI providers' analyses, worker
#: processes, the fixers, the other commands' analyses and API entries, and zipfile (the
#: packaged tables are read as plain files), importlib.resources (the bash grammar is
#: loaded without the tree_sitter_bash package's __init__, ci/shell/grammar.py).
NOT_FOR_ONE_WORKFLOW = (
    "importlib.metadata",
    "email",
    "socket",
    "multiprocessing",
    "concurrent.futures",
    "shipwarden.ci.gitlab.loader",
    "shipwarden.ci.gitlab.model",
    "shipwarden.ci.gitlab.scan",
    "shipwarden.ci.jenkins.scan",
    "shipwarden.fix",
    "shipwarden.deps",
    "shipwarden.packaging",
    "shipwarden.endpoint",
    "shipwarden.provenance",
    "shipwarden.detonate",
    "shipwarden.assess",
    "shipwarden.api._assess",
    "shipwarden.api._detonate",
    "shipwarden.api._machine",
    "shipwarden.api._packaging",
    "shipwarden.api._provenance",
    "zipfile",
    "importlib.resources",
    "tempfile",
)


def test_scan_of_one_workflow_imports_only_what_it_needs(tmp_path: Path) -> None:
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    shutil.copy(EXAMPLE / ".github" / "workflows" / "release.yml", workflows / "release.yml")
    probe = SCAN_PROBE.format(root=str(tmp_path))
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    loaded = set(ast.literal_eval(done.stdout.strip().splitlines()[-1]))
    assert "shipwarden.ci.github.rules.template_injection" in loaded  # the probe did scan
    unexpected = sorted(m for m in loaded if any(m == n or m.startswith(n + ".") for n in NOT_FOR_ONE_WORKFLOW))
    assert not unexpected, unexpected


def test_a_scan_process_ends_with_its_outputs_and_exit_code(tmp_path: Path) -> None:
    """``scan`` ends without the interpreter's teardown (``cli._end``): the report on
    stdout or in ``--output``, the notes on stderr and the exit code are all there,
    and an ``atexit`` duty still runs."""
    argv = [sys.executable, "-m", "shipwarden", "scan", str(EXAMPLE), "--format", "json", "-q"]
    printed = subprocess.run([*argv, "--fail-on", "P2"], capture_output=True, text=True, check=False)
    assert printed.returncode == 1 and printed.stdout.startswith("{") and printed.stdout.endswith("}\n")
    report = tmp_path / "out" / "report.json"
    written = subprocess.run([*argv, "--fail-on", "none", "-o", str(report)], capture_output=True, text=True)
    assert written.returncode == 0 and written.stdout == ""
    assert report.read_text(encoding="utf-8") == printed.stdout
    marker = tmp_path / "atexit-ran"
    probe = (
        "import atexit, pathlib, sys\n"
        f"atexit.register(pathlib.Path({str(marker)!r}).write_text, 'yes')\n"
        "from shipwarden.cli import main\n"
        f"sys.argv = ['shipwarden', 'scan', {str(EXAMPLE)!r}, '-q', '--fail-on', 'none']\n"
        "main()\n"
        "print('not reached: the scan ended the process')\n"
    )
    ended = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert "not reached" not in ended.stdout and ended.stdout.strip()
    assert marker.read_text(encoding="utf-8") == "yes"


GRAMMAR_PROBE = """
import sys
import tree_sitter
from shipwarden.ci.shell import grammar
ours = tree_sitter.Language(grammar.language())
assert "tree_sitter_bash" not in sys.modules and "importlib.resources" not in sys.modules
import tree_sitter_bash
assert ours == tree_sitter.Language(tree_sitter_bash.language())
"""


def test_the_bash_grammar_is_the_package_s_without_its_init() -> None:
    subprocess.run([sys.executable, "-c", GRAMMAR_PROBE], check=True)
