"""Classify how a dependency is resolved: registry, git, plain URL, local file or workspace.

Lockfiles write the same facts in many spellings (``git+ssh://…#sha``,
``github:owner/repo#sha``, ``codeload.github.com/…/tar.gz/sha``, yarn berry's
``name@git+https://…#commit=sha``, pip's ``git+https://…@sha#egg=name``). Every
reader funnels them through :func:`classify_npm` or :func:`classify_python`.
"""

from __future__ import annotations

import re

from shipwarden.deps.model import REGISTRY, Source, SourceKind

_GIT_PREFIXES = ("git+", "git://", "git@", "github:", "gitlab:", "bitbucket:", "gist:")
_FILE_PREFIXES = ("file:", "link:", "portal:", "./", "../", "/", "~/")
#: Hosts that serve a git commit as a tarball: still a git source.
_GIT_ARCHIVE = re.compile(r"^https?://(codeload\.github\.com|github\.com/[^/]+/[^/]+/(archive|tarball))/", re.I)
#: A shorthand ``owner/repo#ref`` that npm treats as a GitHub dependency.
_GITHUB_SHORTHAND = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+(#.+)?$")
_URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.I)


def _is_registry_tarball(url: str) -> bool:
    """A registry tarball URL: ``…/<name>/-/<name>-<version>.tgz``."""
    path = url.split("?", 1)[0].split("#", 1)[0]
    return "/-/" in path and path.endswith(".tgz")


def classify_npm(spec: str) -> Source:
    """An npm ``resolved`` URL or a spec from a lockfile or ``package.json``."""
    spec = spec.strip()
    if not spec:
        return REGISTRY
    low = spec.lower()
    if low.startswith("workspace:"):
        return Source(SourceKind.WORKSPACE, spec[len("workspace:") :])
    if low.startswith(_GIT_PREFIXES) or low.split("#", 1)[0].endswith(".git") or _GIT_ARCHIVE.match(spec):
        return Source(SourceKind.GIT, spec)
    if low.startswith(_FILE_PREFIXES):
        return Source(SourceKind.FILE, spec)
    if low.startswith("npm:"):
        return REGISTRY
    if _URL.match(spec):
        return REGISTRY if _is_registry_tarball(spec) else Source(SourceKind.URL, spec)
    if _GITHUB_SHORTHAND.match(spec) and not spec.startswith("@"):
        return Source(SourceKind.GIT, "github:" + spec)
    return REGISTRY


def classify_python(spec: str) -> Source:
    """A requirement's URL part (``git+https://…``, ``https://…/x.whl``, ``./pkg``)."""
    spec = spec.strip()
    low = spec.lower()
    if low.startswith(("git+", "hg+", "svn+", "bzr+")):
        return Source(SourceKind.GIT, spec)
    if low.startswith("file:") or low.startswith(("./", "../", "/", "~")) or (not _URL.match(spec) and ("/" in spec or spec == ".")):
        return Source(SourceKind.FILE, spec)
    if _URL.match(spec):
        return Source(SourceKind.URL, spec)
    return REGISTRY


_SDIST_SUFFIXES = (".tar.gz", ".tgz", ".zip", ".tar.bz2", ".tar.xz", ".tar")


def is_sdist_name(filename: str) -> bool:
    """A source distribution (building it runs setup.py or a build backend), not a wheel."""
    name = filename.lower().split("?", 1)[0].split("#", 1)[0]
    return name.endswith(_SDIST_SUFFIXES) and not name.endswith(".whl")


def split_npm_ident(ident: str) -> tuple[str, str]:
    """``@scope/name@1.2.3`` → (``@scope/name``, ``1.2.3``); the spec may be a URL or git spec."""
    at = ident.find("@", 1)
    if at <= 0:
        return ident, ""
    return ident[:at], ident[at + 1 :]
