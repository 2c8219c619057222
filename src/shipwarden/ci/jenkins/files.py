"""Where the Jenkinsfiles of a repository root are (no parsing: cheap to import, so a
scan of a root without any never loads the Jenkins analysis)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from shipwarden.core.safeio import Root, entry_is_link, entry_is_regular

#: How deep below the root Jenkinsfiles are looked for (``ci/release/Jenkinsfile``).
MAX_DEPTH = 4
MAX_FILES = 200
_NAME = re.compile(r"^Jenkinsfile([._-][\w.-]+)?$|\.jenkinsfile$|\.Jenkinsfile$")
_SKIP = frozenset({".git", "node_modules", "vendor", ".venv", "venv", "target", "build", "dist"})


def jenkinsfiles(root: Path | Root) -> list[str]:
    """Relative paths of Jenkinsfiles (regular files, no links followed), sorted; from the
    listings of the root's :class:`Root` when given one."""
    found: list[str] = []
    base = root if isinstance(root, Root) else Root(root)
    if _search(base, os.path.basename(base.path), [], found):
        return found  # the first MAX_FILES in walk order
    return sorted(found)


def _search(base: Root, folder: str, parts: list[str], found: list[str]) -> bool:
    """Add the Jenkinsfiles of the folder named ``folder``, ``parts`` below the root, and of
    its subfolders, depth first in name order (``os.walk``'s order), to ``found``; True once
    MAX_FILES are."""
    listed = base.listing("/".join(parts))
    if listed is None:
        return False
    folders, files = listed
    for entry in files:
        if _NAME.search(entry.name) and entry_is_regular(entry):
            found.append("/".join([*parts, entry.name]))
            if len(found) >= MAX_FILES:
                return True
    # Jenkinsfile.d/core/release style: any file in a Jenkinsfile.d folder
    if folder == "Jenkinsfile.d" or "Jenkinsfile.d" in parts:
        for entry in files:
            rel = "/".join([*parts, entry.name])
            if rel not in found and "." not in entry.name and entry_is_regular(entry):
                found.append(rel)
    if len(parts) < MAX_DEPTH:
        for entry in folders:
            name = entry.name
            if name in _SKIP or entry_is_link(entry):
                continue
            if _search(base, name, [*parts, name], found):
                return True
    return False
