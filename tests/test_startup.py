"""``--version`` and ``--help`` import no command module (start-up is measured in bench/startup.py)."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

from shipwarden.cli import COMMAND_HELP, COMMAND_MODULES

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
