"""Where in a file a secret sits: documentation material or code.

A key in a JSDoc ``@example``, a JWT in a Python docstring or a token in a
Markdown code fence is written for readers; the same value assigned in code is
what the program uses. :func:`doc_context` tells them apart from the text
around the match, bounded to :data:`REACH` characters before it, so it costs
the same on a 30 MB bundle as on a small file.

Syntaxes come from the file's extension (``data/doc_context.toml``); an
unknown extension (a source map's embedded original, a text without a path)
is tried with the comment syntaxes only.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from functools import cache

from shipwarden.core.tables import load_table

#: How far before a match the enclosing comment, docstring or fence is looked for.
REACH = 64 * 1024

_JSDOC_LINE = re.compile(r"^[ \t]*\*(?:[ \t]|$)")
_LINE_COMMENT = re.compile(r"^[ \t]*//")
_TRIPLE = re.compile(r"\"\"\"|'''")
_FENCE = re.compile(r"^[ \t]{0,3}(?:```|~~~)", re.MULTILINE)
_INDENTED = re.compile(r"(?: {4}|\t)")
_DOCSTRING_OPEN = re.compile(r"^[ \t]*[rRuUbB]{0,2}$")


@dataclass(frozen=True, slots=True)
class Syntaxes:
    block_comment: frozenset[str]
    docstring: frozenset[str]
    markdown: frozenset[str]
    markdown_names: frozenset[str]


@cache
def syntaxes() -> Syntaxes:
    data = load_table("shipwarden.secrets", "doc_context.toml")

    def exts(key: str) -> frozenset[str]:
        return frozenset(str(e).lower() for e in data["extensions"][key])

    return Syntaxes(
        block_comment=exts("block_comment"),
        docstring=exts("docstring"),
        markdown=exts("markdown"),
        markdown_names=frozenset(str(n).lower() for n in data["markdown_names"]),
    )


def _kind(path: str) -> str:
    """``"code"``, ``"python"``, ``"markdown"`` or ``""`` (unknown) for ``path``."""
    name = posixpath.basename(path.replace("\\", "/")).lower()
    if not name:
        return ""
    s = syntaxes()
    ext = posixpath.splitext(name)[1]
    if ext in s.markdown or name in s.markdown_names:
        return "markdown"
    if ext in s.docstring:
        return "python"
    if ext in s.block_comment:
        return "code"
    return ""


def _line_bounds(text: str, pos: int) -> tuple[int, int]:
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    return start, len(text) if end < 0 else end


def _in_block_comment(text: str, pos: int, lo: int) -> bool:
    """Inside ``/* … */`` on a comment line (``* …``, the JSDoc layout), or after ``//``."""
    start, _ = _line_bounds(text, pos)
    prefix = text[start:pos]
    if _LINE_COMMENT.match(prefix):
        return True
    if not _JSDOC_LINE.match(prefix):
        return False
    opened = text.rfind("/*", lo, start)
    return opened >= 0 and text.rfind("*/", opened, start) < 0


def _in_docstring(text: str, pos: int, lo: int) -> bool:
    """Inside a triple-quoted string that stands alone as a statement (a docstring)."""
    marks = list(_TRIPLE.finditer(text, lo, pos))
    # an even count of triple quotes before the match: outside any triple-quoted string
    return len(marks) % 2 == 1 and _opens_docstring(text, marks[-1].start())


def _opens_docstring(text: str, quote: int) -> bool:
    start, _ = _line_bounds(text, quote)
    return _DOCSTRING_OPEN.match(text[start:quote]) is not None


def _in_fence(text: str, pos: int, lo: int) -> bool:
    """Inside a Markdown code fence or an indented code block."""
    fences = len(_FENCE.findall(text, lo, pos))
    if fences % 2 == 1:
        return True
    start, _ = _line_bounds(text, pos)
    return _INDENTED.match(text, start) is not None


def doc_context(text: str, pos: int, path: str = "") -> str:
    """A short reason when ``text[pos]`` sits in documentation material, else ``""``.

    ``"a documentation comment"`` (``/** … */`` lines, ``//`` comments),
    ``"a docstring"`` or ``"a Markdown code example"``.
    """
    kind = _kind(path)
    lo = max(0, pos - REACH)
    if kind == "markdown":
        return "a Markdown code example" if _in_fence(text, pos, lo) else ""
    if kind == "python":
        if _in_docstring(text, pos, lo):
            return "a docstring"
        start, _ = _line_bounds(text, pos)
        return "a comment" if text[start:pos].lstrip().startswith("#") else ""
    if kind in ("code", "") and _in_block_comment(text, pos, lo):
        return "a documentation comment"
    return ""
