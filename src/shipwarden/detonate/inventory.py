"""``deps --detonate``: the packages of ``deps``' inventory that run code at install or start-up, as targets.

* **npm**: every installed package whose install hook ``deps`` did not judge clean (its folder under the root).
* **Python builds** (``setup.py`` or a PEP 517 backend runs): a pin the index has only an sdist for, one a
  ``--no-binary`` option names, or a local source tree or archive the lock says is built. A registry pin's sdist
  comes through :class:`~shipwarden.registry.RegistryClient` (the user's index, cached, checked against the
  index's sha256) and must match a hash the lock records when it records any. git checkouts and plain URLs are
  not fetched: a note says how to detonate them.
* **``.pth`` start-up code** of an installed site-packages (not a known benign one): the ``.pth`` file, its
  distribution's metadata and the top-level modules of that site-packages its lines name, copied into a small
  site-packages of their own; Python's start-up runs it.

Nothing here runs any of that code: it is handed to :func:`shipwarden.detonate.run_detonate`.
"""

from __future__ import annotations

import posixpath
import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from shipwarden.core import safeio
from shipwarden.core.findings import ScanError
from shipwarden.deps.fetch import check_lock_hashes
from shipwarden.deps.inputs import folder_of
from shipwarden.deps.model import Dependency, Ecosystem, HookKind, InstallHook, SourceKind
from shipwarden.deps.records import HookRecord
from shipwarden.deps.requirements import normalize
from shipwarden.registry import RegistryClient, RegistryError
from shipwarden.sandbox.copy import CopyLimitError, copy_tree

#: what a copied site-packages may hold (the .pth's own modules), like any unpacked package
_MAX_SITE = 512 << 20
_PIN = re.compile(r"^\d[0-9A-Za-z.+!_-]*$")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(slots=True)
class Plan:
    """Paths to detonate (with the label each one's findings carry), and what could not be had."""

    targets: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    errors: list[ScanError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, target: Path, label: str) -> None:
        key = str(target)
        if key not in self.labels:
            self.targets.append(key)
            self.labels[key] = label


def plan(root: Path, records: Iterable[object], work: Path, client: RegistryClient | None,
         dependencies: Iterable[Dependency] = ()) -> Plan:
    """The targets of ``deps --detonate`` among ``records`` (``deps``' hook records); ``work`` holds copies."""
    out = Plan()
    locked: dict[tuple[str, str], list[Dependency]] = {}
    installed: set[str] = set()
    for dep in dependencies:
        if dep.ecosystem is Ecosystem.PYPI:
            locked.setdefault((normalize(dep.name), dep.version), []).append(dep)
            if dep.lockfile == "site-packages":
                installed.add(normalize(dep.name))
    not_installed = [deps for (name, _), deps in locked.items() if name not in installed]
    wheels = sum(1 for deps in not_installed if all(d.builds_from_source is False for d in deps))
    unknown = sum(1 for deps in not_installed if any(d.builds_from_source is None for d in deps))
    if wheels:
        out.notes.append(f"--detonate: {wheels} locked Python package(s) install from wheels, which were not "
                         "opened: a .pth start-up file in one is detonated once it is installed (run deps on the "
                         "installed site-packages)")
    if unknown:
        out.notes.append(f"--detonate: for {unknown} locked Python package(s) the lock does not say whether a wheel "
                         "or the sdist installs: not detonated (--fetch asks the index)")
    for record in records:
        if not isinstance(record, HookRecord):
            continue
        hook = record.hook
        if hook.ecosystem is Ecosystem.NPM:
            if hook.package_dir and record.analysis.judgements:
                folder = root / hook.package_dir
                if (folder / "package.json").is_file():
                    out.add(folder, str(folder))
        elif hook.kind is HookKind.PYTHON_BUILD and not hook.known:
            _python_build(root, hook, locked.get((normalize(hook.package), hook.version), []), client, out)
        elif hook.kind is HookKind.PTH and not hook.known and hook.package_dir:
            _pth_site(root, hook, work, out)
    return out


