"""Review one artifact: read every file once, run the leak and install-time checks.

Each file is streamed in 1 MiB chunks through the consumers that want it (a
source-map parser, an inline-map scanner, the secret scanner, a small capture
for manifests and ``.pth`` files), so memory stays flat however large the file.
"""

from __future__ import annotations

import dataclasses
import posixpath
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from shipwarden.artifacts import ArchiveError, ArchiveLimitError, UnsafeMemberError
from shipwarden.core import safeio
from shipwarden.core.catalogue import RuleMeta
from shipwarden.core.findings import Confidence, Finding, Location, ScanError, Tier
from shipwarden.core.progress import SILENT, Progress
from shipwarden.packaging import rules
from shipwarden.packaging.collect import load_json_bytes
from shipwarden.packaging.knowledge import (
    PYTHON_RUN_MARKERS,
    install_time,
    may_never_ship,
    never_ship,
    python_hits,
    script_hits,
)
from shipwarden.packaging.model import Artifact, ArtifactKind, Entry, PackedFile
from shipwarden.packaging.npm_packlist import normalize_bin
from shipwarden.packaging.policy import GatePolicy
from shipwarden.packaging.python_meta import PythonMeta, parse_entry_points, parse_metadata, wheel_is_pure
from shipwarden.packaging.secretscan import Budget, LocatedSecret, TextSecretScanner
from shipwarden.packaging.sourcemap import InlineMapScanner, SourceMapParser, SourceMapSummary, SourceRef
from shipwarden.packaging.summary import ReleaseSummary
from shipwarden.secrets import scan_text

if TYPE_CHECKING:
    from shipwarden.deps.known import Recognition

#: Lifecycle scripts npm runs only for git and local installs, never for a registry tarball.
_SOURCE_ONLY_SCRIPTS = frozenset({"prepare", "preprepare", "postprepare"})


def known_script_files() -> frozenset[str]:
    from shipwarden.deps.known import script_files

    return script_files()

CHUNK = 1024 * 1024
MANIFEST_LIMIT = 4 * 1024 * 1024
SMALL_LIMIT = 1024 * 1024
#: Never-ship findings of one category listed one by one; the rest are counted in one more finding.
FOLD_AFTER = 20
#: Paths of the folded files named in that finding's properties.
FOLD_PATHS = 100
JS_EXT = (".js", ".mjs", ".cjs", ".jsx", ".css")
BINARY_EXT = (
    ".png",
    ".jpg",
    ".jpeg",
    ".gif",
    ".webp",
    ".ico",
    ".bmp",
    ".tiff",
    ".avif",
    ".woff",
    ".woff2",
    ".ttf",
    ".otf",
    ".eot",
    ".mp3",
    ".mp4",
    ".webm",
    ".ogg",
    ".wav",
    ".pdf",
    ".zip",
    ".gz",
    ".tgz",
    ".bz2",
    ".xz",
    ".7z",
    ".whl",
    ".jar",
    ".class",
    ".pyc",
    ".wasm",
    ".node",
    ".so",
    ".dylib",
    ".dll",
    ".exe",
    ".pyd",
)
_SOURCE_EXT = (".ts", ".tsx", ".mts", ".cts", ".jsx", ".vue", ".svelte", ".coffee")
_BUNDLE_DIRS = ("dist/", "build/", "out/", "bundle/", "cjs/", "esm/")
_TEST_DIRS = re.compile(r"(^|/)(tests?|__tests__|spec|fixtures?|__fixtures__|testdata)/", re.I)
#: Folders and files that hold test, example or documentation material rather
#: than code users run: test suites and their fixtures (``tests/``,
#: ``test_creds/``, ``integration-tests/``, ``dummyserver/``), examples and docs.
_NONPROD_DIR = re.compile(
    r"^(?:tests?|testing|__tests__|__mocks__|specs?|fixtures?|__fixtures__|testdata|test[_-].+|.+[_-]tests?"
    r"|dummy.*|mocks?|fakes?|molecule|examples?|samples?|demos?|docs?|documentation)$",
    re.IGNORECASE,
)
_NONPROD_FILE = re.compile(
    r"^(?:test_.+|.+_test\.\w+|.+\.(?:test|spec)\.\w+|readme(?:\.\w+)?|.+\.(?:md|markdown|rst|adoc)"
    r"|(?:.+[._-])?examples?(?:[._-].+)?\.(?:json|ya?ml|toml|txt))$",
    re.IGNORECASE,
)
#: Kinds of secret that test suites and docs carry as material (TLS and SSH test keys).
_KEY_KINDS = frozenset({"private-key", "encrypted-private-key", "ssh-private-key"})


