"""Where the Jenkinsfiles of a repository root are (no parsing: cheap to import, so a
scan of a root without any never loads the Jenkins analysis)."""

from __future__ import annotations

import os
import re
from pathlib import Path

#: How deep below the root Jenkinsfiles are looked for (``ci/release/Jenkinsfile``).
MAX_DEPTH = 4
MAX_FILES = 200
_NAME = re.compile(r"^Jenkinsfile([._-][\w.-]+)?$|\.jenkinsfile$|\.Jenkinsfile$")
_SKIP = frozenset({".git", "node_modules", "vendor", ".venv", "venv", "target", "build", "dist"})


def jenkinsfiles(root: Path) -> list[str]:
    """Relative paths of Jenkinsfiles (regular files, no links followed), sorted."""
    found: list[str] = []
    base = len(root.parts)
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        depth = len(Path(dirpath).parts) - base
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP) if depth < MAX_DEPTH else []
        for name in sorted(filenames):
            full = Path(dirpath, name)
            if _NAME.search(name) and full.is_file() and not full.is_symlink():
                found.append(full.relative_to(root).as_posix())
                if len(found) >= MAX_FILES:
                    return found
        # Jenkinsfile.d/core/release style: any file in a Jenkinsfile.d folder
        if Path(dirpath).name == "Jenkinsfile.d" or "Jenkinsfile.d" in Path(dirpath).parts[base:]:
            for name in sorted(filenames):
                full = Path(dirpath, name)
                rel = full.relative_to(root).as_posix()
                if rel not in found and full.is_file() and not full.is_symlink() and "." not in name:
                    found.append(rel)
    return sorted(found)
