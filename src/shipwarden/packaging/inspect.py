"""Review one artifact: read every file once, run the leak and install-time checks.

Each file is streamed in 1 MiB chunks through the consumers that want it (a
source-map parser, an inline-map scanner, the secret scanner, a small capture
for manifests and ``.pth`` files), so memory stays flat however large the file.
"""

from __future__ import annotations

import posixpath
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from shipwarden.artifacts import ArchiveError, ArchiveLimitError, UnsafeMemberError
from shipwarden.findings import Confidence, Finding, Location, ScanError, Tier
from shipwarden.packaging import rules
from shipwarden.packaging.collect import load_json_bytes
from shipwarden.packaging.knowledge import install_time, never_ship, suspicious
from shipwarden.packaging.model import Artifact, ArtifactKind, Entry, PackedFile
from shipwarden.packaging.npm_packlist import normalize_bin
from shipwarden.packaging.policy import GatePolicy
from shipwarden.packaging.python_meta import PythonMeta, parse_entry_points, parse_metadata, wheel_is_pure
from shipwarden.packaging.secretscan import Budget, LocatedSecret, TextSecretScanner
from shipwarden.packaging.sourcemap import InlineMapScanner, SourceMapParser, SourceMapSummary, SourceRef
from shipwarden.packaging.summary import ReleaseSummary
from shipwarden.rules.registry import RuleMeta
from shipwarden.secrets import scan_text

CHUNK = 1024 * 1024
MANIFEST_LIMIT = 4 * 1024 * 1024
SMALL_LIMIT = 1024 * 1024
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
_COMMITISH = re.compile(r"#[0-9a-f]{7,40}$", re.I)


