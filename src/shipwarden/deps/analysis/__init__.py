"""Static behaviour analysis of install-time code: parsed, never executed.

``analyze_hook(hook, files)`` starts from what the package manager runs (an npm
script line, a ``.pth`` file, ``setup.py``), follows the local files it runs or
loads (``node install.js``, ``require("./lib")``, a ``.pth`` import), analyses
each one in its language and judges the combined evidence (:mod:`.verdict`).
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from shipwarden.core import safeio
from shipwarden.deps.analysis.code import analyze_code
from shipwarden.deps.analysis.facts import CodeFacts, Context, language_of
from shipwarden.deps.analysis.indicators import load_indicators
from shipwarden.deps.analysis.model import Capability, Evidence
from shipwarden.deps.analysis.verdict import Judgement, dedupe, judge, summary
from shipwarden.deps.model import HookKind, InstallHook

__all__ = [
    "Capability",
    "DirFiles",
    "Evidence",
    "HookAnalysis",
    "Judgement",
    "MemoryFiles",
    "PackageFiles",
    "analyze_hook",
]

_JS_EXTENSIONS = ("", ".js", ".cjs", ".mjs", "/index.js", "/index.cjs", ".ts")
_PY_EXTENSIONS = ("", ".py", "/__init__.py")
#: Queue marker: a module imported by the ``.pth`` line itself.
_PTH_LINE = "<pth>"


class PackageFiles(Protocol):
    """Read access to one package's files (a folder on disk or an archive in memory)."""

    def read(self, rel: str) -> bytes | None: ...

    def display(self, rel: str) -> str: ...


@dataclass(slots=True)
class DirFiles:
    """A package folder: ``root`` is the scanned root, ``base`` the folder relative to it."""

    root: Path
    base: str
    max_bytes: int = 0
    _real: str = ""

    def _path(self, rel: str) -> Path | None:
        rel = posixpath.normpath(rel.lstrip("/"))
        if rel.startswith("../") or rel == "..":
            return None
        folder = self.root / self.base if self.base else self.root
        if not self._real:
            self._real = os.path.realpath(folder)
        path = folder / rel
        real = os.path.realpath(path)
        if real != self._real and not real.startswith(self._real + os.sep):
            return None  # a symlink out of the package
        return path

    def read(self, rel: str) -> bytes | None:
        path = self._path(rel)
        if path is None:
            return None
        limit = self.max_bytes or load_indicators().limits.max_file_bytes
        try:
            return safeio.read_head(path, root=self.root, limit=limit)
        except OSError:
            return None

    def display(self, rel: str) -> str:
        rel = posixpath.normpath(rel.lstrip("/"))
        return f"{self.base}/{rel}" if self.base else rel


@dataclass(slots=True)
class MemoryFiles:
    """Files of a fetched tarball, by package-relative path; ``label`` names the origin."""

    files: dict[str, bytes]
    label: str

    def read(self, rel: str) -> bytes | None:
        return self.files.get(posixpath.normpath(rel.lstrip("/")))

    def display(self, rel: str) -> str:
        return f"{self.label}!{posixpath.normpath(rel.lstrip('/'))}"


@dataclass(slots=True)
class HookAnalysis:
    evidence: list[Evidence] = field(default_factory=list)
    judgements: list[Judgement] = field(default_factory=list)
    #: sha256 of every file read, by display path.
    file_hashes: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    #: ``.pth`` hooks: modules the start-up line imports that are neither in the standard
    #: library nor readable beside the file (a compiled extension, another folder): code not seen.
    unresolved: list[str] = field(default_factory=list)

    @property
    def capabilities(self) -> list[str]:
        return summary(self.evidence)

    def has(self, capability: Capability) -> bool:
        return any(ev.capability is capability for ev in self.evidence)


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return data.decode("utf-8", "replace")


def _resolve(files: PackageFiles, rel: str, extensions: Iterable[str]) -> tuple[str, bytes] | None:
    for ext in extensions:
        candidate = posixpath.normpath(rel + ext)
        data = files.read(candidate)
        if data is not None:
            return candidate, data
    return None


