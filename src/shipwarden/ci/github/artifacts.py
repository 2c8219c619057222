"""Where a downloaded artifact lands and whether a later step runs it or only hands it on.

An artifact extracted into the workspace may overwrite the checked-out code, so anything
run after it runs the artifact; one extracted into its own folder is run only by a step
that executes something inside that folder, or that unpacks an archive from it somewhere
a later command runs (the table in ``data/artifacts.toml``).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from functools import cache

from shipwarden.ci.github.model import Step
from shipwarden.ci.github.records import Exec
from shipwarden.ci.shell import Command, analyze
from shipwarden.core.structs import struct
from shipwarden.core.tables import load_table

_WORKSPACE = {"", ".", "./", "${{ github.workspace }}"}
_GH_DIR = re.compile(r"\bgh\s+run\s+download\b[^\n]*?\s(?:-D|--dir)[= ]\s*['\"]?([^\s'\"]+)")
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
#: a preloaded file is named by a path; a bare name (`-r dotenv/config`) is a package
_PATH = re.compile(r"^(?:\.\.?/|/|\$|~)")


@struct(frozen=True)
class _Extract:
    mode_options: frozenset[str]
    mode_letter: str
    mode_words: frozenset[str]
    into: frozenset[str]
    into_prefix: tuple[str, ...]


@struct(frozen=True)
class _RunTable:
    interpreters: frozenset[str]
    code_options: frozenset[str]
    preload: dict[str, frozenset[str]]
    runners: dict[str, frozenset[str]]
    extract: dict[str, _Extract]


@cache
def _table() -> _RunTable:
    raw = load_table("shipwarden.ci.github", "artifacts.toml")
    run = raw["run"]
    extract = {
        name: _Extract(
            frozenset(e.get("mode_options", ())),
            e.get("mode_letter", ""),
            frozenset(e.get("mode_words", ())),
            frozenset(e.get("into", ())),
            tuple(e.get("into_prefix", ())),
        )
        for name, e in raw["extract"].items()
    }
    return _RunTable(
        frozenset(run["interpreters"]),
        frozenset(run["code_options"]),
        {k: frozenset(v) for k, v in run["preload_options"].items()},
        {k: frozenset(v) for k, v in run["runners"].items()},
        extract,
    )


def _folder_of(value: str) -> str | None:
    """The last component of a destination folder; None for the workspace itself."""
    value = value.strip().strip("'\"")
    if value in _WORKSPACE:
        return None
    return value.rstrip("/").rsplit("/", 1)[-1] or None


def destination(step: Step) -> str | None:
    """None when a download's artifacts land in the workspace (and may overwrite the
    checked-out code); else the last component of the folder they are extracted to."""
    if step.run is not None:
        m = _GH_DIR.search(step.run.value)
        value = m.group(1) if m else ""
    else:
        node = step.with_.get("path")
        value = node.value.strip() if node is not None else ""
    return _folder_of(value)


def _inside(word: str, folder: str) -> bool:
    return re.search(r"(?:^|/)" + re.escape(folder) + r"(?:/|$)", word.strip("'\"")) is not None


def _words(text: str) -> list[str]:
    try:
        return shlex.split(text, comments=True)
    except ValueError:
        return text.split()


def _base(word: str) -> str:
    return word.rsplit("/", 1)[-1]


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
    runtime = next((_base(w) for w in words if _base(w) in table.preload), "")
    preload = table.preload.get(runtime, frozenset())
    for i, word in enumerate(words):
        option, eq, value = word.partition("=")
        if eq and option.startswith("-") and _inside(value, folder):
            # `--require=./dist/hook.js`, `--directory=dist`
            if option in table.code_options or (option in preload and _PATH.match(value)):
                return True
            continue
        if not _inside(word, folder):
            continue
        if i == 0 or ex.install:
            return True  # the command itself, or the package an install installs
        if words[i - 1] in preload:
            if _PATH.match(word):
                return True  # a file the runtime loads before the program
            continue  # a package name (`-r dist/hook.js` is looked up in node_modules)
        before = [w for w in words[:i] if not w.startswith("-") or w in table.code_options]
        prev = before[-1] if before else ""
        if prev in table.code_options or _base(prev) in table.interpreters:
            return True
        if len(before) >= 2 and prev in table.runners.get(_base(before[-2]), ()):
            return True  # `uv run dist/x.py`
    return False


def _unpacks(cmd: Command) -> tuple[list[str], str | None] | None:
    """(the words, the folder it unpacks into: "" for none given) when ``cmd`` extracts an archive."""
    spec = _table().extract.get(cmd.canonical or "")
    if spec is None:
        return None
    words = [w.value for w in cmd.argv[1:] if w.value is not None]
    mode = not (spec.mode_options or spec.mode_letter or spec.mode_words)
    into = ""
    for i, w in enumerate(words):
        if w in spec.mode_options or (i == 0 and w in spec.mode_words):
            mode = True
        elif spec.mode_letter and not w.startswith("--") and (i == 0 or w.startswith("-")) and spec.mode_letter in w:
            mode = True  # `tar xzf`, `tar -xzf`
        option, eq, value = w.partition("=")
        if w in spec.into and i + 1 < len(words):
            into = words[i + 1]
        elif eq and option in spec.into:
            into = value
        else:
            prefix = next((p for p in spec.into_prefix if w.startswith(p) and len(w) > len(p)), None)
            if prefix is not None:
                into = w[len(prefix):]
    return (words, into) if mode else None


@struct(frozen=True)
class Landing:
    """Where a downloaded artifact is from ``step`` on (from ``offset`` in its script; -1: the
    whole step): ``folder`` (None: the workspace); ``how`` the unpacking command, "" for the download."""

    step: Step
    offset: int
    folder: str | None
    how: str = ""


def landing_folders(download: Step, steps: Sequence[Step]) -> list[Landing]:
    """Where ``download``'s artifact is: its own folder, then every folder a later step unpacks
    an archive from it into (None: the workspace)."""
    found = [Landing(download, -1, destination(download))]
    after = False
    for step in steps:
        if step is download:
            after = True
            continue
        if not after or step.run is None or found[0].folder is None:
            continue
        for cmd in analyze(step.run.value, step.shell).commands:
            unpacked = _unpacks(cmd)
            if unpacked is None:
                continue
            words, into = unpacked
            folders = [land.folder for land in found]
            if not any(f is None or _inside(w, f) for f in folders for w in words):
                continue
            if into:
                folder = _folder_of(into)
            else:
                wd = step.working_directory
                folder = _folder_of(wd) if wd is not None else None
            text = " ".join(step.run.value[cmd.start : cmd.end].split())[:80]
            found.append(Landing(step, cmd.start, folder, text))
    return found


def runs_download(ex: Exec, download: Step, steps: Sequence[Step]) -> Landing | None:
    """Where ``ex`` (a step after ``download``) runs the downloaded artifact from: where it
    landed, or where an earlier command unpacked it. None when it does not run it."""
    order = {id(s): i for i, s in enumerate(steps)}
    at = order.get(id(ex.step), -1)
    for land in landing_folders(download, steps):
        step = land.step
        before = order.get(id(step), -1) < at or (step is ex.step and 0 <= land.offset < ex.start)
        if (step is download or before) and artifact_runs(ex, land.folder):
            return land
    return None


def said(ex: Exec, land: Landing) -> str:
    """What ``ex`` does with the artifact, as a finding says it: ``(after `tar xf …` unpacked it
    into the workspace) `tox run` runs code from the workspace``."""
    if not land.how:
        return ex.what
    where = "the workspace" if land.folder is None else f"`{land.folder}`"
    return f"(after `{land.how}` unpacked it into {where}) {ex.what}"