def _python_build(root: Path, hook: InstallHook, deps: list[Dependency], client: RegistryClient | None,
                  out: Plan) -> None:
    where = hook.location.path
    if hook.package_dir:
        out.add(root / hook.package_dir, hook.package_dir)
        return
    kind = hook.source.kind
    if kind is SourceKind.FILE:
        archive = _local_archive(root, where, hook.source.url)
        if archive is not None:
            out.add(archive, str(archive.relative_to(root)))
        else:
            out.notes.append(f"--detonate: {hook.ident} builds from {hook.source.url[:120]}, which is not a source "
                             "tree or archive under the project: not detonated")
        return
    if kind is not SourceKind.REGISTRY:
        out.notes.append(f"--detonate: {hook.ident} builds from {kind.value} {hook.source.url[:120]}: not fetched "
                         "(get the source yourself, then: shipwarden detonate DIR)")
        return
    if not _PIN.match(hook.version):
        out.notes.append(f"--detonate: {hook.package} {hook.version or '(no version)'} is not pinned to one "
                         "version: not fetched")
        return
    if client is None:
        client = RegistryClient(cwd=root)
    try:
        dist, path = client.pypi_download(hook.package, hook.version, prefer=("sdist",))
    except RegistryError as exc:
        out.errors.append(ScanError(where, f"--detonate {hook.ident}: {exc}", "detonate"))
        return
    if dist.kind != "sdist":
        out.notes.append(f"--detonate: {hook.ident}: the index has no sdist of this version (pip installs "
                         f"{dist.filename}): not detonated")
        return
    pinned = [d for d in deps if d.hashes]
    try:
        for dep in pinned:  # every lock that pins this version must pin this file
            check_lock_hashes(dep, path)
    except ValueError as exc:
        out.errors.append(ScanError(where, f"--detonate {hook.ident}: {dist.filename}: {exc}", "detonate"))
        return
    if not pinned:
        out.notes.append(f"--detonate: {hook.ident}: the lock records no hash; {dist.filename} was checked "
                         "against the index's sha256 only")
    out.add(path, f"pypi:{dist.filename}")


def _local_archive(root: Path, lock_path: str, url: str) -> Path | None:
    raw = url.removeprefix("file://").removeprefix("file:")
    if raw.startswith("/") or not raw.endswith((".tar.gz", ".zip", ".tgz")):
        return None
    rel = posixpath.normpath(posixpath.join(folder_of(lock_path), raw))
    if rel.startswith(".."):
        return None
    path = root / rel
    return path if path.is_file() and not path.is_symlink() else None


def _pth_site(root: Path, hook: InstallHook, work: Path, out: Plan) -> None:
    """A small site-packages: the ``.pth``, its owner's ``*.dist-info`` and the site's top-level modules its text
    names (what ``import`` in it would find), copied (bounded, links not followed)."""
    site = root / hook.package_dir
    pth = root / hook.location.path
    try:
        text = safeio.read_text(pth, limit=1 << 20)
    except (OSError, ValueError) as exc:
        out.errors.append(ScanError(hook.location.path, f"--detonate {hook.event}: not read ({exc})", "detonate"))
        return
    words = set(_WORD.findall(text))
    dest = work / f"site-{len(out.targets)}"
    dest.mkdir(parents=True)
    total = 0
    owner = normalize(hook.package) if hook.package else ""
    try:
        for entry in sorted(site.iterdir()):
            if entry.is_symlink() or entry.name == "__pycache__":
                continue
            name = entry.name
            if name.endswith(".dist-info"):
                keep = bool(owner) and normalize(name[: -len(".dist-info")].rsplit("-", 1)[0]) == owner
            elif entry == pth:
                keep = True
            elif name.endswith(".pth"):
                keep = False
            else:
                keep = name.split(".", 1)[0] in words
            if not keep:
                continue
            if entry.is_dir():
                total += _copy_dir(entry, dest / name, _MAX_SITE - total)
            elif entry.is_file():
                total += entry.stat().st_size
                if total > _MAX_SITE:
                    raise OSError(f"more than {_MAX_SITE >> 20} MiB")
                shutil.copyfile(entry, dest / name)
    except OSError as exc:
        out.errors.append(ScanError(hook.location.path, f"--detonate {hook.event}: not copied ({exc})", "detonate"))
        return
    out.add(dest, hook.location.path)


def _copy_dir(src: Path, dest: Path, budget: int) -> int:
    try:
        return copy_tree(src, dest, max_bytes=budget).bytes
    except CopyLimitError as exc:  # the whole .pth is skipped
        raise OSError(str(exc)) from None
