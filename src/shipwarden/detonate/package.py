"""The package to detonate: unpacked from a tarball, wheel, sdist or folder (bounded), its lifecycle scripts, and what it needs installed first."""

from __future__ import annotations

import os
import re
import shutil
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from shipwarden.artifacts.errors import ArchiveError
from shipwarden.artifacts.limits import Limits as ArchiveLimits
from shipwarden.artifacts.model import MemberKind
from shipwarden.artifacts.zip import ZipArchive
from shipwarden.core import safeio
from shipwarden.core.tables import load_table
from shipwarden.detonate import pysource
from shipwarden.sandbox.copy import CopyLimitError, copy_tree

_MAX_UNPACKED = 512 << 20
_MAX_MEMBERS = 50_000


class DetonateError(Exception):
    pass


@dataclass(slots=True)
class Package:
    ecosystem: str  # npm | pypi
    name: str
    version: str
    #: lifecycle event -> command (npm), or "wheel"/"sdist" steps (Python)
    scripts: dict[str, str] = field(default_factory=dict)
    manifest: dict[str, Any] = field(default_factory=dict)
    #: host folder of the unpacked package (or the archive, for wheels)
    source: Path = Path()
    label: str = ""
    #: host folder of a node_modules tree installed beside it (``--with-deps``), or None
    dependencies: Path | None = None
    #: host folder of the wheels an sdist's build needs (fetched by :func:`fetch_build_wheels`), or None
    wheelhouse: Path | None = None



@lru_cache(maxsize=1)
def _lifecycle() -> dict[str, Any]:
    return load_table("shipwarden.detonate", "lifecycle.toml")


# -- preparing the package ------------------------------------------------------


def _extract_tar(archive: Path, dest: Path) -> None:
    """Unpack a (gzipped) tarball with tarfile's ``data`` filter, bounded."""
    try:
        with tarfile.open(archive, "r:*") as tf:
            members = []
            total = 0
            for i, member in enumerate(tf):
                if i >= _MAX_MEMBERS:
                    raise DetonateError(f"{archive.name}: more than {_MAX_MEMBERS:,} members")
                if not (member.isfile() or member.isdir()):
                    continue
                total += member.size
                if total > _MAX_UNPACKED:
                    raise DetonateError(f"{archive.name}: unpacks to more than {_MAX_UNPACKED >> 20} MiB")
                members.append(member)
            tf.extractall(dest, members=members, filter="data")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise DetonateError(f"{archive.name}: not a readable tarball ({exc})") from None


def _single_top(folder: Path) -> Path:
    entries = [e for e in folder.iterdir() if not e.name.startswith(".")] if folder.is_dir() else []
    if len(entries) == 1 and entries[0].is_dir():
        return entries[0]
    return folder


def _read_json(path: Path, limit: int = 4 << 20) -> dict[str, Any]:
    """A JSON object from a regular file (bounded, depth-checked); {} when unreadable."""
    try:
        value = safeio.load_json(safeio.read_bytes(path, limit=limit), str(path.name))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def npm_scripts(manifest: dict[str, Any], has_gyp: bool, *, from_source: bool = False) -> dict[str, str]:
    """The install-time scripts npm runs for this package, in npm's order (``prepare`` too from source)."""
    table = _lifecycle()["npm"]
    raw = manifest.get("scripts")
    scripts = {k: v for k, v in raw.items() if isinstance(v, str)} if isinstance(raw, dict) else {}
    out: dict[str, str] = {}
    for event in [*table["events"], *(table["source_events"] if from_source else [])]:
        if event in scripts:
            out[event] = scripts[event]
        elif event == "install" and has_gyp and "preinstall" not in scripts:
            out[event] = table["gyp_default"]
    return out


def load_npm_package(folder: Path, label: str, *, from_source: bool = False) -> Package:
    manifest = _read_json(folder / "package.json")
    if not manifest:
        raise DetonateError(f"{label}: no readable package.json")
    name = str(manifest.get("name") or "package")
    version = str(manifest.get("version") or "0.0.0")
    if not re.fullmatch(r"(@[A-Za-z0-9][\w.-]*/)?[A-Za-z0-9][\w.-]*", name):
        raise DetonateError(f"{label}: {name[:80]!r} is not an npm package name")
    scripts = npm_scripts(manifest, (folder / "binding.gyp").is_file(), from_source=from_source)
    return Package("npm", name, version, scripts, manifest, folder, label or f"{name}@{version}")


