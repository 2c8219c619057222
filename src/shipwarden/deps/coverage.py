"""What each lockfile let ``deps`` see: packages that run install-time code, and those nobody can tell.

A package's install-time code is *known* when the lockfile records a script
flag (npm v2/v3 ``hasInstallScript``, pnpm 5.x/6.x ``requiresBuild``), when its
installed manifest was read, or when ``--fetch`` read it from the registry.
Otherwise it is *unknown*, and the coverage statement says why (the format's
facts live in ``data/lockfile_coverage.toml``) and the exact command that
settles it.
"""

from __future__ import annotations

import enum
import functools
import shlex
from dataclasses import dataclass
from typing import Any

from shipwarden.core.findings import Coverage
from shipwarden.core.tables import load_table
from shipwarden.deps.model import Dependency, Ecosystem, Lockfile, SourceKind
from shipwarden.deps.shapes import as_dict

SUBJECT = "install-time code"
#: Between alternative commands in :attr:`Coverage.resolve`.
RESOLVE_SEPARATOR = "; or "


class Seen(enum.Enum):
    """What is known about one locked package's install-time code."""

    RUNS = "runs"
    NONE = "none"
    UNKNOWN = "unknown"
    #: Not a third-party package (a workspace member, a folder of the project).
    OWN = "own"


@dataclass(frozen=True, slots=True)
class FormatFacts:
    label: str
    records: str  # "scripts", "builds" or ""
    reason: str
    install: str


@functools.cache
def _table() -> dict[str, Any]:
    return load_table("shipwarden", "lockfile_coverage.toml")


def facts(fmt: str, version: str) -> FormatFacts:
    entry = as_dict(as_dict(_table().get("formats")).get(fmt))
    major = version.split(".", 1)[0]
    row = as_dict(as_dict(entry.get("versions")).get(major)) or as_dict(entry.get("default"))
    return FormatFacts(
        label=str(entry.get("label", fmt)),
        records=str(row.get("records", "")),
        reason=str(row.get("reason", f"{fmt} records no install-script flag")),
        install=str(entry.get("install", "")),
    )


def initial(dep: Dependency) -> Seen:
    """What the lockfile alone tells about ``dep``."""
    kind = dep.source.kind
    if kind is SourceKind.WORKSPACE:
        return Seen.OWN
    if (kind is SourceKind.FILE and not dep.install_script and not dep.builds_from_source
            and dep.ecosystem is Ecosystem.NPM and not dep.source.url.lower().endswith((".tgz", ".tar.gz", ".tar"))):
        return Seen.OWN
    if dep.ecosystem is Ecosystem.PYPI:
        if dep.builds_from_source is None:
            return Seen.UNKNOWN
        return Seen.RUNS if dep.builds_from_source else Seen.NONE
    if dep.install_script is None:
        return Seen.UNKNOWN
    if dep.install_script:
        return Seen.RUNS
    if kind is SourceKind.GIT:
        # npm runs `prepare` of git dependencies; hasInstallScript does not cover it.
        return Seen.UNKNOWN
    return Seen.NONE


def _command(path: str, *extra: str) -> str:
    return shlex.join(["shipwarden", "deps", path or ".", *extra])


def lockfile_coverage(
    lock: Lockfile, seen: dict[int, Seen], root_arg: str, *, fetched: bool
) -> Coverage:
    """The coverage statement of one lockfile; ``seen`` maps ``id(dep)`` to what was learnt."""
    counts = dict.fromkeys(Seen, 0)
    git_unknown = 0
    for dep in lock.dependencies:
        state = seen.get(id(dep), initial(dep))
        counts[state] += 1
        if state is Seen.UNKNOWN and dep.source.kind is SourceKind.GIT:
            git_unknown += 1
    total = sum(counts.values()) - counts[Seen.OWN]
    unknown = counts[Seen.UNKNOWN]
    f = facts(lock.format, lock.version)
    fmt = f"{lock.format} {lock.version}".strip()
    if not unknown:
        return Coverage(lock.path, SUBJECT, "packages", total, counts[Seen.RUNS], 0, format=fmt)
    reasons = []
    registry_unknown = unknown - git_unknown
    if registry_unknown:
        reasons.append(f"{f.reason}" + ("; --fetch could not read them (see the errors)" if fetched else ""))
    if git_unknown:
        reasons.append(f"{git_unknown} git dependenc{'y' if git_unknown == 1 else 'ies'}: the package manager "
                       "runs their prepare script, which no lockfile records and --fetch does not read")
    folder = lock.path.rsplit("/", 1)[0] if "/" in lock.path else ""
    target = f"{root_arg.rstrip('/')}/{folder}" if folder and root_arg not in ("", ".") else (folder or root_arg)
    if lock.ecosystem is Ecosystem.PYPI:
        resolve = (f"{_command(root_arg, '--fetch')} (asks your configured index whether each pin has a wheel)"
                   if not fetched else
                   "pin exact versions (==) or lock with uv lock / poetry lock / pip lock, which record wheels and sdists")
    else:
        options = []
        if registry_unknown and not fetched:
            options.append(f"{_command(root_arg, '--fetch')} (reads each locked version's manifest from your configured registry)")
        if f.install:
            install = f"(cd {shlex.quote(target)} && {f.install})" if target not in ("", ".") else f.install
            options.append(f"{install}, then {_command(root_arg)} (reads the installed manifests)")
        resolve = RESOLVE_SEPARATOR.join(options)
    return Coverage(lock.path, SUBJECT, "packages", total, counts[Seen.RUNS], unknown,
                    reason="; ".join(reasons), resolve=resolve, format=fmt)


def unreadable_coverage(path: str, reason: str, resolve: str, packages: int = 0) -> Coverage:
    """A lockfile that could not be read: every package is unknown (at least 1 when even the count is)."""
    return Coverage(path, SUBJECT, "packages", packages, 0, max(packages, 1), reason=reason, resolve=resolve,
                    format="unread")


def describe(c: Coverage) -> list[str]:
    """Lines of the human view: the counts, why some are unknown, and each way to see them (never wrapped)."""
    head = f"{c.path} ({c.format}): " if c.format else f"{c.path}: "
    if c.format == "unread":
        return [f"{head}not read: {c.reason}", f"    to read it: {c.resolve}"]
    runs = f"{c.total} package(s): {c.found} run install-time code as far as can be told"
    if not c.unknown:
        return [f"{head}{runs}, none unknown"]
    lines = [f"{head}{runs}, {c.unknown} unknown", f"    why: {c.reason}"]
    for i, way in enumerate(c.resolve.split(RESOLVE_SEPARATOR)):
        lines.append(f"    {'to see them' if i == 0 else 'or'}: {way}")
    return lines
