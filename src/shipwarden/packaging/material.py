"""Test, example and documentation material inside a package, told from the code users run.

A test suite's TLS key or ``tests/apps/.env`` is a fixture, not the
maintainer's configuration: the never-ship and secret checks lower their tier
there and say why. Which folder and file names are such material is knowledge,
kept in ``packaging/data/material.toml``.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from shipwarden.core.tables import load_table


@dataclass(frozen=True, slots=True)
class _Material:
    fixtures: re.Pattern[str]
    folders: re.Pattern[str]
    docs_prefixes: tuple[str, ...]
    files: re.Pattern[str]


def _alternatives(patterns: list[str]) -> str:
    return "|".join(f"(?:{p})" for p in patterns)


@functools.cache
def _material() -> _Material:
    table = load_table("shipwarden.packaging", "material.toml")
    nonprod = table["non-production"]
    return _Material(
        fixtures=re.compile(rf"(^|/)(?:{_alternatives(table['fixtures']['folders'])})/", re.IGNORECASE),
        folders=re.compile(rf"^(?:{_alternatives(nonprod['folders'])})$", re.IGNORECASE),
        docs_prefixes=tuple(nonprod["docs-folder-prefixes"]),
        files=re.compile(rf"^(?:{_alternatives(nonprod['files'])})$", re.IGNORECASE),
    )


def in_fixture_folder(path: str) -> bool:
    """``path`` lies in a folder of test fixtures (``tests/``, ``__fixtures__/``, ``testdata/``, …)."""
    return _material().fixtures.search(path) is not None


def non_production(path: str) -> str:
    """``"test"`` or ``"docs"`` when ``path`` is test, example or documentation material, else ``""``."""
    parts = [p for p in path.replace("\\", "/").split("/") if p not in ("", ".", "..")]
    if not parts:
        return ""
    material = _material()
    for part in parts[:-1]:
        if material.folders.match(part):
            low = part.lower()
            return "docs" if low.startswith(material.docs_prefixes) else "test"
    name = parts[-1]
    if material.files.match(name):
        low = name.lower()
        return "test" if ("test" in low or "spec" in low) else "docs"
    return ""
