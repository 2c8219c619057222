"""What every fixer shares: the document, proposals, skips and block edits.

One fixer per rule lives beside this module; ``fixers.FIXERS`` maps rule ids to them.

A fixer never guesses: when the text is not in a shape it can edit exactly
(flow-style mappings, a shell it does not model, an expression inside single
quotes), it proposes nothing and says why. Each proposal carries the logical
change it makes (``expect``) so the engine can check that the edited file
parses to exactly the old document with that change and nothing else.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shipwarden.ci.yamlspan import Mapping, Node
from shipwarden.core.findings import Finding
from shipwarden.core.textindex import SourceText
from shipwarden.fix.edits import Edit
from shipwarden.fix.yamltext import block_indent, content_end, ensure_newline, jobs_of, line_after


class FixLevel(enum.Enum):
    """``safe``: keeps what the workflow does; ``unsafe``: may change behaviour, needs a human look."""

    SAFE = "safe"
    UNSAFE = "unsafe"


#: A key path into the plain document (mapping keys and sequence indices).
KeyPath = tuple[str | int, ...]


@dataclass(slots=True)
class Document:
    """A workflow or action file as text, spans and plain data."""

    path: str
    source: SourceText
    root: Node
    #: Every step mapping with its key path in the plain document.
    steps: list[tuple[KeyPath, Mapping]] = field(default_factory=list)
    #: The scanned root (local actions are read from it), when known.
    base: Path | None = None
    #: Reads another file of the root the way the engine does (inside the root, bounded).
    read: Callable[[Path], str] = field(default=lambda path: _refuse(path))

    def offset(self, line: int, column: int) -> int:
        return self.source.line_start(line) + max(column, 1) - 1

    def step_at(self, offset: int) -> tuple[KeyPath, Mapping] | None:
        best: tuple[KeyPath, Mapping] | None = None
        for path, step in self.steps:
            if step.start <= offset < step.end and (best is None or step.start >= best[1].start):
                best = (path, step)
        return best

    def job_of(self, path: KeyPath) -> Mapping | None:
        if len(path) >= 2 and path[0] == "jobs":
            for key, job in jobs_of(self.root):
                if key.value == path[1]:
                    return job
        return None


@dataclass(slots=True)
class Proposal:
    """A fix for one or more findings of one rule in one file."""

    rule_id: str
    path: str
    line: int
    description: str
    level: FixLevel
    findings: list[Finding]
    edits: list[Edit] = field(default_factory=list)
    #: Applies the same change to the plain document (for the equivalence check).
    expect: Callable[[Any], None] | None = None


@dataclass(frozen=True, slots=True)
class Skipped:
    """A finding with no automatic fix, and why."""

    rule_id: str
    path: str
    line: int
    reason: str


Outcome = Proposal | Skipped
Fixer = Callable[[list[Finding], Document], list[Outcome]]


def _refuse(path: Path) -> str:
    raise OSError(f"{path}: no reader")


def node_at(plain: Any, path: KeyPath) -> Any:
    for part in path:
        plain = plain[part]
    return plain


def _child_indent(doc: Document, mapping: Mapping) -> int | None:
    indent = block_indent(doc.source, mapping)
    return indent


def append_to_block(doc: Document, mapping: Mapping, lines: list[str]) -> Edit | None:
    """Insert ``lines`` (``key: value`` texts) as new keys at the end of a block mapping."""
    indent = _child_indent(doc, mapping)
    if indent is None:
        return None
    at = line_after(doc.source, content_end(doc.source, mapping))
    text = "".join(" " * indent + line + "\n" for line in lines)
    return Edit(at, at, ensure_newline(doc.source, at) + text)


def add_block_key(doc: Document, step: Mapping, key: str, lines: list[str]) -> Edit | None:
    """Insert ``key:`` with ``lines`` as its block mapping after the last key of ``step``."""
    indent = block_indent(doc.source, step)
    if indent is None:
        return None
    at = line_after(doc.source, content_end(doc.source, step))
    text = " " * indent + key + ":\n" + "".join(" " * (indent + 2) + line + "\n" for line in lines)
    return Edit(at, at, ensure_newline(doc.source, at) + text)