def install_dependencies(package: Package, tarball: Path, work: Path, timeout: float = 600.0) -> None:
    """Install the package's dependency tree beside it, the way npm would, but with ``--ignore-scripts``.

    Runs npm outside the sandbox through the user's npm configuration (this
    fetches code, never runs it), in an empty project of its own so no project
    ``.npmrc`` applies; its logs stay in ``work``. The tree then goes into the
    sandbox's workspace, so the install script finds what it requires.
    """
    npm = shutil.which("npm")
    if npm is None:
        raise DetonateError("--with-deps needs npm")
    project = work / "deps-project"
    project.mkdir()
    (project / "package.json").write_text('{"name": "detonate-deps", "version": "1.0.0", "private": true}\n')  # not-output: scratch project
    cmd = [npm, "install", str(tarball), "--ignore-scripts", "--no-audit", "--no-fund", "--omit=dev",
           "--no-save", "--loglevel=error", f"--logs-dir={work / 'npm-logs'}", "--foreground-scripts=false"]
    import subprocess

    try:
        proc = subprocess.run(cmd, cwd=project, capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DetonateError(f"{package.label}: npm install --ignore-scripts failed to run ({exc})") from None
    if proc.returncode != 0:
        from shipwarden.secrets.redactor import redact_text as redact_secrets

        tail = " / ".join(redact_secrets(proc.stderr).strip().splitlines()[-3:])
        raise DetonateError(f"{package.label}: its dependencies could not be installed: {tail}")
    package.dependencies = project / "node_modules"


@lru_cache(maxsize=1)
def _system_python() -> tuple[str, str]:
    """The sandbox's interpreter and its X.Y version."""
    import subprocess

    try:
        proc = subprocess.run(["/usr/bin/python3", "-I", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                              capture_output=True, text=True, timeout=60, check=True, env={})
    except (OSError, subprocess.SubprocessError) as exc:
        raise DetonateError(f"/usr/bin/python3 does not run: {exc}") from None
    return "/usr/bin/python3", proc.stdout.strip()


def unzip(archive: Path, dest: Path, *, max_bytes: int = _MAX_UNPACKED, max_members: int = _MAX_MEMBERS) -> None:
    """Unpack a zip (a wheel or a ``.zip`` sdist) into the empty folder ``dest`` with the bounds of a tarball.

    Every member is checked on the central directory before a byte is inflated (:mod:`shipwarden.artifacts`):
    member count, declared sizes, compression ratio and overlapping entries (zip bombs), absolute, ``..`` and
    control-character names. Links, like a tarball's, are skipped; devices and FIFOs refuse the archive. Files are
    created new (``O_EXCL``, never through a link), read at most to their declared size."""
    limits = ArchiveLimits(max_total_size=max_bytes, max_members=max_members, max_member_size=max_bytes,
                           allow_links=True)
    try:
        with ZipArchive(str(archive), limits, display=archive.name) as zf:
            for member in zf:
                if member.kind is MemberKind.DIR:
                    (dest / member.name).mkdir(parents=True, exist_ok=True)
                elif member.is_file:
                    _write_member(dest / member.name, member.iter_chunks(), 0o755 if member.mode & 0o111 else 0o644)
    except ArchiveError as exc:
        raise DetonateError(f"{archive.name}: not unpacked: {exc}") from None
    except OSError as exc:
        raise DetonateError(f"{archive.name}: not unpacked ({exc.strerror or exc})") from None


def _write_member(path: Path, chunks: Iterator[bytes], mode: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, mode)
    with os.fdopen(fd, "wb") as fh:  # not-output: an archive member unpacked for the sandbox
        for chunk in chunks:
            fh.write(chunk)


def load_python_tree(folder: Path, label: str) -> Package:
    """Files that go into site-packages (an unpacked wheel, or a site-packages folder): their ``.pth`` start-up code."""
    pths = sorted(p.name for p in folder.glob("*.pth") if p.is_file() and not p.is_symlink())
    name, version = label, ""
    for info in sorted(folder.glob("*.dist-info")):
        stem = info.name[: -len(".dist-info")]
        name, _, version = stem.partition("-")
        break
    if not pths:
        raise DetonateError(f"{label}: no .pth file (a wheel runs no code at install; its .pth files run at start-up)")
    return Package("pypi", name, version or "0", {"startup": "python -c pass"}, {"pth": pths}, folder, label)


def load_source(folder: Path, label: str) -> Package:
    """A Python sdist (unpacked) or source tree: pip builds it with its backend, installs the wheel, then starts."""
    name, version = pysource.name_and_version(folder, Path(label).name)
    try:
        reqs = pysource.requirements(folder)
    except pysource.SourceError as exc:
        raise DetonateError(f"{label}: {exc}") from None
    scripts = {"build": " ".join(pysource.build_command()), "install": "pip install --no-deps <built wheel>",
               "startup": "python -c pass"}
    legacy, coverage = pysource.setup_requires(folder)
    manifest = {"sdist": True, "requires": reqs, "setup_requires": [r for r in legacy if r not in reqs],
                "coverage": coverage}
    return Package("pypi", name, version, scripts, manifest, folder, label)


def fetch_build_wheels(package: Package, work: Path) -> None:
    """Fetch an sdist's build requirements as wheels through the user's pip configuration (outside the sandbox)."""
    dest = work / "wheels"
    try:
        pysource.fetch(list(package.manifest.get("requires", [])), dest, _system_python()[1])
    except pysource.SourceError as exc:
        raise DetonateError(f"{package.label}: {exc}") from None
    package.wheelhouse = dest
    # legacy setup_requires: setuptools downloads them during the build, which the sandbox's network refuses;
    # fetched here as wheels and installed into the build venv with the rest, setuptools finds them present
    legacy = list(package.manifest.get("setup_requires", []))
    if legacy:
        try:
            pysource.fetch(legacy, work / "setup-requires", _system_python()[1])
        except pysource.SourceError:
            package.manifest.setdefault("coverage", []).append(
                f"setup_requires ({', '.join(legacy)[:200]}) could not be had as wheels through your pip "
                "configuration: setuptools tries to download them during the build, which the sandbox refuses, "
                "so the build may stop there — what setup.py does after that was not watched")
            return
        for wheel in (work / "setup-requires").glob("*.whl"):
            if not (dest / wheel.name).exists():
                shutil.copyfile(wheel, dest / wheel.name)
        package.manifest["requires"] = [*package.manifest.get("requires", []), *legacy]


def prepare(target: Path, work: Path) -> Package:
    """Unpack or copy ``target`` under ``work`` and read what it runs at install time."""
    name = target.name
    if name.endswith(".whl") and target.is_file():
        dest = work / "wheel"
        dest.mkdir()
        unzip(target, dest)
        return load_python_tree(dest, name)
    if target.is_dir() and not (target / "package.json").is_file() and any(target.glob("*.pth")):
        dest = work / "site"
        try:
            copy_tree(target, dest, max_bytes=_MAX_UNPACKED)
        except (CopyLimitError, OSError) as exc:
            raise DetonateError(f"{target}: {exc}") from None
        return load_python_tree(dest, str(target))
    if target.is_dir():
        if (target / "package.json").is_file():
            dest = work / "pkg"
            try:
                copy_tree(target, dest, max_bytes=_MAX_UNPACKED)
            except (CopyLimitError, OSError) as exc:
                raise DetonateError(f"{target}: {exc}") from None
            return load_npm_package(dest, str(target), from_source=True)
        if pysource.is_source_tree(target):
            dest = work / "src"
            try:
                copy_tree(target, dest, max_bytes=_MAX_UNPACKED)
            except (CopyLimitError, OSError) as exc:
                raise DetonateError(f"{target}: {exc}") from None
            return load_source(dest, str(target))
        raise DetonateError(f"{target}: not an npm package folder (no package.json) nor a site-packages folder with .pth files")
    if name.endswith((".tgz", ".tar.gz", ".zip")):
        dest = work / "unpacked"
        dest.mkdir()
        if name.endswith(".zip"):
            unzip(target, dest)  # older sdists, and some projects' still
        else:
            _extract_tar(target, dest)
        top = _single_top(dest)
        if (top / "package.json").is_file():
            return load_npm_package(top, name)
        if pysource.is_source_tree(top):
            return load_source(top, name)
        raise DetonateError(f"{name}: neither an npm tarball (package.json) nor a Python sdist (setup.py, pyproject.toml)")
    raise DetonateError(
        f"{target}: not an npm package folder or tarball, a Python sdist or source tree, a wheel, or a site-packages folder"
    )


# -- the scratch tree -----------------------------------------------------------


