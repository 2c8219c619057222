"""``--against GIT_REF``: the same lockfiles at another revision, read with ``git show`` (read-only)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterable
from pathlib import Path

from shipwarden.core.findings import ScanError
from shipwarden.core.gitconfig import config_hazard
from shipwarden.deps.allowlist import Change
from shipwarden.deps.lockfiles import parse_lockfile, reader_for
from shipwarden.deps.model import Dependency, InstallHook, Lockfile, LockfileError, SourceKind

GIT_TIMEOUT = 30


class HistoryError(RuntimeError):
    pass


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    hazard = config_hazard(root)
    if hazard is not None:
        raise HistoryError(hazard)
    try:
        return subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, timeout=GIT_TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise HistoryError(f"git failed: {exc}") from None


def lockfiles_at(root: Path, rev: str, paths: Iterable[str]) -> tuple[list[Lockfile], list[ScanError]]:
    """Parse each root-relative lockfile ``path`` as it was at ``rev``; absent files are skipped."""
    top = _git(root, "rev-parse", "--show-toplevel")
    if top.returncode != 0:
        raise HistoryError(f"{root} is not in a git repository")
    if rev.startswith("-"):
        raise HistoryError(f"invalid revision {rev!r}")
    check = _git(root, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    if check.returncode != 0:
        raise HistoryError(f"unknown revision {rev!r}")
    toplevel = Path(top.stdout.decode().strip()).resolve()
    prefix = root.resolve().relative_to(toplevel).as_posix()
    prefix = "" if prefix == "." else prefix + "/"
    old: list[Lockfile] = []
    errors: list[ScanError] = []
    for path in paths:
        if reader_for(path) is None:
            continue
        shown = _git(root, "show", f"{rev}:{prefix}{path}")
        if shown.returncode != 0:
            continue  # the lockfile did not exist then
        text = shown.stdout.decode("utf-8", "replace")
        try:
            old.append(parse_lockfile(path, text))
        except LockfileError as exc:
            errors.append(ScanError(f"{path}@{rev}", str(exc), exc.kind))
    return old, errors


def compare_against(
    rev: str, hooks: Iterable[InstallHook], dependencies: Iterable[Dependency], old: list[Lockfile]
) -> list[Change]:
    before: dict[tuple[str, str], list[Dependency]] = {}
    for lock in old:
        for dep in lock.dependencies:
            before.setdefault((dep.ecosystem.value, dep.name), []).append(dep)
    changes: list[Change] = []
    seen: set[tuple[str, str, str]] = set()
    for hook in hooks:
        key = (hook.ecosystem.value, hook.package)
        if key + (hook.event,) in seen:
            continue
        seen.add(key + (hook.event,))
        earlier = before.get(key)
        if not earlier:
            changes.append(Change(
                "deps-new-install-script", hook, None,
                f"{hook.ident} is new since {rev} and runs install-time code ({hook.event})",
            ))
        elif all(d.install_script is False for d in earlier):
            changes.append(Change(
                "deps-first-install-script", hook, None,
                f"{hook.ident} runs install-time code ({hook.event}); at {rev} its lockfile entry had no install script",
            ))
    seen_sources: set[tuple[str, str, str]] = set()
    for dep in dependencies:
        if dep.source.kind in (SourceKind.REGISTRY, SourceKind.WORKSPACE):
            continue
        skey = (dep.ecosystem.value, dep.name, dep.source.url)
        if skey in seen_sources:
            continue
        seen_sources.add(skey)
        earlier = before.get((dep.ecosystem.value, dep.name), [])
        if any(d.source == dep.source for d in earlier):
            continue
        was = f"; at {rev} it came from {earlier[0].source.describe()}" if earlier else f"; it is new since {rev}"
        changes.append(Change(
            "deps-new-source", None, dep, f"{dep.name} comes from {dep.source.kind.value} {dep.source.url}{was}",
        ))
    return changes
