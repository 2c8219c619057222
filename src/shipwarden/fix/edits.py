"""Minimal textual edits of a file and their unified diff.

A fix never re-serialises a workflow: it replaces or inserts exact character
ranges of the original text, so comments, quoting and layout stay as written.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass


class EditConflict(ValueError):
    """Two edits of one file overlap."""


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace ``text[start:end]`` with ``replacement`` (``start == end`` inserts)."""

    start: int
    end: int
    replacement: str

    def __post_init__(self) -> None:
        if not 0 <= self.start <= self.end:
            raise ValueError(f"bad edit range {self.start}..{self.end}")


def apply_edits(text: str, edits: list[Edit]) -> str:
    """``text`` with every edit applied; overlapping edits raise :class:`EditConflict`.

    Insertions at the same offset are applied in the order given.
    """
    ordered = sorted(enumerate(edits), key=lambda pair: (pair[1].start, pair[1].end, pair[0]))
    out: list[str] = []
    pos = 0
    for _, edit in ordered:
        if edit.start < pos:
            raise EditConflict(f"edit at {edit.start} overlaps an earlier edit ending at {pos}")
        if edit.end > len(text):
            raise EditConflict(f"edit ends at {edit.end}, past the end of the text ({len(text)})")
        out.append(text[pos : edit.start])
        out.append(edit.replacement)
        pos = edit.end
    out.append(text[pos:])
    return "".join(out)


def unified_diff(path: str, before: str, after: str) -> str:
    """A unified diff of one file, ``a/`` and ``b/`` prefixed like ``git diff``."""
    lines = difflib.unified_diff(
        before.splitlines(keepends=True),
        after.splitlines(keepends=True),
        fromfile=f"a/{path}",
        tofile=f"b/{path}",
    )
    text = "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)
    return text