def non_production(path: str) -> str:
    """``"test"`` or ``"docs"`` when ``path`` is test, example or documentation material, else ``""``."""
    parts = [p for p in path.replace("\\", "/").split("/") if p not in ("", ".", "..")]
    if not parts:
        return ""
    for part in parts[:-1]:
        if _NONPROD_DIR.match(part):
            low = part.lower()
            return "docs" if low.startswith(("doc", "example", "sample", "demo")) else "test"
    name = parts[-1]
    if _NONPROD_FILE.match(name):
        low = name.lower()
        return "test" if ("test" in low or "spec" in low) else "docs"
    return ""


_COMMITISH = re.compile(r"#[0-9a-f]{7,40}$", re.I)


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


@dataclass(slots=True)
class MapReport:
    path: str
    summary: SourceMapSummary
    inline: bool = False
    line: int = 0
    size: int = 0


@dataclass(slots=True)
class ArtifactResult:
    artifact: Artifact
    files: list[PackedFile] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    errors: list[ScanError] = field(default_factory=list)
    summary: ReleaseSummary | None = None
    manifest: dict[str, Any] = field(default_factory=dict)
    python: PythonMeta | None = None
    maps: list[MapReport] = field(default_factory=list)
    complete: bool = True
    #: What the review chose not to report, and why (shown with the verdict).
    notes: list[str] = field(default_factory=list)
    #: Secret scan coverage: bytes of text files read, and bytes/files not read (per-file limit, run budget).
    secret_scanned_bytes: int = 0
    secret_unscanned_bytes: int = 0
    secret_unscanned_files: int = 0

    @property
    def total_size(self) -> int:
        return sum(f.size for f in self.files)


def inspect_artifact(artifact: Artifact, options: InspectOptions | None = None) -> ArtifactResult:
    return _Inspector(artifact, options or InspectOptions()).run()


