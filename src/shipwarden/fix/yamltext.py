"""Where things are in a workflow's text: steps, keys, indentation, line starts."""

from __future__ import annotations

from shipwarden.ci.yamlspan import Mapping, Node, Scalar, Sequence
from shipwarden.core.textindex import SourceText


def block_indent(source: SourceText, mapping: Mapping) -> int | None:
    """0-based column of a block mapping's keys; ``None`` for a flow mapping (``{…}``)."""
    if source.text[mapping.start : mapping.start + 1] == "{" or not mapping.items:
        return None
    first = mapping.items[0][0]
    _, column = source.position(first.start)
    indent = column - 1
    for key, _ in mapping.items[1:]:
        line, col = source.position(key.start)
        if col - 1 != indent:
            return None
    return indent


def line_after(source: SourceText, offset: int) -> int:
    """The offset where the line after the one holding ``offset - 1`` begins.

    A node's end offset may sit at the start of the next line (block scalars)
    or right after its last character; either way this is where a new line
    following the node can be inserted.
    """
    text = source.text
    if offset > 0 and text[offset - 1] == "\n":
        return offset
    newline = text.find("\n", offset)
    return len(text) if newline == -1 else newline + 1


def content_end(source: SourceText, node: Node) -> int:
    """Where a node's own text ends.

    libyaml ends a block collection at the next token, which may sit on the
    line after the collection's last line (the next ``- `` of a sequence); the
    collection's own text ends with its last value, so look there.
    """
    while isinstance(node, (Mapping, Sequence)) and node.items and source.text[node.start : node.start + 1] not in "[{":
        last = node.items[-1]
        node = last[1] if isinstance(last, tuple) else last
    return node.end


def ensure_newline(source: SourceText, offset: int) -> str:
    """A newline to put before text inserted at ``offset`` at the very end of a
    file that does not end with one; else nothing."""
    return "\n" if offset == len(source.text) and source.text and not source.text.endswith("\n") else ""


def steps_with_paths(root: Node) -> list[tuple[tuple[str | int, ...], Mapping]]:
    """Every step mapping of a workflow (``jobs.*.steps``) or an action
    (``runs.steps``), with its key path in the plain document."""
    found: list[tuple[tuple[str | int, ...], Mapping]] = []
    if not isinstance(root, Mapping):
        return found
    for key, job in jobs_of(root):
        steps = job.get("steps")
        if isinstance(steps, Sequence):
            found.extend((("jobs", key.value, "steps", i), s) for i, s in enumerate(steps) if isinstance(s, Mapping))
    runs = root.get("runs")
    steps = runs.get("steps") if isinstance(runs, Mapping) else None
    if isinstance(steps, Sequence):
        found.extend((("runs", "steps", i), s) for i, s in enumerate(steps) if isinstance(s, Mapping))
    return found


def jobs_of(root: Node) -> list[tuple[Scalar, Mapping]]:
    if not isinstance(root, Mapping):
        return []
    jobs = root.get("jobs")
    if not isinstance(jobs, Mapping):
        return []
    return [(k, v) for k, v in jobs if isinstance(v, Mapping)]