@dataclass(slots=True)
class InspectOptions:
    policy: GatePolicy = field(default_factory=GatePolicy)
    budget: Budget | None = None
    file_secret_limit: int = 8 * 1024 * 1024
    map_capture_budget: int = 8 * 1024 * 1024
    #: False for the previous release of a diff: only its summary is needed.
    checks: bool = True


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
        try:
            for entry in self.a.entries():
                self.r.files.append(PackedFile(entry.path, entry.size, entry.mode))
                self._entry(entry)
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
        self._finish()
        return self.r

    def _wants_capture(self, path: str) -> int:
        kind = self.a.kind
        low = path.lower()
        if kind.ecosystem == "npm":
            return MANIFEST_LIMIT if path == "package.json" else 0
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

    def _entry(self, entry: Entry) -> None:
        path = entry.path
        low = path.lower()
        checks = self.o.checks
        if checks:
            self._never_ship(path)
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
                TextSecretScanner(path, self.budget, self.o.file_secret_limit) if want_secrets and not binary else None
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

    # -- per-file checks ---------------------------------------------------------

    def _never_ship(self, path: str) -> None:
        if self.policy.allows_file(path):
            return
        if self.a.kind is ArtifactKind.NPM_DIR and path == "package.json":
            return
        for entry in never_ship():
            pattern = entry.matches(path)
            if pattern is None:
                continue
            self.add(
                rules.NEVER_SHIP,
                f"{entry.category} would be published: {path} (matches {pattern!r}); {entry.reason}",
                path,
                tier=entry.tier,
                key=f"{entry.id}:{path}",
                properties={"category": entry.id, "pattern": pattern},
            )
            return

    def _secret(self, path: str, hit: LocatedSecret, origin: str = "") -> None:
        m = hit.match
        tier = (
            Tier.P0
            if (m.publish_capable or m.confidence is Confidence.HIGH)
            else (Tier.P1 if m.confidence is Confidence.MEDIUM else Tier.P2)
        )
        where = f" in original file {origin} (embedded in the source map)" if origin else ""
        fixture = " (a test fixture: use an obviously fake value)" if _TEST_DIRS.search(origin or path) else ""
        publish = "; it can publish packages" if m.publish_capable else ""
        self.add(
            rules.SECRET,
            f"{m.description} {m.redacted}{where} would be published{publish}{fixture}",
            path,
            line=0 if origin else hit.line,
            column=0 if origin else hit.column,
            end_column=0 if origin else hit.end_column,
            tier=tier,
            confidence=m.confidence,
            key=f"{m.kind}:{m.fingerprint}",
            properties={
                "kind": m.kind,
                "redacted": m.redacted,
                "fingerprint": m.fingerprint,
                "publish_capable": m.publish_capable,
                **({"original_file": origin} if origin else {}),
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
        shipped = {f.path for f in self.r.files}
        for report in self.r.maps:
            if self.policy.allows_file(report.path):
                continue
            s = report.summary
            label = f"inline source map in {report.path}" if report.inline else report.path
            if s.originals:
                tops = Counter(_top_dir(o.path) for o in s.originals)
                spread = ", ".join(f"{d} {n:,}" for d, n in tops.most_common(4))
                self.add(
                    rules.SOURCE_MAP_CONTENT,
                    f"{label} gives away {s.content_files:,} original source file(s), {s.content_lines:,} lines "
                    f"({_human(s.content_bytes)}), through sourcesContent — {spread}",
                    report.path,
                    line=report.line,
                    key=f"{'inline' if report.inline else 'file'}:{report.path}",
                    properties={
                        "inline": report.inline,
                        "files": s.content_files,
                        "lines": s.content_lines,
                        "bytes": s.content_bytes,
                        "by_directory": dict(tops.most_common()),
                        "sample_paths": [o.path for o in s.originals[:25]],
                        "map_bytes": report.size,
                    },
                )
                continue
            if s.error and not s.sources:
                self.add(
                    rules.SOURCE_MAP,
                    f"{label} ships but is not a readable source map ({s.error})",
                    report.path,
                    line=report.line,
                    confidence=Confidence.LOW,
                    key=f"unreadable:{report.path}",
                )
                continue
            resolved = [_normalize_source(src, report.path, s.source_root) for src in s.sources if src]
            present = sorted({p for p in resolved if p in shipped})
            if present:
                message = (
                    f"{label} maps {len(s.sources):,} source(s) and {len(present):,} of them ship too "
                    f"({', '.join(present[:3])}{', …' if len(present) > 3 else ''}): the original code is one "
                    "click away"
                )
                confidence = Confidence.HIGH
            else:
                message = (
                    f"{label} ships without sourcesContent; it still names {len(s.sources):,} source path(s) "
                    "and the layout of the original tree"
                )
                confidence = Confidence.MEDIUM
            self.add(
                rules.SOURCE_MAP,
                message,
                report.path,
                line=report.line,
                confidence=confidence,
                key=f"{'inline' if report.inline else 'file'}:{report.path}",
                properties={"inline": report.inline, "sources": len(s.sources), "shipped_sources": present[:25]},
            )

    def _manifest_text(self) -> str:
        if self.a.source_dir is not None:
            try:
                return (self.a.source_dir / "package.json").read_text(encoding="utf-8", errors="replace")
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
            hits = suspicious(command, knowledge.suspicious_script)
            tier = Tier.P0 if hits else knowledge.npm_scripts.get(name, Tier.P1)
            line, col, snippet = (0, 0, "") if implicit else _json_key_position(text, name, after="scripts")
            why = (
                "npm runs `node-gyp rebuild` because binding.gyp ships and no install script is set"
                if implicit
                else f"`{name}: {command[:160]}`"
            )
            extra = f"; looks like a downloader or loader ({', '.join(hits)})" if hits else ""
            when = (
                "on git and local installs" if name in ("prepare", "preprepare", "postprepare") else "on every install"
            )
            self.add(
                rules.INSTALL_SCRIPT,
                f"{why} runs {when}, on users' machines and CI runners{extra}",
                "binding.gyp" if implicit else "package.json",
                line=line,
                column=col,
                snippet=snippet,
                tier=tier,
                key=f"{name}:{command}",
                properties={"script": name, "command": command, "suspicious": hits},
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
            hits = suspicious(text, knowledge.suspicious_python)
            if not self.policy.allows_script("setup.py", ""):
                self.add(
                    rules.SETUP_PY,
                    "setup.py ships in the sdist: pip runs it when it builds from source (no matching wheel)"
                    + (f"; it uses {', '.join(hits)}" if hits else ""),
                    "setup.py",
                    tier=Tier.P1 if hits else None,
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
        hits = suspicious(" ".join(line for _, line in executable), knowledge.suspicious_python)
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
            if platform_wheel and path.lower().endswith((".so", ".pyd", ".dylib", ".dll")):
                continue
            tier = Tier.P1 if (kind is ArtifactKind.WHEEL and not platform_wheel) else None
            note = " in a pure-Python (none-any) wheel" if tier else ""
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
