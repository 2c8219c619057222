"""Where the GitLab CI file of a repository root is (no parsing: cheap to import, so a
scan of a root without one never loads the GitLab analysis)."""

from __future__ import annotations

import os
from pathlib import Path

from shipwarden.core.safeio import is_regular

ROOT_FILES = (".gitlab-ci.yml", ".gitlab-ci.yaml")


def root_files(root: Path) -> list[str]:
    """The root's GitLab CI files (regular files, not links), in :data:`ROOT_FILES` order."""
    return [name for name in ROOT_FILES if is_regular(os.path.join(root, name))]
