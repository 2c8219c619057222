"""Review one artifact: read every file once, collect what the checks need, run them.

Each file is streamed in 1 MiB chunks through the consumers that want it (a
source-map parser, an inline-map scanner, the secret scanner, a small capture
for manifests and ``.pth`` files), so memory stays flat however large the file.
The judgements are rule modules (:mod:`shipwarden.packaging.rules`): the
per-file ones run during the pass, the others on the collected
:class:`~shipwarden.packaging.review.Review` once it is over.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from typing import Any

from shipwarden.artifacts import ArchiveError, ArchiveLimitError, UnsafeMemberError
from shipwarden.core import safeio
from shipwarden.core.findings import ScanError
from shipwarden.core.progress import SILENT, Progress
from shipwarden.deps.known import script_files
from shipwarden.packaging import rules
from shipwarden.packaging.collect import load_json_bytes
from shipwarden.packaging.knowledge import file_kinds, install_time
from shipwarden.packaging.material import non_production
from shipwarden.packaging.model import Artifact, ArtifactKind, Entry, PackedFile
from shipwarden.packaging.npm_packlist import normalize_bin
from shipwarden.packaging.policy import GatePolicy
from shipwarden.packaging.python_meta import PythonMeta, parse_entry_points, parse_metadata
from shipwarden.packaging.review import MANIFEST_LIMIT, SMALL_LIMIT, ArtifactResult, MapReport, Review
from shipwarden.packaging.rules import never_ship, secret, unsafe_archive
from shipwarden.packaging.rules.maps import open_source_license
from shipwarden.packaging.secretscan import Budget, LocatedSecret, TextSecretScanner
from shipwarden.packaging.sourcemap import InlineMapScanner, SourceMapParser, SourceRef
from shipwarden.packaging.summary import ReleaseSummary
from shipwarden.secrets import scan_text

__all__ = [
    "ArtifactResult",
    "InspectOptions",
    "MapReport",
    "inspect_artifact",
    "non_production",
    "open_source_license",
]

CHUNK = 1024 * 1024

@dataclass(slots=True)
class InspectOptions:
    policy: GatePolicy = field(default_factory=GatePolicy)
    budget: Budget | None = None
    file_secret_limit: int = 8 * 1024 * 1024
    map_capture_budget: int = 8 * 1024 * 1024
    #: False for the previous release of a diff: only its summary is needed.
    checks: bool = True
    #: Progress of the pass over the files (silent unless a command asks).
    progress: Progress = field(default_factory=lambda: SILENT)


def inspect_artifact(artifact: Artifact, options: InspectOptions | None = None) -> ArtifactResult:
    return _Inspector(artifact, options or InspectOptions()).run()


def _native_magic(head: bytes, low: str) -> str:
    if head.startswith(b"\x7fELF"):
        return "ELF"
    if head[:4] in (b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe"):
        return "Mach-O"
    if head[:4] == b"\xca\xfe\xba\xbe" and not low.endswith(".class"):
        return "Mach-O universal"
    if head.startswith(b"MZ") and len(head) >= 0x40:
        offset = int.from_bytes(head[0x3C:0x40], "little")
        if head[offset : offset + 4] == b"PE\x00\x00":
            return "PE"
    return ""


class _Inspector:
    """One pass over the artifact's files: collects a :class:`Review` and runs the checks on it."""

    def __init__(self, artifact: Artifact, options: InspectOptions) -> None:
        self.a = artifact
        self.o = options
        self.policy = options.policy
        self.budget = options.budget or Budget(options.policy.secret_scan_budget)
        self.r = ArtifactResult(artifact)
        self.review = Review(artifact, options.policy, self.r)
        self.captured = self.review.captured
        #: the files well-known install scripts run (built once: the table's answer per file)
        self._script_files = script_files() if artifact.kind.ecosystem == "npm" else frozenset()

    # -- the pass ----------------------------------------------------------------

    def run(self) -> ArtifactResult:
        task = self.o.progress.task("Reviewing package files", None) if self.o.checks else None
        try:
            for entry in self.a.entries():
                self.r.files.append(PackedFile(entry.path, entry.size, entry.mode))
                self._guarded_entry(entry)
                if task is not None:
                    task.advance()
        except (UnsafeMemberError, ArchiveLimitError) as exc:
            self.r.complete = False
            self.r.errors.append(ScanError(self.a.label, str(exc), exc.kind))
            unsafe_archive.check(self.review, exc)
        except ArchiveError as exc:
            self.r.complete = False
            self.r.errors.append(ScanError(self.a.label, str(exc), exc.kind))
        except OSError as exc:
            self.r.complete = False
            self.r.errors.append(ScanError(self.a.label, f"cannot read: {exc}", "io"))
        finally:
            if task is not None:
                task.done()
        self._finish()
        return self.r

    def _wants_capture(self, path: str) -> int:
        kind = self.a.kind
        low = path.lower()
        if kind.ecosystem == "npm":
            if path == "package.json":
                return MANIFEST_LIMIT
            # the files well-known install scripts run, to tell the known script from a changed one
            return SMALL_LIMIT if path in self._script_files else 0
        if kind is ArtifactKind.WHEEL:
            if re.match(r"^[^/]+\.dist-info/(METADATA|entry_points\.txt)$", path):
                return MANIFEST_LIMIT
            if low.endswith(".pth") and self._wheel_site_level(path):
                return SMALL_LIMIT
            return 0
        if path in ("PKG-INFO", "setup.py", "pyproject.toml", "setup.cfg"):
            return MANIFEST_LIMIT
        if low.endswith(".pth"):
            return SMALL_LIMIT
        return 0

    @staticmethod
    def _wheel_site_level(path: str) -> bool:
        if "/" not in path:
            return True
        return bool(re.match(r"^[^/]+\.data/(purelib|platlib)/[^/]+$", path))

    def _guarded_entry(self, entry: Entry) -> None:
        """Review one file; a file that cannot be read or analysed is a note on that file, and the review goes on."""
        try:
            self._entry(entry)
        except (UnsafeMemberError, ArchiveLimitError, ArchiveError):
            raise  # the archive itself is unsafe or broken: the pass stops
        except safeio.ReadRefused as exc:
            self.r.errors.append(ScanError(self.a.location(entry.path), str(exc), exc.kind))
        except OSError as exc:
            self.r.errors.append(ScanError(self.a.location(entry.path), f"cannot read: {exc.strerror or exc}", "io"))
        except Exception as exc:  # noqa: BLE001 - one file must not end the review of the others
            message = f"not analysed: {type(exc).__name__}"
            self.r.errors.append(ScanError(self.a.location(entry.path), message, "internal"))

    def _entry(self, entry: Entry) -> None:
        path = entry.path
        low = path.lower()
        checks = self.o.checks
        capture_limit = self._wants_capture(path)
        is_map = checks and low.endswith(".map")
        kinds = file_kinds()
        want_inline = checks and low.endswith(kinds.inline_map_extensions)
        want_secrets = checks and not is_map and not low.endswith(kinds.binary_extensions)
        with entry.open() as stream:
            first = stream.read(CHUNK)
            if checks:
                magic = _native_magic(first[:4096], low)
                ext_native = low.endswith(install_time().native_extensions)
                if magic or (ext_native and not low.endswith((".a", ".lib", ".o")) and b"\0" in first[:4096]):
                    self.review.native.append((path, magic or posixpath.splitext(low)[1]))
            binary = b"\0" in first[:8192]
            if checks:
                never_ship.check(self.review, path, first if entry.size <= len(first) and not binary else None, entry.size)
            capture = bytearray(first[:capture_limit]) if capture_limit else None
            map_parser: SourceMapParser | None = None
            map_secrets: list[tuple[SourceRef, LocatedSecret]] = []
            if is_map:

                def on_content(ref: SourceRef, text: str) -> None:
                    granted = self.budget.take(len(text))
                    if granted:
                        for m in scan_text(text[:granted], path=path):
                            map_secrets.append((ref, LocatedSecret(m, m.line, m.column, m.end_column)))

                map_parser = SourceMapParser(on_content, capture_budget=self.o.map_capture_budget)
            inline: InlineMapScanner | None = None
            inline_secrets: list[tuple[int, SourceRef, LocatedSecret]] = []
            if want_inline and not binary:

                def on_inline(ref: SourceRef, text: str) -> None:
                    granted = self.budget.take(len(text))
                    if granted and inline is not None:
                        for m in scan_text(text[:granted], path=path):
                            inline_secrets.append(
                                (len(inline.summaries), ref, LocatedSecret(m, m.line, m.column, m.end_column))
                            )

                inline = InlineMapScanner(on_inline, capture_budget=self.o.map_capture_budget)
            secrets = (
                TextSecretScanner(
                    path,
                    self.budget,
                    self.o.file_secret_limit,
                    minified_low_confidence=self.o.policy.low_confidence_secrets,
                )
                if want_secrets and not binary
                else None
            )
            chunk = first
            while chunk:
                if map_parser is not None:
                    map_parser.feed(chunk)
                if inline is not None:
                    inline.feed(chunk)
                if secrets is not None:
                    secrets.feed(chunk)
                if capture is not None and chunk is not first and len(capture) < capture_limit:
                    capture += chunk[: capture_limit - len(capture)]
                more = map_parser is not None or inline is not None
                more = more or (secrets is not None and secrets._taken < self.o.file_secret_limit)
                more = more or (capture is not None and len(capture) < capture_limit)
                if not more:
                    break
                chunk = stream.read(CHUNK)
        if capture is not None:
            self.captured[path] = bytes(capture)
        if map_parser is not None:
            summary = map_parser.close()
            self.r.maps.append(MapReport(path, summary, size=entry.size))
            for ref, hit in map_secrets:
                secret.check(self.review, path, hit, origin=summary.path_of(ref))
        if inline is not None:
            summaries = inline.close()
            for i, summary in enumerate(summaries):
                line = inline.lines[i] if i < len(inline.lines) else 0
                self.r.maps.append(MapReport(path, summary, inline=True, line=line, size=entry.size))
            for index, ref, hit in inline_secrets:
                origin = summaries[index].path_of(ref) if index < len(summaries) else "inline map"
                secret.check(self.review, path, hit, origin=origin)
        if secrets is not None:
            for hit in secrets.close():
                secret.check(self.review, path, hit)
            self.r.secret_scanned_bytes += secrets._taken
            if entry.size > secrets._taken:
                self.r.secret_unscanned_bytes += entry.size - secrets._taken
                self.r.secret_unscanned_files += 1

    # -- after the pass ------------------------------------------------------------

    def _finish(self) -> None:
        kind = self.a.kind
        if kind.ecosystem == "npm":
            manifest = self.a.manifest or load_json_bytes(self.captured.get("package.json", b"")) or {}
            self.r.manifest = dict(manifest)
        else:
            meta_path = self.review.metadata_path()
            self.r.python = parse_metadata(self.captured[meta_path]) if meta_path else PythonMeta()
        self.r.summary = self._summary()
        if not self.o.checks:
            return
        checks = list(rules.MAP_CHECKS)
        if kind.ecosystem != "npm":
            checks += rules.PYTHON_CHECKS
        elif self.r.manifest:
            checks += rules.NPM_CHECKS
        elif self.r.complete:
            self.r.errors.append(ScanError(self.a.manifest_path, "no readable package.json", "manifest"))
        for check in (*checks, *rules.LAYOUT_CHECKS):
            check(self.review)
        never_ship.fold(self.review)

    def _summary(self) -> ReleaseSummary:
        s = ReleaseSummary(label=self.a.label, kind=self.a.kind.value)
        s.files = {f.path: f.size for f in self.r.files}
        if self.a.kind.ecosystem == "npm":
            m = self.r.manifest
            s.name, s.version = str(m.get("name", "")), str(m.get("version", ""))
            raw_scripts = m.get("scripts")
            scripts: dict[str, Any] = raw_scripts if isinstance(raw_scripts, dict) else {}
            for name in install_time().npm_scripts:
                if isinstance(scripts.get(name), str):
                    s.install_scripts[name] = scripts[name]
            if (
                "binding.gyp" in s.files
                and "install" not in s.install_scripts
                and "preinstall" not in s.install_scripts
            ):
                s.install_scripts["install"] = install_time().implicit_gyp
            for section in ("dependencies", "optionalDependencies", "peerDependencies"):
                deps = m.get(section)
                if isinstance(deps, dict):
                    for dep, spec in deps.items():
                        s.dependencies.setdefault(str(dep), (section, str(spec)))
            s.bins = normalize_bin(m)
        else:
            meta = self.r.python or PythonMeta()
            s.name, s.version = meta.name, meta.version
            s.dependencies = {k: ("Requires-Dist", v) for k, v in meta.dependencies().items()}
            for path, data in self.captured.items():
                if path.endswith(".dist-info/entry_points.txt"):
                    s.bins = parse_entry_points(data)
            if self.a.kind is ArtifactKind.SDIST and "setup.py" in s.files:
                s.install_scripts["setup.py"] = "python setup.py (build backend)"
            s.pth_files = sorted(p for p in s.files if p.lower().endswith(".pth") and p in self.captured)
        return s

