"""Where the GitLab CI file of a repository root is (no parsing: cheap to import, so a
scan of a root without one never loads the GitLab analysis)."""

from __future__ import annotations

import os
from pathlib import Path

from shipwarden.core.safeio import Root, entry_is_regular, is_regular

ROOT_FILES = (".gitlab-ci.yml", ".gitlab-ci.yaml")


def root_files(root: Path | Root) -> list[str]:
    """The root's GitLab CI files (regular files, not links), in :data:`ROOT_FILES` order;
    from the root's listing when given its :class:`Root`."""
    if isinstance(root, Root):
        listed = root.listing()
        if listed is not None:
            files = {entry.name: entry for entry in listed[1]}
            return [name for name in ROOT_FILES if name in files and entry_is_regular(files[name])]
        root = Path(root.path)
    return [name for name in ROOT_FILES if is_regular(os.path.join(root, name))]
