"""What the gate checks read: the result of one artifact's pass, and the finding sink.

:class:`~shipwarden.packaging.inspect` collects the inputs (files, captured
manifests, source-map summaries, native binaries); every check in
:mod:`shipwarden.packaging.rules` reads a :class:`Review` and adds findings
through :meth:`Review.add`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from shipwarden.core import safeio
from shipwarden.core.catalogue import RuleMeta
from shipwarden.core.findings import Confidence, Finding, Location, Repeats, ScanError, Tier
from shipwarden.packaging.model import Artifact, PackedFile
from shipwarden.packaging.policy import GatePolicy
from shipwarden.packaging.python_meta import PythonMeta
from shipwarden.packaging.sourcemap import SourceMapSummary
from shipwarden.packaging.summary import ReleaseSummary

MANIFEST_LIMIT = 4 * 1024 * 1024
SMALL_LIMIT = 1024 * 1024


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


@dataclass(slots=True)
class Review:
    """One artifact under review: its inputs as the pass collected them, and the findings so far."""

    artifact: Artifact
    policy: GatePolicy
    result: ArtifactResult
    #: Small files kept whole: manifests, ``.pth`` files, the scripts well-known hooks run.
    captured: dict[str, bytes] = field(default_factory=dict)
    #: (path, format) of every native binary seen.
    native: list[tuple[str, str]] = field(default_factory=list)
    #: Never-ship matches judged harmless by content: reason -> paths (said in a note).
    unreported: dict[str, list[str]] = field(default_factory=dict)
    #: Keys already given in this artifact, so a repeat gets its own fingerprint (``core.findings.Repeats``).
    repeats: Repeats = field(default_factory=Repeats)
    #: What a check computed that another reads too (``maps.classify``), by name.
    memo: dict[str, Any] = field(default_factory=dict)

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
        previous_key: str = "",
    ) -> None:
        loc = Location(
            self.artifact.location(path) if path else self.artifact.label,
            line=line,
            column=column,
            end_line=line if end_column else 0,
            end_column=end_column,
            snippet=snippet,
        )
        self.result.findings.append(
            meta.finding(message, [loc], tier=tier, confidence=confidence, key=key or path, properties=properties,
                         previous_key=previous_key)
        )

    @property
    def is_npm(self) -> bool:
        return self.artifact.kind.ecosystem == "npm"

    def manifest_text(self) -> str:
        """``package.json`` as text (for exact positions), or "" when it cannot be read."""
        if self.artifact.source_dir is not None:
            try:
                return safeio.read_text("package.json", root=self.artifact.source_dir, limit=MANIFEST_LIMIT)
            except OSError:
                return ""
        return self.captured.get("package.json", b"").decode("utf-8", "replace")

    def metadata_path(self) -> str:
        """The Python metadata file (``*.dist-info/METADATA`` or ``PKG-INFO``) captured, or ""."""
        return next((p for p in self.captured if p.endswith(".dist-info/METADATA") or p == "PKG-INFO"), "")


def human(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if abs(n) < 1000 or unit == "GB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1000
    return f"{n:.1f} GB"  # pragma: no cover


def json_key_position(text: str, key: str, after: str = "") -> tuple[int, int, str]:
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
