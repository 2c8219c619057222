"""Reading lockfiles and scripts as text: size limits, line lookup, locations."""

from __future__ import annotations

import re
from pathlib import Path

from shipwarden.core import safeio
from shipwarden.core.findings import Location
from shipwarden.core.textindex import SourceText

#: Largest lockfile or manifest read (a 100k-package pnpm lockfile is ~30 MB).
MAX_LOCKFILE_BYTES = 64 * 1024 * 1024
#: Longest snippet kept in a location.
MAX_SNIPPET = 160


class FileTooLarge(ValueError):
    pass


def read_text(path: Path, limit: int = MAX_LOCKFILE_BYTES, *, root: Path | None = None) -> str:
    """UTF-8 text of a regular file inside ``root`` (undecodable bytes replaced), through :mod:`shipwarden.core.safeio`.

    Raises FileTooLarge above ``limit`` and :class:`~shipwarden.core.safeio.ReadRefused`
    (an ``OSError``) for a file outside the root or not a regular file.
    """
    try:
        return safeio.read_text(path, root=root, limit=limit)
    except safeio.ReadRefused as exc:
        if exc.kind == "too-large":
            raise FileTooLarge(str(exc)) from None
        raise


#: Offsets → 1-based lines for one text, built once.
LineIndex = SourceText


_JSON_KEY = re.compile(r'^[ \t]*"((?:[^"\\]|\\.)*)"[ \t]*:', re.M)


def json_key_lines(text: str) -> dict[str, int]:
    """First line of every ``"key":`` that starts a line of a pretty-printed JSON text."""
    index = LineIndex(text)
    lines: dict[str, int] = {}
    for m in _JSON_KEY.finditer(text):
        lines.setdefault(m.group(1), index.line(m.start(1)))
    return lines


def snippet(text: str) -> str:
    text = " ".join(text.strip().split())
    return text if len(text) <= MAX_SNIPPET else text[: MAX_SNIPPET - 1] + "…"


def location(path: str, line: int = 0, label: str = "", text: str = "", column: int = 0) -> Location:
    return Location(path=path, line=line, column=column, label=label, snippet=snippet(text) if text else "")
