"""What the gate reviews: artifacts (a package directory or archive) and their files."""

from __future__ import annotations

import enum
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol

from shipwarden.core import safeio


class ArtifactKind(enum.StrEnum):
    NPM_DIR = "npm-directory"
    NPM_TARBALL = "npm-tarball"
    SDIST = "sdist"
    WHEEL = "wheel"

    @property
    def ecosystem(self) -> str:
        return "npm" if self in (ArtifactKind.NPM_DIR, ArtifactKind.NPM_TARBALL) else "python"


@dataclass(frozen=True, slots=True)
class PackedFile:
    """One file that would be published. ``path`` is relative to the package root."""

    path: str
    size: int
    mode: int = 0o644


class Entry(Protocol):
    path: str
    size: int
    mode: int

    def open(self) -> IO[bytes]: ...


@dataclass(slots=True)
class DiskEntry:
    path: str
    size: int
    mode: int
    absolute: Path
    #: The folder the user named: the file must resolve inside it.
    root: Path | None = None

    def open(self) -> IO[bytes]:
        """The file through :mod:`shipwarden.core.safeio`: inside ``root``, a regular file (non-blocking open)."""
        # ``absolute`` may be relative to the working directory (a relative TARGET): never join it onto ``root``
        absolute = os.path.abspath(self.absolute)
        target = safeio.resolve_inside(self.root, absolute) if self.root is not None else absolute
        return os.fdopen(safeio.open_regular(target), "rb")


@dataclass(slots=True)
class Artifact:
    """A package as it would be published. ``entries()`` may be iterated once."""

    kind: ArtifactKind
    #: What the user calls it: "." for the target directory, or an archive path.
    label: str
    #: Prepended to package paths in finding locations ("" for a source directory,
    #: "dist/pkg-1.0.0.tgz!/package/" for an archive member).
    prefix: str
    entries: Callable[[], Iterator[Entry]]
    #: How the file list was obtained: "npm pack", "built-in packlist", "archive", "python -m build".
    origin: str = "archive"
    source_dir: Path | None = None
    #: Facts known before reading (e.g. the package.json of a directory).
    manifest: dict[str, Any] = field(default_factory=dict)

    def location(self, path: str) -> str:
        return self.prefix + path

    @property
    def manifest_path(self) -> str:
        if self.kind.ecosystem == "npm":
            return self.location("package.json")
        return self.label