def _human(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if abs(n) < 1000 or unit == "GB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1000
    return f"{n:.1f} GB"  # pragma: no cover


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


def _json_key_position(text: str, key: str, after: str = "") -> tuple[int, int, str]:
    """(line, column, line text) of the first ``"key":`` (after ``"after":`` when given)."""
    start = 0
    if after:
        m = re.search(rf'"{re.escape(after)}"\s*:', text)
        if m:
            start = m.end()
    m = re.compile(rf'"{re.escape(key)}"\s*:').search(text, start)
    if not m:
        return 0, 0, ""
    line = text.count("\n", 0, m.start()) + 1
    line_start = text.rfind("\n", 0, m.start()) + 1
    line_end = text.find("\n", m.start())
    return line, m.start() - line_start + 1, text[line_start : line_end if line_end >= 0 else len(text)]


def _normalize_source(source: str, map_path: str, root: str) -> str:
    s = re.sub(r"^(webpack|turbopack|rollup|vite|file)://(/?[^/]*)?/?", "", source) if "://" in source else source
    if s.startswith("/"):
        return posixpath.normpath(s.lstrip("/"))
    base = posixpath.dirname(map_path)
    joined = posixpath.join(base, root, s) if root and "://" not in root else posixpath.join(base, s)
    return posixpath.normpath(joined)


#: SPDX ids of open-source licences (OSI-approved or public-domain dedications).
_OPEN_LICENSES = frozenset(
    x.lower()
    for x in (
        "MIT",
        "MIT-0",
        "ISC",
        "0BSD",
        "BSD-2-Clause",
        "BSD-3-Clause",
        "Apache-2.0",
        "MPL-2.0",
        "EPL-2.0",
        "LGPL-2.1",
        "LGPL-3.0",
        "GPL-2.0",
        "GPL-3.0",
        "AGPL-3.0",
        "Unlicense",
        "CC0-1.0",
        "BlueOak-1.0.0",
        "Zlib",
        "Artistic-2.0",
        "Python-2.0",
        "PSF-2.0",
        "BSL-1.0",
        "UPL-1.0",
        "CC-BY-4.0",
    )
)


def open_source_license(manifest: dict[str, Any]) -> str:
    """The SPDX expression of an npm manifest that declares an open-source licence and a repository, else "".

    Both are the publisher's own statement that the code is public; ``SEE
    LICENSE IN …``, ``UNLICENSED``, a custom or a missing licence, or no
    repository, are not.
    """
    lic = manifest.get("license")
    repo = manifest.get("repository")
    url = repo.get("url") if isinstance(repo, dict) else repo
    if not isinstance(lic, str) or not isinstance(url, str) or not url.strip():
        return ""
    ids = [t for t in re.split(r"[()\s]+|\b(?:AND|OR)\b", lic) if t and t not in ("AND", "OR")]
    if " WITH " in lic:
        return ""
    normal = [re.sub(r"(?:-only|-or-later|\+)$", "", t).lower() for t in ids]
    return lic if normal and all(t in _OPEN_LICENSES for t in normal) else ""


def _top_dir(source: str) -> str:
    parts = [p for p in source.replace("\\", "/").split("/") if p not in ("", ".", "..")]
    parts = [p for p in parts if not re.match(r"^(webpack|file|turbopack|rollup|vite):?$", p)]
    if "node_modules" in parts:
        return "node_modules/"
    return parts[0] + "/" if len(parts) > 1 else "(root)"


class _Inspector:
    def __init__(self, artifact: Artifact, options: InspectOptions) -> None:
        self.a = artifact
        self.o = options
        self.policy = options.policy
        self.budget = options.budget or Budget(options.policy.secret_scan_budget)
        self.r = ArtifactResult(artifact)
        self.captured: dict[str, bytes] = {}
        self.native: list[tuple[str, str]] = []
        self.pth: list[str] = []
        #: Never-ship matches judged harmless by content: reason -> paths (said in a note).
        self.unreported: dict[str, list[str]] = {}

    # -- helpers ---------------------------------------------------------------

    def add(
        self,
        meta: RuleMeta,
        message: str,
        path: str,
        *,
        line: int = 0,
        column: int = 0,
        end_column: int = 0,
        snippet: str = "",
        tier: Tier | None = None,
        confidence: Confidence | None = None,
        key: str = "",
        properties: dict[str, Any] | None = None,
    ) -> None:
        loc = Location(
            self.a.location(path) if path else self.a.label,
            line=line,
            column=column,
            end_line=line if end_column else 0,
            end_column=end_column,
            snippet=snippet,
        )
        self.r.findings.append(
            meta.finding(message, [loc], tier=tier, confidence=confidence, key=key or path, properties=properties)
        )

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
            self.add(
                rules.UNSAFE_ARCHIVE,
                f"{exc.detail}"
                + (f" (member {exc.member})" if exc.member else "")
                + "; nothing was extracted and the rest of the archive was not reviewed",
                "",
                key=exc.kind,
                properties={"reason": exc.kind, "member": exc.member},
            )
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
            return SMALL_LIMIT if path in known_script_files() else 0
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
        want_inline = checks and low.endswith(JS_EXT)
        want_secrets = checks and not is_map and not low.endswith(BINARY_EXT)
        with entry.open() as stream:
            first = stream.read(CHUNK)
            if checks:
                magic = _native_magic(first[:4096], low)
                ext_native = low.endswith(install_time().native_extensions)
                if magic or (ext_native and not low.endswith((".a", ".lib", ".o")) and b"\0" in first[:4096]):
                    self.native.append((path, magic or posixpath.splitext(low)[1]))
            binary = b"\0" in first[:8192]
            if checks:
                self._never_ship(path, first if entry.size <= len(first) and not binary else None, entry.size)
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
                self._secret(path, hit, origin=summary.path_of(ref))
        if inline is not None:
            summaries = inline.close()
            for i, summary in enumerate(summaries):
                line = inline.lines[i] if i < len(inline.lines) else 0
                self.r.maps.append(MapReport(path, summary, inline=True, line=line, size=entry.size))
            for index, ref, hit in inline_secrets:
                origin = summaries[index].path_of(ref) if index < len(summaries) else "inline map"
                self._secret(path, hit, origin=origin)
        if secrets is not None:
            for hit in secrets.close():
                self._secret(path, hit)
            self.r.secret_scanned_bytes += secrets._taken
            if entry.size > secrets._taken:
                self.r.secret_unscanned_bytes += entry.size - secrets._taken
                self.r.secret_unscanned_files += 1

    # -- per-file checks ---------------------------------------------------------

    def _never_ship(self, path: str, content: bytes | None, size: int) -> None:
        """``content`` is the whole file when it is text and small enough to judge, else None."""
        if self.policy.allows_file(path):
            return
        if self.a.kind is ArtifactKind.NPM_DIR and path == "package.json":
            return
        if not may_never_ship(path):
            return
        for entry in never_ship():
            pattern = entry.matches(path)
            if pattern is None:
                continue
            tier, note = entry.tier, ""
            own = entry.names_file(path, pattern)
            if own and size == 0:
                return  # an empty file carries nothing
            test = entry.content
            if own and test is not None and content is not None and (
                test.requires is None or not test.requires.search(content.decode("utf-8", "replace"))
            ):
                if test.otherwise == "drop":
                    self.unreported.setdefault(f"{entry.category}: {test.reason}", []).append(path)
                    return
                tier, note = Tier.parse(test.otherwise), f" ({test.reason})"
            context = non_production(path)
            if context and tier.rank < Tier.P2.rank:
                # test fixtures and doc examples are material, not the maintainer's own
                # configuration; their content is still searched for secrets
                tier = Tier.P2
                note += f" (it sits in {context} material: a fixture or an example, probably)"
            self.add(
                rules.NEVER_SHIP,
                f"{entry.category} would be published: {path} (matches {pattern!r}); {entry.reason}{note}",
                path,
                tier=tier,
                key=f"{entry.id}:{path}",
                properties={"category": entry.id, "pattern": pattern, **({"context": context} if context else {})},
            )
            return

    def _secret(self, path: str, hit: LocatedSecret, origin: str = "") -> None:
        m = hit.match
        if m.confidence is Confidence.LOW:
            # a contextual guess (``client_secret = …``): never blocking on its own
            tier = Tier.P2
        elif m.publish_capable or m.confidence is Confidence.HIGH:
            tier = Tier.P0
        else:
            tier = Tier.P1
        context = non_production(origin or path)
        fixture = ""
        if context and tier is not Tier.P2 and (m.kind in _KEY_KINDS or m.confidence is not Confidence.HIGH):
            # test TLS/SSH keys and example URLs or tokens in tests and docs are material;
            # a provider token format (npm_, ghp_, AKIA…) keeps its tier wherever it is
            tier = Tier.P2
            fixture = (
                " (in test material: a test key or fixture, probably; generate it at test time or use an"
                " obviously fake value)"
                if context == "test"
                else " (in documentation or example material: an example value, probably)"
            )
        elif _TEST_DIRS.search(origin or path):
            fixture = " (a test fixture: use an obviously fake value)"
        confidence = m.confidence
        if m.context and tier is not Tier.P2:
            # written for readers (a JSDoc @example, a docstring): an example value, probably;
            # a provider's token format (npm_, ghp_, AKIA…) is still worth a look wherever it is
            provider = m.publish_capable or (m.confidence is Confidence.HIGH and m.kind not in _KEY_KINDS)
            tier = Tier.P1 if provider else Tier.P2
            confidence = Confidence.MEDIUM if provider else Confidence.LOW
            fixture = f" (in {m.context}: an example value, probably" + (
                "; but the format is a real provider's token: check it)" if provider else ")"
            )
        where = f" in original file {origin} (embedded in the source map)" if origin else ""
        publish = "; it can publish packages" if m.publish_capable else ""
        self.add(
            rules.SECRET,
            f"{m.description} {m.redacted}{where} would be published{publish}{fixture}",
            path,
            line=0 if origin else hit.line,
            column=0 if origin else hit.column,
            end_column=0 if origin else hit.end_column,
            tier=tier,
            confidence=confidence,
            key=f"{m.kind}:{m.fingerprint}",
            properties={
                "kind": m.kind,
                "redacted": m.redacted,
                "fingerprint": m.fingerprint,
                "publish_capable": m.publish_capable,
                **({"original_file": origin} if origin else {}),
                **({"context": context} if context else {}),
                **({"doc_context": m.context} if m.context else {}),
            },
        )

    # -- after the pass ------------------------------------------------------------

    def _finish(self) -> None:
        kind = self.a.kind
        if kind.ecosystem == "npm":
            manifest = self.a.manifest or load_json_bytes(self.captured.get("package.json", b"")) or {}
            self.r.manifest = dict(manifest)
        else:
            meta_path = next((p for p in self.captured if p.endswith(".dist-info/METADATA") or p == "PKG-INFO"), "")
            self.r.python = parse_metadata(self.captured[meta_path]) if meta_path else PythonMeta()
        self.r.summary = self._summary()
        if not self.o.checks:
            return
        self._maps()
        if kind.ecosystem == "npm":
            self._npm_manifest()
        else:
            self._python()
        self._native()
        self._layout()
        self._fold_never_ship()
        for why, paths in self.unreported.items():
            shown = ", ".join(paths[:3]) + (f" and {len(paths) - 3:,} more" if len(paths) > 3 else "")
            self.r.notes.append(f"not reported as {why}: {shown}")

    def _fold_never_ship(self) -> None:
        """Many never-ship files of one category (99,000 ``.env`` files) become the first
        :data:`FOLD_AFTER` findings plus one that counts the rest and names some of them."""
        groups: dict[tuple[str, str], list[Finding]] = {}
        for f in self.r.findings:
            if f.rule_id == rules.NEVER_SHIP.id:
                groups.setdefault((f.tier.value, str(f.properties.get("category", ""))), []).append(f)
        drop: set[int] = set()
        folded: list[Finding] = []
        for (_tier, category), found in groups.items():
            if len(found) <= FOLD_AFTER:
                continue
            rest = found[FOLD_AFTER:]
            drop.update(id(f) for f in rest)
            paths = [f.primary.path for f in rest]
            first = rest[0]
            shown = ", ".join(p.removeprefix(self.a.prefix) for p in paths[:3])
            folded.append(dataclasses.replace(
                first,
                message=f"{len(rest):,} more files of the same kind would be published ({shown}, …); "
                f"{first.message.split(': ', 1)[0]}",
                key=f"{category}:more",
                properties={**first.properties, "count": len(rest), "paths": paths[:FOLD_PATHS]},
            ))
        if drop:
            self.r.findings = [f for f in self.r.findings if id(f) not in drop] + folded

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

    def _maps(self) -> None:
        """One finding per artifact and rule, however many maps ship (a framework ships thousands).

        An original counts as given away when its text is in ``sourcesContent``,
        it does not ship in the package itself and it is not a third-party file
        from ``node_modules/`` (public on the registry already). A map whose
        embedded originals are all such files leaks nothing new: it is reported
        with the maps that carry no ``sourcesContent``.
        """
        shipped = {f.path for f in self.r.files}
        leaks: list[tuple[MapReport, list[Any]]] = []
        plain: list[tuple[MapReport, list[str], bool]] = []  # report, shipped sources, had content
        unreadable: list[MapReport] = []
        for report in self.r.maps:
            if self.policy.allows_file(report.path):
                continue
            s = report.summary
            if s.originals:
                away, present = [], set()
                for o in s.originals:
                    resolved = _normalize_source(o.path, report.path, s.source_root)
                    if resolved in shipped:
                        present.add(resolved)
                    elif _top_dir(o.path) != "node_modules/":
                        away.append(o)
                if away:
                    leaks.append((report, away))
                else:
                    plain.append((report, sorted(present), True))
                continue
            if s.error and not s.sources:
                unreadable.append(report)
                continue
            named = [_normalize_source(src, report.path, s.source_root) for src in s.sources if src]
            plain.append((report, sorted({p for p in named if p in shipped}), False))
        if leaks:
            self._map_leaks(leaks)
        if plain:
            self._plain_maps(plain)
        if unreadable:
            first = unreadable[0]
            label = f"inline source map in {first.path}" if first.inline else first.path
            more = f" (and {len(unreadable) - 1:,} more)" if len(unreadable) > 1 else ""
            self.add(
                rules.SOURCE_MAP,
                f"{label}{more} ships but is not a readable source map ({first.summary.error})",
                first.path,
                line=first.line,
                confidence=Confidence.LOW,
                key=f"unreadable:{first.path}",
                properties={"maps": [r.path for r in unreadable[:50]], "map_count": len(unreadable)},
            )

    @staticmethod
    def _map_label(report: MapReport) -> str:
        return f"inline source map in {report.path}" if report.inline else report.path

    def _map_leaks(self, leaks: list[tuple[MapReport, list[Any]]]) -> None:
        leaks.sort(key=lambda item: (-len(item[1]), -sum(o.size for o in item[1]), item[0].path))
        top, _ = leaks[0]
        originals = [o for _, away in leaks for o in away]
        all_originals = [o for r, _ in leaks for o in r.summary.originals]
        files = len(all_originals)
        lines = sum(o.lines for o in all_originals)
        size = sum(o.size for o in all_originals)
        tops = Counter(_top_dir(o.path) for o in all_originals)
        spread = ", ".join(f"{d} {n:,}" for d, n in tops.most_common(4))
        not_shipped = len(originals)
        also = (
            f" ({files - not_shipped:,} of them ship anyway or come from node_modules/)" if not_shipped < files else ""
        )
        if len(leaks) == 1:
            head = f"{self._map_label(top)} gives away"
            key = f"{'inline' if top.inline else 'file'}:{top.path}"
        else:
            head = f"{len(leaks):,} source maps (largest: {self._map_label(top)}) give away"
            key = "maps"
        license_ = open_source_license(self.r.manifest) if self.a.kind.ecosystem == "npm" else ""
        public = (
            f"; the package declares the {license_} licence and a repository, so these are probably its "
            "published sources (if they are not, this is a leak: treat it as P1)"
            if license_
            else ""
        )
        self.add(
            rules.SOURCE_MAP_CONTENT,
            f"{head} {files:,} original source file(s), {lines:,} lines ({_human(size)}), through "
            f"sourcesContent — {spread}{also}{public}",
            top.path,
            line=top.line,
            key=key,
            tier=Tier.P2 if license_ else None,
            confidence=Confidence.MEDIUM if license_ else None,
            properties={
                **({"declared_license": license_} if license_ else {}),
                "inline": any(r.inline for r, _ in leaks),
                "files": files,
                "lines": lines,
                "bytes": size,
                "not_shipped": not_shipped,
                "by_directory": dict(tops.most_common()),
                "sample_paths": [o.path for o in all_originals[:25]],
                "not_shipped_sample": [o.path for o in originals[:25]],
                "map_bytes": sum(r.size for r, _ in leaks),
                "map_count": len(leaks),
                "maps": [r.path for r, _ in leaks[:50]],
            },
        )

    def _plain_maps(self, plain: list[tuple[MapReport, list[str], bool]]) -> None:
        plain.sort(key=lambda item: (-len(item[1]), item[0].path))
        top, _, _ = plain[0]
        present = sorted({p for _, shipped, _ in plain for p in shipped})
        sources = sum(len(r.summary.sources) for r, _, _ in plain)
        with_content = sum(1 for _, _, c in plain if c)
        label = self._map_label(top) if len(plain) == 1 else f"{len(plain):,} source maps ({self._map_label(top)}, …)"
        verb = "maps" if len(plain) == 1 else "map"
        if with_content:
            message = (
                f"{label} {verb} {sources:,} source(s); their sourcesContent only repeats files that ship too or "
                "third-party files from node_modules/"
            )
            confidence = Confidence.HIGH if present else Confidence.MEDIUM
        elif present:
            message = (
                f"{label} {verb} {sources:,} source(s) and {len(present):,} of them ship too "
                f"({', '.join(present[:3])}{', …' if len(present) > 3 else ''}): the original code is one "
                "click away"
            )
            confidence = Confidence.HIGH
        else:
            message = (
                f"{label} ship{'s' if len(plain) == 1 else ''} without sourcesContent; "
                f"{'it still names' if len(plain) == 1 else 'they still name'} {sources:,} source path(s) "
                "and the layout of the original tree"
            )
            confidence = Confidence.MEDIUM
        self.add(
            rules.SOURCE_MAP,
            message,
            top.path,
            line=top.line,
            confidence=confidence,
            key=f"{'inline' if top.inline else 'file'}:{top.path}" if len(plain) == 1 else "maps",
            properties={
                "inline": any(r.inline for r, _, _ in plain),
                "sources": sources,
                "shipped_sources": present[:25],
                "map_count": len(plain),
                "maps": [r.path for r, _, _ in plain[:50]],
            },
        )

    def _manifest_text(self) -> str:
        if self.a.source_dir is not None:
            try:
                return safeio.read_text("package.json", root=self.a.source_dir, limit=MANIFEST_LIMIT)
            except OSError:
                return ""
        return self.captured.get("package.json", b"").decode("utf-8", "replace")

    def _npm_manifest(self) -> None:
        m = self.r.manifest
        if not m:
            if self.r.complete:
                self.r.errors.append(ScanError(self.a.manifest_path, "no readable package.json", "manifest"))
            return
        text = self._manifest_text()
        summary = self.r.summary
        assert summary is not None
        knowledge = install_time()
        for name, command in summary.install_scripts.items():
            implicit = (
                command == knowledge.implicit_gyp and name == "install" and "install" not in (m.get("scripts") or {})
            )
            if self.policy.allows_script(name, command):
                continue
            if name in _SOURCE_ONLY_SCRIPTS:
                # npm runs prepare for git and local installs, never when users install the published tarball
                self.r.notes.append(f"`{name}` is not reported: npm does not run it on registry installs "
                                    "(it runs for git dependencies; `deps` reports it there)")
                continue
            hits, loader = script_hits(command, knowledge.suspicious_script)
            tier = Tier.P0 if loader else knowledge.npm_scripts.get(name, Tier.P1)
            known = None if loader or implicit else self._known_hook(str(m.get("name", "")), name, command)
            if known is not None and known.known:
                tier = Tier.P2
            line, col, snippet = (0, 0, "") if implicit else _json_key_position(text, name, after="scripts")
            why = (
                "npm runs `node-gyp rebuild` because binding.gyp ships and no install script is set"
                if implicit
                else f"`{name}: {command[:160]}`"
            )
            extra = (
                f"; looks like a downloader or loader ({', '.join(hits)})"
                if loader
                else (f"; it runs inline code ({', '.join(hits)})" if hits else "")
            )
            when = (
                "on git and local installs" if name in _SOURCE_ONLY_SCRIPTS else "on every install"
            )
            if known is not None:
                extra += (f"; known: {known.text}" if known.known else f"; not the known hook: {known.text}")
            self.add(
                rules.INSTALL_SCRIPT,
                f"{why} runs {when}, on users' machines and CI runners{extra}",
                "binding.gyp" if implicit else "package.json",
                line=line,
                column=col,
                snippet=snippet,
                tier=tier,
                key=f"{name}:{command}",
                properties={"script": name, "command": command, "suspicious": hits,
                            **({"known": known.text} if known is not None and known.known else {})},
            )
        bundled = set(m.get("bundleDependencies") or m.get("bundledDependencies") or [])
        self._dependencies(text, bundled)
        if self.policy.require_files_field and "files" not in m:
            how = "nothing but npm's defaults"
            if self.a.source_dir is not None:
                if (self.a.source_dir / ".npmignore").is_file():
                    how = "a .npmignore denylist (which also switches .gitignore off)"
                elif (self.a.source_dir / ".gitignore").is_file():
                    how = ".gitignore, which was written for git, not for publishing"
            self.add(
                rules.NO_ALLOWLIST,
                f"package.json has no `files` allowlist: what ships is decided by {how}; every new build "
                "output (a .map, a .env) ships by default",
                "package.json",
                key="files",
            )

    def _known_hook(self, package: str, event: str, command: str) -> Recognition | None:
        """Whether this is a well-known package's own binary installer, by name, command and code shape."""
        from shipwarden.deps.analysis import MemoryFiles, analyze_hook
        from shipwarden.deps.known import entries_for, recognise
        from shipwarden.deps.model import Ecosystem, HookKind, InstallHook

        if not package or not entries_for(package):
            return None
        hook = InstallHook(Ecosystem.NPM, package, "", HookKind.NPM_SCRIPT, event, command, Location("package.json", 0))
        files = MemoryFiles({k: v for k, v in self.captured.items() if k != "package.json" or "package.json" in
                             known_script_files()}, self.a.label)
        return recognise(hook, analyze_hook(hook, files))

    def _dependencies(self, text: str, bundled: set[Any]) -> None:
        from shipwarden.deps.model import SourceKind
        from shipwarden.deps.sources import classify_npm

        summary = self.r.summary
        assert summary is not None
        for dep, (section, spec) in summary.dependencies.items():
            if dep in bundled:
                continue
            source = classify_npm(spec)
            if source.is_registry:
                continue
            tier = Tier.P1
            note = ""
            if source.kind is SourceKind.WORKSPACE:
                tier, note = Tier.P2, " (a workspace: protocol left in a published manifest does not install)"
            elif source.kind is SourceKind.FILE:
                note = " (a local path: it resolves on the installing machine, or fails)"
            if section == "optionalDependencies" and source.kind is SourceKind.GIT and _COMMITISH.search(spec):
                tier = Tier.P0
                note = (
                    " (an optional dependency pinned to a git commit fails silently and runs its prepare"
                    " script; the TanStack payload arrived this way)"
                )
            if spec.lower().startswith(("http://", "git://")):
                tier = Tier.P0
                note += " over an unauthenticated transport"
            line, col, snippet = _json_key_position(text, dep, after=section)
            self.add(
                rules.NON_REGISTRY_DEP,
                f"{section}.{dep} = {spec!r} comes from {source.kind.value}, not a registry{note}",
                "package.json",
                line=line,
                column=col,
                snippet=snippet,
                tier=tier,
                key=f"{section}:{dep}:{spec}",
                properties={"section": section, "dependency": dep, "spec": spec, "source": source.kind.value},
            )

    def _python(self) -> None:
        from shipwarden.deps.sources import classify_python

        meta = self.r.python or PythonMeta()
        meta_path = next((p for p in self.captured if p.endswith(".dist-info/METADATA") or p == "PKG-INFO"), "")
        for name, url in meta.url_requirements():
            source = classify_python(url)
            self.add(
                rules.NON_REGISTRY_DEP,
                f"Requires-Dist {name} @ {url} is a direct reference ({source.kind.value}), not an index "
                "requirement: installers fetch whatever that URL serves",
                meta_path,
                tier=Tier.P0 if url.lower().startswith("http://") else Tier.P1,
                key=f"{name}@{url}",
                properties={"dependency": name, "url": url, "source": source.kind.value},
            )
        knowledge = install_time()
        for path in sorted(p for p in self.captured if p.lower().endswith(".pth")):
            self._pth(path, self.captured[path], knowledge)
        if self.a.kind is ArtifactKind.SDIST and "setup.py" in self.captured:
            text = self.captured["setup.py"].decode("utf-8", "replace")
            hits = python_hits(text, knowledge.suspicious_python)
            # running code (a compiler through subprocess, exec of a version file) is what
            # build scripts do; fetching or decoding code is what loaders do
            loader = any(h not in PYTHON_RUN_MARKERS for h in hits)
            if not self.policy.allows_script("setup.py", ""):
                self.add(
                    rules.SETUP_PY,
                    "setup.py ships in the sdist: pip runs it when it builds from source (no matching wheel)"
                    + (f"; it uses {', '.join(hits)}" if hits else ""),
                    "setup.py",
                    tier=Tier.P1 if loader else None,
                    key="setup.py",
                    properties={"suspicious": hits},
                )

    def _pth(self, path: str, data: bytes, knowledge: Any) -> None:
        text = data.decode("utf-8", "replace")
        executable = [
            (i + 1, line) for i, line in enumerate(text.splitlines()) if line.startswith(("import ", "import\t"))
        ]
        if not executable:
            return
        name = posixpath.basename(path)
        import fnmatch

        for benign in knowledge.benign_pth:
            if fnmatch.fnmatchcase(name, benign.name) and all(benign.marker in line for _, line in executable):
                return
        hits = python_hits("\n".join(line for _, line in executable), knowledge.suspicious_python)
        tier = Tier.P0 if hits else Tier.P1
        where = "at every Python start-up once installed"
        if self.a.kind is ArtifactKind.SDIST:
            tier = Tier.P1 if hits else Tier.P2
            where = "at every Python start-up if the build installs it"
        first_line, first = executable[0]
        self.add(
            rules.PTH_EXEC,
            f"{name} has {len(executable)} executable line(s) that run {where}"
            + (f"; it uses {', '.join(hits)} (the LiteLLM 1.82.8 payload was such a file)" if hits else ""),
            path,
            line=first_line,
            column=1,
            snippet=first[:200],
            tier=tier,
            key=f"pth:{path}",
            properties={"executable_lines": len(executable), "suspicious": hits},
        )

    def _native(self) -> None:
        kind = self.a.kind
        platform_wheel = kind is ArtifactKind.WHEEL and not wheel_is_pure(self.a.label)
        for path, what in self.native:
            if self.policy.allows_file(path):
                continue
            low = path.lower()
            if platform_wheel and low.endswith((".so", ".pyd", ".dylib", ".dll")):
                continue
            # in a none-any wheel, an extension module is what `import` loads on its own (and the
            # wheel's tag hides it); a stand-alone .exe or library only runs when code calls it
            importable = bool(re.search(r"\.(?:so|pyd)$|\.so\.", low)) or (what == "ELF" and ".so" in low)
            pure = kind is ArtifactKind.WHEEL and not platform_wheel
            tier = Tier.P1 if (pure and importable) else None
            note = " in a pure-Python (none-any) wheel" if pure else ""
            self.add(
                rules.NATIVE_BINARY,
                f"{path} is a native binary ({what}){note}: it cannot be reviewed as source and runs with the "
                "user's rights",
                path,
                tier=tier,
                key=f"native:{path}",
                properties={"format": what},
            )

    def _layout(self) -> None:
        files = self.r.files
        paths = [f.path for f in files]
        total = sum(f.size for f in files)
        if self.a.kind.ecosystem == "npm":
            sources = [
                p
                for p in paths
                if p.lower().endswith(_SOURCE_EXT)
                and not p.lower().endswith((".d.ts", ".d.mts", ".d.cts"))
                and re.match(r"^(src|source|lib/src)/", p)
                and not self.policy.allows_file(p)
            ]
            bundles = [p for p in paths if p.startswith(_BUNDLE_DIRS) and p.endswith((".js", ".mjs", ".cjs"))]
            if sources and bundles:
                self.add(
                    rules.SOURCE_BESIDE_BUNDLE,
                    f"{len(sources):,} source file(s) under {sources[0].split('/')[0]}/ ship next to the bundled "
                    f"build ({bundles[0]}…): users run the bundle, the sources only show your tree",
                    sources[0],
                    key="source-beside-bundle",
                    properties={"sources": len(sources), "sample": sources[:10]},
                )
        p = self.policy
        over = []
        if p.max_size is not None and total > p.max_size:
            over.append(f"{_human(total)} unpacked, budget {_human(p.max_size)}")
        if p.max_files is not None and len(files) > p.max_files:
            over.append(f"{len(files):,} files, budget {p.max_files:,}")
        if over:
            self.add(
                rules.SIZE_BUDGET,
                f"{self.a.label} is over budget: {'; '.join(over)}",
                "package.json" if self.a.kind.ecosystem == "npm" else "",
                key="budget",
                properties={"bytes": total, "files": len(files)},
            )
