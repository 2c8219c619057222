"""A scanned file with its text: exact locations of YAML nodes and of offsets inside scalar values.

Every provider's model keeps one per file (GitHub workflows and actions, GitLab CI files, Jenkinsfiles).
"""

from __future__ import annotations

import re

from shipwarden.ci.yamlspan import Node, Scalar, SourceText
from shipwarden.core.findings import Location
from shipwarden.core.structs import struct


@struct(eq=False)
class SourceFile:
    """A parsed file: its path relative to the scanned root and its text."""

    path: str
    source: SourceText

    def location(self, node: Node | None, label: str = "", *, whole: bool = False) -> Location:
        """Location of a node. Block scalars point at their first line unless ``whole``."""
        if node is None:
            return Location(self.path, 1, 1, 1, 1, label)
        start, end = node.start, node.end
        if isinstance(node, Scalar) and node.style in ("|", ">") and not whole:
            end = start + 1
        return self.span(start, end, label)

    def span(self, start: int, end: int, label: str = "") -> Location:
        # a span ending with a newline should end on its last line, not the next
        text = self.source.text
        while end > start and text[end - 1 : end] in ("\n", "\r"):
            end -= 1
        line, col, end_line, end_col, snippet = self.source.positions(start, end)
        return Location(self.path, line, col, end_line, end_col, label, snippet)

    def scalar_offset(self, node: Scalar, value_offset: int) -> int:
        """Map an offset inside a scalar's *value* back to a source offset.

        Exact for literal blocks (``|``), plain and single-line quoted scalars;
        other styles fall back to searching the raw text of the node.
        """
        text = self.source.text
        if node.style == "|":
            value = node.value
            line_no = value.count("\n", 0, value_offset)
            line_start_in_value = value.rfind("\n", 0, value_offset) + 1
            col = value_offset - line_start_in_value
            first_src_line, _ = self.source.position(node.start)
            src_line = first_src_line + 1 + line_no
            if src_line > self.source.line_count:
                return node.start
            indent = self._block_indent(node, first_src_line)
            return min(self.source.line_start(src_line) + indent + col, node.end)
        if node.style == "" and "\n" not in text[node.start : node.end]:
            return node.start + value_offset
        if node.style in ("'", '"') and "\n" not in text[node.start : node.end]:
            raw = text[node.start + 1 : node.end - 1]
            if raw == node.value:
                return node.start + 1 + value_offset
        # fallback: find the value's text near the offset in the raw node
        probe = node.value[value_offset : value_offset + 24]
        raw_index = text.find(probe, node.start, node.end) if probe else -1
        return raw_index if raw_index >= 0 else node.start

    def _block_indent(self, node: Scalar, header_line: int) -> int:
        header = self.source.line_text(header_line)
        m = re.search(r"[|>]([1-9])?[+-]?([1-9])?\s*(#.*)?$", header)
        explicit = m and (m.group(1) or m.group(2))
        parent_indent = len(header) - len(header.lstrip(" "))
        if explicit:
            return parent_indent + int(explicit)
        for ln in range(header_line + 1, self.source.line_count + 1):
            line = self.source.line_text(ln)
            if line.strip():
                return len(line) - len(line.lstrip(" "))
            if self.source.line_start(ln) >= node.end:
                break
        return parent_indent + 2

    def value_location(self, node: Scalar, start: int, end: int, label: str = "") -> Location:
        """Location of the value substring ``[start, end)`` of a scalar."""
        s = self.scalar_offset(node, start)
        e = self.scalar_offset(node, end) if end > start else s
        if e < s:
            e = s
        return self.span(s, e, label)
