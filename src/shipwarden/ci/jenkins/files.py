"""Where the Jenkinsfiles of a repository root are (no parsing: cheap to import, so a
scan of a root without any never loads the Jenkins analysis)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from shipwarden.core.safeio import is_regular

#: How deep below the root Jenkinsfiles are looked for (``ci/release/Jenkinsfile``).
MAX_DEPTH = 4
MAX_FILES = 200
_NAME = re.compile(r"^Jenkinsfile([._-][\w.-]+)?$|\.jenkinsfile$|\.Jenkinsfile$")
_SKIP = frozenset({".git", "node_modules", "vendor", ".venv", "venv", "target", "build", "dist"})


def jenkinsfiles(root: Path) -> list[str]:
    """Relative paths of Jenkinsfiles (regular files, no links followed), sorted."""
    found: list[str] = []
    top = os.fspath(root)
    for dirpath, dirnames, filenames in os.walk(top, followlinks=False):
        rel_dir = os.path.relpath(dirpath, top)
        parts = [] if rel_dir == "." else rel_dir.split(os.sep)
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP) if len(parts) < MAX_DEPTH else []
        for name in sorted(filenames):
            if _NAME.search(name) and is_regular(os.path.join(dirpath, name)):
                found.append("/".join([*parts, name]))
                if len(found) >= MAX_FILES:
                    return found
        # Jenkinsfile.d/core/release style: any file in a Jenkinsfile.d folder
        if os.path.basename(dirpath) == "Jenkinsfile.d" or "Jenkinsfile.d" in parts:
            for name in sorted(filenames):
                rel = "/".join([*parts, name])
                if rel not in found and "." not in name and is_regular(os.path.join(dirpath, name)):
                    found.append(rel)
    return sorted(found)
