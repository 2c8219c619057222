"""What ``deps`` knows about a project: dependencies, their sources and install-time hooks."""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass, field

from shipwarden.core.findings import Location


class Ecosystem(enum.StrEnum):
    NPM = "npm"
    PYPI = "pypi"


class SourceKind(enum.StrEnum):
    """Where a locked dependency comes from."""

    REGISTRY = "registry"
    GIT = "git"
    URL = "url"  # a tarball or wheel at a plain URL
    FILE = "file"  # a local path, link, directory or archive
    WORKSPACE = "workspace"  # a package of the project itself


@dataclass(frozen=True, slots=True)
class Source:
    kind: SourceKind
    #: The resolved URL, git remote and commit, or path ("" for the default registry).
    url: str = ""

    @property
    def is_registry(self) -> bool:
        return self.kind is SourceKind.REGISTRY

    def describe(self) -> str:
        return self.kind.value if not self.url else f"{self.kind.value} {self.url}"


REGISTRY = Source(SourceKind.REGISTRY)


@dataclass(slots=True)
class Dependency:
    """One locked (or installed) package version."""

    name: str
    version: str
    ecosystem: Ecosystem
    source: Source
    #: Where it is recorded: the lockfile entry (or installed manifest).
    origin: Location
    #: True/False when the lockfile records whether it runs an install script
    #: (npm ``hasInstallScript``, pnpm v6 ``requiresBuild``); None when it does not say.
    install_script: bool | None = None
    #: Python: True when only a source distribution is locked, so installing runs a build backend.
    builds_from_source: bool | None = None
    dev: bool = False
    optional: bool = False
    #: Integrity hashes recorded for the artifact (``sha512-…``, ``sha256:…``).
    hashes: tuple[str, ...] = ()
    #: npm lockfile v2+: the install path (``node_modules/a/node_modules/b``).
    install_path: str = ""
    #: The lockfile format that recorded it (``package-lock``, ``pnpm-lock`` …).
    lockfile: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.ecosystem.value, self.name, self.version)


class HookKind(enum.StrEnum):
    """How a dependency gets to run code when it is installed."""

    NPM_SCRIPT = "npm-script"  # preinstall / install / postinstall / prepare
    NATIVE_BUILD = "native-build"  # binding.gyp → implicit ``node-gyp rebuild``
    LOCKFILE_FLAG = "lockfile-flag"  # the lockfile says it runs a script; content not available
    PTH = "pth"  # executable lines of a ``.pth`` file: run at every interpreter start
    PYTHON_BUILD = "python-build"  # sdist / VCS / local source: setup.py or a build backend runs


@dataclass(slots=True)
class InstallHook:
    """A piece of code that runs when a dependency is installed (or, for ``.pth``, at start-up)."""

    ecosystem: Ecosystem
    package: str
    version: str
    kind: HookKind
    #: ``postinstall``, ``prepare``, ``binding.gyp``, the ``.pth`` file name, ``setup.py`` …
    event: str
    #: The command line, the ``.pth`` lines, or a short description.
    command: str
    #: Where the hook is declared (the manifest's script line, the ``.pth`` file …).
    location: Location
    source: Source = REGISTRY
    #: Directory of the package's files, relative to the scanned root ("" when not local).
    package_dir: str = ""
    optional: bool = False
    #: Hashes of every file the analysis read for this hook, by root-relative path.
    file_hashes: dict[str, str] = field(default_factory=dict)
    #: What the project's configuration says about it (``allowed``, ``blocked``, ``runs``) and why.
    policy: str = ""
    policy_reason: str = ""
    #: A well-known benign hook (setuptools' ``distutils-precedence.pth`` …).
    known: str = ""
    #: Files the analysis could not read or parse.
    notes: list[str] = field(default_factory=list)

    @property
    def ident(self) -> str:
        return f"{self.package}@{self.version}" if self.version else self.package

    @property
    def digest(self) -> str:
        """sha256 of the hook: its command and the content of every file it was found to run."""
        h = hashlib.sha256()
        h.update(f"{self.kind.value}\x1f{self.event}\x1f{self.command}".encode("utf-8", "surrogatepass"))
        for path in sorted(self.file_hashes):
            # File names relative to the package, so the digest depends neither on the scan
            # root nor on where the files came from (``pkg@1.0.0.tgz!setup.js`` when fetched).
            rel = path.split("!", 1)[-1]
            if self.package_dir and rel.startswith(self.package_dir + "/"):
                rel = rel[len(self.package_dir) + 1 :]
            h.update(f"\x1e{rel}\x1f{self.file_hashes[path]}".encode("utf-8", "surrogatepass"))
        return h.hexdigest()


@dataclass(slots=True)
class Lockfile:
    """A parsed lockfile: its format, version and dependencies."""

    path: str  # relative to the scanned root
    format: str  # package-lock, npm-shrinkwrap, pnpm-lock, yarn-v1, yarn-berry, bun-lock, requirements, poetry-lock, uv-lock, pylock
    ecosystem: Ecosystem
    version: str = ""
    dependencies: list[Dependency] = field(default_factory=list)
    #: Custom package indexes / registries the lockfile names (requirements ``--index-url`` …).
    indexes: list[str] = field(default_factory=list)


class LockfileError(ValueError):
    """A lockfile could not be parsed; the scan goes on without it."""

    def __init__(self, message: str, line: int = 0, kind: str = "lockfile") -> None:
        super().__init__(message)
        self.line = line
        self.kind = kind
