"""Turn a TARGET (package directory, npm tarball, wheel, sdist, or a folder of them) into artifacts."""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from shipwarden.artifacts import ArchiveError, Limits, Member, archive_format, open_archive
from shipwarden.core import safeio
from shipwarden.core.findings import ScanError
from shipwarden.packaging.model import Artifact, ArtifactKind, DiskEntry, Entry
from shipwarden.packaging.npm import NpmPackError, find_npm, npm_pack_dry_run
from shipwarden.packaging.npm_packlist import PacklistError, npm_packlist, read_manifest

ARCHIVE_SUFFIXES = (".tgz", ".tar.gz", ".tar", ".whl", ".zip", ".tar.bz2", ".tar.xz")
_WHEEL = re.compile(r"^[^-]+-[^-]+(-\d[^-]*)?-[^-]+-[^-]+-[^-]+\.whl$")


@dataclass(slots=True)
class Collected:
    artifacts: list[Artifact] = field(default_factory=list)
    errors: list[ScanError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _MemberEntry:
    path: str
    size: int
    mode: int
    member: Member

    def open(self):  # type: ignore[no-untyped-def]
        return self.member.open()


def is_archive_name(name: str) -> bool:
    return name.lower().endswith(ARCHIVE_SUFFIXES)


def archive_kind(path: Path) -> ArtifactKind | None:
    """Guess what an archive is from its name and first member."""
    name = path.name.lower()
    if name.endswith(".whl"):
        return ArtifactKind.WHEEL
    fmt = archive_format(path)
    if fmt is None:
        return None
    if fmt == "zip":
        return ArtifactKind.SDIST  # legacy .zip sdists
    if name.endswith(".tgz"):
        return ArtifactKind.NPM_TARBALL
    try:
        with open_archive(path, Limits(max_members=64)) as archive:
            for member in archive:
                top, _, rest = member.name.partition("/")
                if rest in ("PKG-INFO", "pyproject.toml", "setup.py"):
                    return ArtifactKind.SDIST
                if top == "package" and rest == "package.json":
                    return ArtifactKind.NPM_TARBALL
    except ArchiveError:
        pass
    return ArtifactKind.NPM_TARBALL if name.endswith(".tgz") else ArtifactKind.SDIST


def archive_artifact(path: Path, label: str, kind: ArtifactKind, limits: Limits | None = None) -> Artifact:
    strip_top = kind in (ArtifactKind.NPM_TARBALL, ArtifactKind.SDIST)

    def entries() -> Iterator[Entry]:
        with open_archive(path, limits, display=label) as archive:
            for member in archive:
                if not member.is_file:
                    continue
                name = member.name
                if strip_top:
                    _, sep, rest = name.partition("/")
                    name = rest if sep else name
                yield _MemberEntry(name, member.size, member.mode, member)

    top = ""
    if strip_top:
        top = _first_top(path, label, limits)
    return Artifact(kind=kind, label=label, prefix=f"{label}!/{top}", entries=entries, origin="archive")


def _first_top(path: Path, label: str, limits: Limits | None) -> str:
    with contextlib.suppress(ArchiveError), open_archive(path, limits, display=label) as archive:
        for member in archive:
            top, sep, _ = member.name.partition("/")
            return top + "/" if sep else ""
    return ""


def npm_directory_artifact(directory: Path, label: str, prefix: str, packlist: str) -> tuple[Artifact, list[str]]:
    """The files npm would publish from ``directory`` (``packlist``: auto | npm | builtin)."""
    notes: list[str] = []
    try:
        manifest = read_manifest(directory)
    except PacklistError as exc:
        # The review goes on over the files without a manifest; it reports "no readable package.json".
        notes.append(f"{label}: {exc}")
        manifest = {}
    files: list[tuple[str, int, int]] | None = None
    origin = "built-in packlist"
    if packlist in ("auto", "npm") and find_npm():
        try:
            files = [(e.path, e.size, e.mode) for e in npm_pack_dry_run(directory)]
            origin = "npm pack --dry-run --ignore-scripts"
        except NpmPackError as exc:
            if packlist == "npm":
                raise PacklistError(str(exc)) from None
            notes.append(f"{label}: {exc}; used the built-in packlist")
    elif packlist == "npm":
        raise PacklistError("npm is not installed (use --packlist builtin)")
    if files is None:
        files = []
        for rel in npm_packlist(directory):
            try:
                st = (directory / rel).stat()
            except OSError:
                st = None
            files.append((rel, st.st_size if st else 0, st.st_mode & 0o777 if st else 0o644))

    def entries() -> Iterator[Entry]:
        for rel, size, mode in files:
            absolute = directory / rel
            try:
                size = absolute.stat().st_size
            except OSError:
                size = 0  # a broken or looping link: opening it gives the per-file note
            yield DiskEntry(rel, size, mode, absolute, directory)

    artifact = Artifact(
        kind=ArtifactKind.NPM_DIR,
        label=label,
        prefix=prefix,
        entries=entries,
        origin=origin,
        source_dir=directory,
        manifest=manifest,
    )
    return artifact, notes


def collect(target: Path, *, packlist: str = "auto", limits: Limits | None = None) -> Collected:
    """Artifacts for a TARGET that needs no build (see :mod:`shipwarden.packaging.pybuild` for ``--build``)."""
    out = Collected()
    if target.is_file():
        kind = archive_kind(target)
        if kind is None:
            out.errors.append(ScanError(target.name, "not an npm tarball, wheel or sdist", "not-an-archive"))
            return out
        out.artifacts.append(archive_artifact(target, target.name, kind, limits))
        return out
    if not target.is_dir():
        out.errors.append(ScanError(str(target), "no such file or directory", "missing"))
        return out
    if (target / "package.json").is_file():
        try:
            artifact, notes = npm_directory_artifact(target, ".", "", packlist)
        except PacklistError as exc:
            out.errors.append(ScanError("package.json", str(exc), "packlist"))
            return out
        out.artifacts.append(artifact)
        out.notes.extend(notes)
        return out
    archives = sorted(p for p in target.iterdir() if p.is_file() and is_archive_name(p.name))
    for path in archives:
        kind = archive_kind(path)
        if kind is None:
            out.errors.append(ScanError(path.name, "not a readable archive", "not-an-archive"))
            continue
        out.artifacts.append(archive_artifact(path, path.name, kind, limits))
    if not archives:
        if (target / "pyproject.toml").is_file() or (target / "setup.py").is_file():
            out.errors.append(
                ScanError(
                    ".",
                    "a Python project: pass --build to build its sdist and wheel (runs the project's build "
                    "backend in an isolated, offline environment), or point TARGET at built archives",
                    "needs-build",
                )
            )
        else:
            out.errors.append(
                ScanError(".", "nothing to review: no package.json, pyproject.toml or package archives", "empty")
            )
    return out


def load_json_bytes(data: bytes) -> dict[str, object] | None:
    try:
        value = safeio.load_json(data.decode("utf-8-sig"), "JSON")
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def wheel_name_ok(name: str) -> bool:
    return bool(_WHEEL.match(os.path.basename(name)))
