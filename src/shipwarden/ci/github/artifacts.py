"""Where a downloaded artifact lands and whether a later step runs it or only hands it on.

An artifact extracted into the workspace may overwrite the checked-out code, so anything
run after it runs the artifact; one extracted into its own folder is run only by a step
that executes something inside that folder (the table in ``data/artifacts.toml``).
"""

from __future__ import annotations

import re
import shlex
from functools import cache

from shipwarden.ci.github.model import Step
from shipwarden.ci.github.records import Exec
from shipwarden.core.structs import struct
from shipwarden.core.tables import load_table

_WORKSPACE = {"", ".", "./", "${{ github.workspace }}"}
_GH_DIR = re.compile(r"\bgh\s+run\s+download\b[^\n]*?\s(?:-D|--dir)[= ]\s*['\"]?([^\s'\"]+)")
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


@struct(frozen=True)
class _RunTable:
    interpreters: frozenset[str]
    code_options: frozenset[str]


@cache
def _table() -> _RunTable:
    raw = load_table("shipwarden.ci.github", "artifacts.toml")["run"]
    return _RunTable(frozenset(raw["interpreters"]), frozenset(raw["code_options"]))


def destination(step: Step) -> str | None:
    """None when a download's artifacts land in the workspace (and may overwrite the
    checked-out code); else the last component of the folder they are extracted to."""
    if step.run is not None:
        m = _GH_DIR.search(step.run.value)
        value = m.group(1) if m else ""
    else:
        node = step.with_.get("path")
        value = node.value.strip() if node is not None else ""
    if value in _WORKSPACE:
        return None
    return value.rstrip("/").rsplit("/", 1)[-1] or None


def _inside(word: str, folder: str) -> bool:
    return re.search(r"(?:^|/)" + re.escape(folder) + r"(?:/|$)", word.strip("'\"")) is not None


def _words(text: str) -> list[str]:
    try:
        return shlex.split(text, comments=True)
    except ValueError:
        return text.split()


def artifact_runs(ex: Exec, folder: str | None) -> bool:
    """Does ``ex`` run what a download put in ``folder`` (None: the workspace itself)?"""
    if folder is None:
        return True
    wd = ex.step.working_directory
    if wd is not None and _inside(wd, folder):
        return True
    if ex.step.run is None or ex.start < 0:
        return folder in ex.what  # a whole step: a local action inside the folder
    table = _table()
    words = [w for w in _words(ex.step.run.value[ex.start : ex.end]) if not _ASSIGNMENT.match(w)]
    for i, word in enumerate(words):
        if not _inside(word, folder):
            continue
        if i == 0 or ex.install:
            return True  # the command itself, or the package an install installs
        before = [w for w in words[:i] if not w.startswith("-") or w in table.code_options]
        prev = before[-1] if before else ""
        if prev in table.code_options or prev.rsplit("/", 1)[-1] in table.interpreters:
            return True
    return False
