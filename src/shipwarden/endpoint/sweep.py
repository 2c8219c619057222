"""The sweep: visit every catalogued store under a home, collect what it holds, run the rules.

Read-only, except for ``fix_permissions`` (chmod 600 on flagged files the user
owns). The sweep only collects: files found by the catalogue's globs (and
``.env`` files under ``--include`` trees), parsed in their own format into
:class:`~shipwarden.endpoint.sightings.Sighting` records, and the process
environment; the judgements are the rule modules of
:mod:`shipwarden.endpoint.rules`. No secret value leaves the sweep: findings
carry the store, the key path, the kind, a redacted prefix and a fingerprint.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Mapping
from pathlib import Path

from shipwarden.core.findings import Finding, Report
from shipwarden.core.progress import SILENT, Progress
from shipwarden.endpoint import rules
from shipwarden.endpoint.evidence import StoreFile
from shipwarden.endpoint.files import MAX_FILE_BYTES, MAX_LARGE_SCAN_BYTES, MAX_TEXT_BYTES, Exposure, FileInfo, Home
from shipwarden.endpoint.parsers import TEXT_PARSERS, Leaf, ParseProblem, parse_sqlite
from shipwarden.endpoint.rules import credential_file_permissions, env_var_secret, ssh_key_unprotected
from shipwarden.endpoint.sightings import Evaluator, Sighting, Stats, safe_label, with_flag_names
from shipwarden.knowledge.credential_stores import Catalogue, StoreEntry, load_catalogue

COMMAND = "endpoint"


class Sweep:
    def __init__(
        self,
        home: Path,
        *,
        include: Iterable[Path] = (),
        env: Mapping[str, str] | None = None,
        fix_permissions: bool = False,
        catalogue: Catalogue | None = None,
        progress: Progress = SILENT,
    ) -> None:
        self.catalogue = catalogue or load_catalogue()
        self.include = tuple(Path(p) for p in include)
        self.home = Home(Path(home), self.include)
        self.env = env
        self.fix_permissions = fix_permissions
        self.progress = progress
        self.stats = Stats()
        self.findings: list[Finding] = []
        self.evaluator = Evaluator(self.catalogue, self.stats)
        self._seen_files: set[Path] = set()

    # -- entry point --------------------------------------------------------------

    def run(self) -> Report:
        if not self.home.root.is_dir():
            self.home.note(self.home.root, "not-a-directory", "home directory does not exist or is not a directory")
        task = self.progress.task("Sweeping credential stores", len(self.catalogue.stores))
        try:
            for store in self.catalogue.stores:
                for glob in store.globs():
                    for path in self.home.expand(glob):
                        if not store.excluded(path.name):
                            self._visit(store, path)
                task.advance()
        finally:
            task.done()
        for top in self.include:
            self._walk_include(top)
        if self.env is not None:
            self._environment(self.env)
        report = Report(command=COMMAND, roots=[str(self.home.root)])
        report.findings = self.findings
        report.errors = self.home.errors
        report.stats = dict(sorted(self.stats.counts.items()))
        return report

    # -- files ----------------------------------------------------------------------

    def _visit(self, store: StoreEntry, path: Path) -> None:
        info = self.home.regular_file(path)
        if info is None or info.real in self._seen_files:
            return
        self._seen_files.add(info.real)
        self.stats.add("files_examined")
        protected: list[str] = []
        fmt = store.format_for(path.name)
        sightings, leaves = self._inspect(info, store, fmt, protected)
        unique: dict[str, Sighting] = {}
        for s in sightings:
            unique.setdefault(s.fingerprint, s)
        file = StoreFile(store, info, tuple(unique.values()), tuple(leaves), len(set(protected)))
        if file.protected:
            self.stats.add("protected_keys", file.protected)
        if file.holds_credentials:
            self.stats.add("files_with_credentials")
            self.stats.add("credentials", len(file.sightings))
            if self.fix_permissions and credential_file_permissions.exposed(file):
                file = self._chmod(file)
        for check in rules.FILE_RULES:
            self.findings.extend(check(file))

    def _chmod(self, file: StoreFile) -> StoreFile:
        try:
            os.chmod(file.info.real, stat.S_IRUSR | stat.S_IWUSR)
        except OSError as exc:
            self.home.note(file.info.path, "chmod", f"could not chmod 600: {exc.strerror or type(exc).__name__}")
            return file
        self.stats.add("permissions_fixed")
        return StoreFile(file.store, file.info, file.sightings, file.leaves, file.protected, permissions_fixed=True)

    def _inspect(self, info: FileInfo, store: StoreEntry, fmt: str, protected: list[str]) -> tuple[list[Sighting], list[Leaf]]:
        """The sightings in one file and its parsed values (for the settings rules)."""
        if fmt == "sqlite":
            if info.size > MAX_FILE_BYTES:
                self.home.note(info.path, "too-large", f"{info.size} bytes is over the {MAX_FILE_BYTES}-byte limit; not read")
                return [], []
            try:
                leaves = parse_sqlite(info.real)
            except ParseProblem as problem:
                self.home.note(info.path, problem.kind, problem.message)
                return [], []
            return [s for leaf in leaves for s in self.evaluator.leaf(store, leaf, protected=protected)], []
        if fmt == "ssh-key":
            return self._ssh_key(info, protected), []
        if fmt in ("history", "text", "pem"):
            partial = "tail" if fmt == "history" else "head"  # recent history matters most
            # A history cut short by a crash often holds a run of NUL bytes: still text.
            text = self.home.read_text(info, limit=MAX_TEXT_BYTES, partial=partial, nul_ok=fmt == "history")
            if text is None:
                return [], []
            offset = self.home.lines_before_tail(info, MAX_TEXT_BYTES) if partial == "tail" else 0
            return self.evaluator.text(text, info.display, line_offset=offset, protected=protected), []
        if info.size > MAX_FILE_BYTES:
            return self._large_store(info, protected), []
        text = self.home.read_text(info)
        if text is None:
            return [], []
        try:
            leaves = TEXT_PARSERS[fmt](text)
        except ParseProblem as problem:
            self.home.note(info.path, problem.kind, problem.message)
            # still look for well-formed tokens in text we could not parse
            return self.evaluator.text(text, info.display, protected=protected), []
        sightings: list[Sighting] = []
        for leaf, name in with_flag_names(leaves):
            sightings.extend(self.evaluator.leaf(store, leaf, protected=protected, text=text, name=name))
        sightings.extend(self.evaluator.outside_values(store, text, info.display, leaves, sightings))
        return sightings, leaves

    def _large_store(self, info: FileInfo, protected: list[str]) -> list[Sighting]:
        """A structured store too large to parse: well-formed tokens anywhere in its text.

        Key paths are unknown and values of no known format are missed, so the
        note stays (the scan is incomplete), but the tokens a worm would grep
        for are still reported.
        """
        scanned = min(info.size, MAX_LARGE_SCAN_BYTES)
        whole = "the whole file" if scanned == info.size else f"its first {MAX_LARGE_SCAN_BYTES} bytes"
        self.home.note(
            info.path,
            "too-large",
            f"{info.size} bytes is over the {MAX_FILE_BYTES}-byte parsing limit; {whole} scanned for token formats only",
        )
        found: list[Sighting] = []
        for offset, text in self.home.text_chunks(info):
            found.extend(self.evaluator.text(text, info.display, line_offset=offset, protected=protected))
        return found

    def _ssh_key(self, info: FileInfo, protected: list[str]) -> list[Sighting]:
        if info.size > MAX_FILE_BYTES:
            self.home.note(info.path, "too-large", f"{info.size} bytes is over the {MAX_FILE_BYTES}-byte limit; not read")
            return []
        data = self.home.read_bytes(info)
        if data is None or b"\x00" in data[:8192]:
            return []  # not a text key file (binary files in ~/.ssh are not keys)
        verdict = ssh_key_unprotected.judge_key(data.decode("utf-8", errors="replace"))
        if verdict is None:
            return []
        if verdict.protected:
            protected.append(verdict.protected)
        if verdict.hardware:
            self.stats.add("hardware_keys")
        return [verdict.sighting] if verdict.sighting is not None else []

    def _walk_include(self, top: Path) -> None:
        inc = self.catalogue.include
        store = self.catalogue.include_store
        if not top.is_dir():
            self.home.note(top, "not-a-directory", "--include path is not a directory")
            return
        task = self.progress.task("Searching for .env files", None)
        try:
            for path in self.home.walk(
                top, inc.wanted, skip_dirs=inc.skip_dirs, max_depth=inc.max_depth, max_files=inc.max_files
            ):
                self._visit(store, path)
                task.advance()
        finally:
            task.done()

    # -- environment -------------------------------------------------------------------------

    def _environment(self, env: Mapping[str, str]) -> None:
        for name in sorted(env):
            self.stats.add("env_vars_examined")
            variable = env_var_secret.inspect(name, env[name], self.evaluator)
            if variable is None:
                continue
            self.stats.add("credentials", len(variable.sightings))
            self.findings.extend(env_var_secret.check(variable))


def sweep(
    home: Path,
    *,
    include: Iterable[Path] = (),
    env: Mapping[str, str] | None = None,
    fix_permissions: bool = False,
    progress: Progress = SILENT,
) -> Report:
    """Sweep ``home`` (and ``.env`` files under ``include``); ``env=None`` skips the environment."""
    return Sweep(home, include=include, env=env, fix_permissions=fix_permissions, progress=progress).run()


__all__ = ["Exposure", "Sighting", "Sweep", "safe_label", "sweep"]