def _resolve_module(files: PackageFiles, dotted: str) -> tuple[str, bytes] | None:
    """``a.b.c`` → ``a/b/c.py`` or ``a/b/c/__init__.py``, else the nearest package above it."""
    if not dotted or dotted.startswith("."):
        return None
    parts = dotted.split(".")
    for n in range(len(parts), 0, -1):
        found = _resolve(files, "/".join(parts[:n]), _PY_EXTENSIONS[1:])
        if found is not None:
            return found
    return None


def pth_code(text: str) -> str:
    """The executable part of a ``.pth`` file: lines starting with ``import``; others blanked
    so that line numbers stay those of the file."""
    out = []
    for line in text.splitlines():
        out.append(line if line.startswith(("import ", "import\t")) else "")
    return "\n".join(out)


def analyze_hook(hook: InstallHook, files: PackageFiles | None) -> HookAnalysis:
    """Analyse what ``hook`` runs. ``files`` gives the package's files (None: only the command)."""
    ind = load_indicators()
    result = HookAnalysis()
    facts = CodeFacts()
    queue: list[tuple[str, str, str]] = []  # (language, package-relative path, requiring file dir)
    if hook.kind in (HookKind.NPM_SCRIPT, HookKind.NATIVE_BUILD):
        ctx = Context(hook.location.path, fixed_line=hook.location.line)
        facts = analyze_code("shell", hook.command, ctx)
        queue.extend((lang, path, "") for lang, path, _ in facts.runs)
        facts.runs.clear()
    elif hook.kind is HookKind.PTH and files is not None:
        name = hook.event
        data = files.read(name)
        if data is not None:
            result.file_hashes[files.display(name)] = hashlib.sha256(data).hexdigest()
            facts = analyze_code("python", pth_code(_decode(data)), Context(files.display(name)))
            for module in dict.fromkeys(facts.imports):
                queue.append(("python-module", module, _PTH_LINE))
    elif hook.kind is HookKind.PYTHON_BUILD and files is not None:
        queue.append(("python", "setup.py", ""))
    result.evidence.extend(facts.evidence)
    result.notes.extend(facts.notes)
    if files is None:
        _finish(result)
        return result

    seen: set[str] = set()
    budget = ind.limits.max_files_per_hook
    while queue and budget > 0:
        language, rel, base = queue.pop(0)
        is_module = language == "python-module"
        if is_module:
            found = _resolve_module(files, rel)
            language = "python"
            if found is None and base == _PTH_LINE and rel.split(".", 1)[0] not in sys.stdlib_module_names:
                result.unresolved.append(rel)
                result.notes.append(f"{rel}: imported at start-up but not found as Python source")
        else:
            joined = posixpath.join(base, rel) if rel.startswith(".") and base else rel
            exts = _JS_EXTENSIONS if language == "javascript" else _PY_EXTENSIONS if language == "python" else ("",)
            found = _resolve(files, joined, exts)
        if found is None:
            # A standard-library module, or a build without setup.py, is not a problem.
            if not is_module and rel != "setup.py":
                result.notes.append(f"{files.display(joined)}: run by the hook but not found")
            continue
        path, data = found
        if path in seen:
            continue
        seen.add(path)
        budget -= 1
        display = files.display(path)
        result.file_hashes[display] = hashlib.sha256(data).hexdigest()
        lang = language_of(path) or language
        sub = analyze_code(lang, _decode(data), Context(display))
        result.evidence.extend(sub.evidence)
        result.notes.extend(sub.notes)
        here = posixpath.dirname(path)
        for sub_lang, sub_rel, _ in sub.runs:
            queue.append((sub_lang, sub_rel, here if sub_rel.startswith(".") else ""))
        if hook.kind is HookKind.PTH:
            for module in dict.fromkeys(sub.imports):
                queue.append(("python-module", module, ""))
    if queue and budget <= 0:
        result.notes.append(f"{hook.ident}: stopped after {ind.limits.max_files_per_hook} files")
    _finish(result)
    return result


def _finish(result: HookAnalysis) -> None:
    result.notes = list(dict.fromkeys(result.notes))
    result.evidence = dedupe(result.evidence)
    result.judgements = judge(result.evidence)
