"""Inline suppressions: ``# shipwarden: ignore[rule-id, other-id] reason``.

A comment suppresses a finding when it names the finding's rule id exactly and
sits either on the finding's primary line (a trailing comment is fine) or on a
comment-only line directly above it. ``//`` comments are accepted as well as
``#`` ones. ``ignore[*]`` and id prefixes are deliberately not supported.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Collection, Iterable
from pathlib import Path

from shipwarden.core import safeio
from shipwarden.core.findings import Finding
from shipwarden.core.structs import struct

#: ``reader(path)`` returns the text of a root-relative path, or ``None``.
SourceReader = Callable[[str], str | None]

#: Files larger than this are not read for suppression comments.
MAX_SOURCE_BYTES = 5 * 1024 * 1024

_DIRECTIVE = re.compile(r"(?:#|//)\s*shipwarden\s*:\s*ignore\[([^\]]*)\]")
_COMMENT_ONLY = re.compile(r"^\s*(?:#|//)")
_RULE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-/]*$")


@struct(frozen=True)
class Directive:
    """One ``shipwarden: ignore[...]`` comment."""

    line: int
    rule_ids: frozenset[str]
    #: The comment is alone on its line, so it also covers the next line.
    own_line: bool


def parse_directives(text: str) -> dict[int, Directive]:
    """All suppression comments of a file, by 1-based line number."""
    out: dict[int, Directive] = {}
    if "shipwarden" not in text:  # no line holds a directive (most files)
        return out
    for number, line in enumerate(text.splitlines(), start=1):
        if "shipwarden" not in line:
            continue
        directive = parse_line(line, number)
        if directive is not None:
            out[number] = directive
    return out


def parse_line(line: str, number: int = 0) -> Directive | None:
    match = _DIRECTIVE.search(line)
    if match is None:
        return None
    ids = frozenset(part.strip() for part in match.group(1).split(",") if _RULE_ID.match(part.strip()))
    if not ids:
        return None
    return Directive(number, ids, own_line=_COMMENT_ONLY.match(line) is not None)


def file_reader(roots: Iterable[Path], plain: Collection[str] = ()) -> SourceReader:
    """A reader for finding paths, confined to ``roots``.

    A path that starts with a root as given (the prefix multi-root scans put on
    locations) is read inside that root; other relative paths are tried against
    each root (first hit wins) when there are only a few. Paths that leave a
    root (``..``, symlinks), are not regular files or are larger than
    :data:`MAX_SOURCE_BYTES` read as ``None``. Results are cached.

    ``plain`` are paths whose files are known to hold no ``shipwarden`` comment
    (:attr:`Report.plain_sources <shipwarden.core.findings.Report.plain_sources>`):
    they read as ``""``, with the same (no) directives, without reading them again.
    """
    # the prefix each root puts on paths (the root as given, with one final "/") → the root
    given: dict[str, Path] = {}
    for root in roots:
        given.setdefault(str(root).rstrip("/") + "/", root)
    # resolved on first use: a scan of many roots reads the files of few
    resolved: dict[str, safeio.Root] = {}
    cache: dict[str, str | None] = {}

    def root_of(prefix: str) -> safeio.Root:
        found = resolved.get(prefix)
        if found is None:
            found = resolved[prefix] = safeio.Root(os.path.abspath(given[prefix]))
        return found

    def read(path: str) -> str | None:
        if path in cache:
            return cache[path]
        if path in plain:
            return ""
        text: str | None = None
        # the longest prefix: every prefix ends with "/", so it ends at a "/" of the path
        ends = [i + 1 for i, ch in enumerate(path) if ch == "/" and path[: i + 1] in given]
        if ends:
            text = _read_inside(root_of(path[: ends[-1]]), path[ends[-1] :])
        elif len(given) <= _MAX_UNPREFIXED_ROOTS:
            for prefix in given:
                text = _read_inside(root_of(prefix), path)
                if text is not None:
                    break
        cache[path] = text
        return text

    return read


#: With more roots than this, only root-prefixed paths are looked up.
_MAX_UNPREFIXED_ROOTS = 8


def _read_inside(root: safeio.Root, path: str) -> str | None:
    if not path or Path(path).is_absolute():
        return None
    try:
        return safeio.read_text(path, root=root, limit=MAX_SOURCE_BYTES)
    except (OSError, ValueError):
        return None


def is_suppressed(finding: Finding, directives: dict[int, Directive]) -> bool:
    line = finding.primary.line
    if line <= 0:
        return False
    same = directives.get(line)
    if same is not None and finding.rule_id in same.rule_ids:
        return True
    above = directives.get(line - 1)
    return above is not None and above.own_line and finding.rule_id in above.rule_ids


def apply_suppressions(findings: list[Finding], reader: SourceReader | None) -> tuple[list[Finding], list[Finding]]:
    """Split ``findings`` into (kept, suppressed).

    Without the file text (``reader`` is ``None`` or returns ``None``) the
    primary location's snippet is still checked for a same-line comment.
    """
    parsed: dict[str, dict[int, Directive]] = {}
    kept: list[Finding] = []
    dropped: list[Finding] = []
    for finding in findings:
        primary = finding.primary
        directives = parsed.get(primary.path)
        if directives is None:
            text = reader(primary.path) if reader is not None and primary.line > 0 else None
            directives = parse_directives(text) if text is not None else {}
            parsed[primary.path] = directives
        hit = bool(directives) and is_suppressed(finding, directives)
        if not hit and primary.line > 0 and "shipwarden" in primary.snippet and primary.line not in directives:
            own = parse_line(primary.snippet, primary.line)
            hit = own is not None and finding.rule_id in own.rule_ids
        (dropped if hit else kept).append(finding)
    return kept, dropped
