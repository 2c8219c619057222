"""The reviewed set of install-time code: write it once, then flag what is new or changed.

The file is TOML, meant to be committed and reviewed like a lockfile::

    version = 1

    [[hook]]                 # install-time code someone looked at
    ecosystem = "npm"
    package = "esbuild"
    version = "0.25.0"
    event = "postinstall"
    kind = "npm-script"
    command = "node install.js"
    sha256 = "…"             # command + every file the analysis followed

    [[source]]               # a dependency that is allowed to come from outside a registry
    ecosystem = "npm"
    package = "left-pad"
    kind = "git"
    url = "github:owner/left-pad#0123abc"

    [known]                  # reviewed dependencies that run nothing at install
    npm = ["lodash", …]
    pypi = ["requests", …]
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from shipwarden.core import safeio
from shipwarden.deps.model import Dependency, HookKind, InstallHook, SourceKind
from shipwarden.secrets.redactor import redact_clip, redact_text

DEFAULT_FILE = "shipwarden-deps-allowlist.toml"
FORMAT_VERSION = 1


class AllowlistError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class HookEntry:
    ecosystem: str
    package: str
    version: str
    event: str
    kind: str
    command: str
    sha256: str


@dataclass(frozen=True, slots=True)
class SourceEntry:
    ecosystem: str
    package: str
    kind: str
    url: str


@dataclass(slots=True)
class Allowlist:
    hooks: list[HookEntry] = field(default_factory=list)
    sources: list[SourceEntry] = field(default_factory=list)
    known: dict[str, set[str]] = field(default_factory=dict)
    path: str = ""

    def hooks_of(self, ecosystem: str, package: str) -> list[HookEntry]:
        return [h for h in self.hooks if h.ecosystem == ecosystem and h.package == package]

    def knows(self, ecosystem: str, package: str) -> bool:
        return package in self.known.get(ecosystem, set()) or bool(self.hooks_of(ecosystem, package))

    def source_of(self, ecosystem: str, package: str) -> list[SourceEntry]:
        return [s for s in self.sources if s.ecosystem == ecosystem and s.package == package]


#: Largest allowlist file read.
MAX_ALLOWLIST_BYTES = 16 * 1024 * 1024


def load_allowlist(path: Path) -> Allowlist:
    try:
        data = safeio.load_toml(safeio.read_text(path, limit=MAX_ALLOWLIST_BYTES), path.name)
    except safeio.ReadRefused as exc:
        raise AllowlistError(f"{path}: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise AllowlistError(f"{path}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise AllowlistError(f"{path}: invalid TOML: {exc}") from None
    if data.get("version", FORMAT_VERSION) != FORMAT_VERSION:
        raise AllowlistError(f"{path}: unsupported allowlist version {data.get('version')!r}")
    try:
        hooks = [
            HookEntry(str(h["ecosystem"]), str(h["package"]), str(h.get("version", "")), str(h["event"]),
                      str(h.get("kind", "")), str(h.get("command", "")), str(h.get("sha256", "")))
            for h in data.get("hook", [])
        ]
        sources = [
            SourceEntry(str(s["ecosystem"]), str(s["package"]), str(s["kind"]), str(s.get("url", "")))
            for s in data.get("source", [])
        ]
    except (KeyError, TypeError) as exc:
        raise AllowlistError(f"{path}: entry is missing {exc}") from None
    known_raw = data.get("known", {})
    known = {str(k): set(map(str, v)) for k, v in known_raw.items() if isinstance(v, list)} if isinstance(known_raw, dict) else {}
    return Allowlist(hooks, sources, known, str(path))


def _q(value: str) -> str:
    """A TOML basic string (JSON string escapes are valid TOML escapes)."""
    return json.dumps(value, ensure_ascii=False)


def render_allowlist(hooks: Iterable[InstallHook], dependencies: Iterable[Dependency]) -> str:
    lines = [
        "# shipwarden deps allowlist: install-time code and dependency sources a person reviewed.",
        "# Written by `shipwarden deps --write-allowlist`; commit it, review its diffs.",
        f"version = {FORMAT_VERSION}",
        "",
    ]
    seen: set[tuple[str, ...]] = set()
    hook_packages: set[tuple[str, str]] = set()
    for hook in sorted(hooks, key=lambda h: (h.ecosystem.value, h.package, h.version, h.event)):
        key = (hook.ecosystem.value, hook.package, hook.version, hook.event, hook.digest)
        if key in seen:
            continue
        seen.add(key)
        hook_packages.add((hook.ecosystem.value, hook.package))
        lines += [
            "[[hook]]",
            f"ecosystem = {_q(hook.ecosystem.value)}",
            f"package = {_q(hook.package)}",
            f"version = {_q(hook.version)}",
            f"event = {_q(hook.event)}",
            f"kind = {_q(hook.kind.value)}",
            f"command = {_q(redact_clip(hook.command, 300))}",
            f"sha256 = {_q(hook.digest)}",
            "",
        ]
    deps = list(dependencies)
    seen_sources: set[tuple[str, str, str]] = set()
    for dep in sorted(deps, key=lambda d: (d.ecosystem.value, d.name)):
        if dep.source.kind in (SourceKind.REGISTRY, SourceKind.WORKSPACE):
            continue
        skey = (dep.ecosystem.value, dep.name, dep.source.url)
        if skey in seen_sources:
            continue
        seen_sources.add(skey)
        lines += [
            "[[source]]",
            f"ecosystem = {_q(dep.ecosystem.value)}",
            f"package = {_q(dep.name)}",
            f"kind = {_q(dep.source.kind.value)}",
            f"url = {_q(redact_text(dep.source.url))}",
            "",
        ]
    known: dict[str, set[str]] = {}
    for dep in deps:
        if (dep.ecosystem.value, dep.name) not in hook_packages and not dep.install_script:
            known.setdefault(dep.ecosystem.value, set()).add(dep.name)
    lines.append("[known]")
    for eco in sorted(known):
        names = ",\n  ".join(_q(n) for n in sorted(known[eco]))
        lines.append(f"{eco} = [\n  {names},\n]" if names else f"{eco} = []")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True, slots=True)
class Change:
    """One difference between the current install-time code and a reviewed set."""

    rule: str  # deps-new-install-script, deps-changed-install-script, deps-first-install-script, deps-new-source
    hook: InstallHook | None
    dependency: Dependency | None
    message: str


def compare_hooks(hooks: Iterable[InstallHook], allow: Allowlist) -> list[Change]:
    changes: list[Change] = []
    for hook in hooks:
        eco = hook.ecosystem.value
        entries = allow.hooks_of(eco, hook.package)
        same_event = [e for e in entries if e.event == hook.event]
        if same_event:
            if hook.kind is HookKind.LOCKFILE_FLAG or any(e.kind == HookKind.LOCKFILE_FLAG.value for e in same_event):
                continue  # content unknown on one side: presence is all we can compare
            if any(e.sha256 == hook.digest for e in same_event):
                continue
            was = same_event[0]
            changes.append(Change(
                "deps-changed-install-script", hook, None,
                f"{hook.ident} {hook.event} changed since review "
                f"(reviewed {was.package}@{was.version} sha256 {was.sha256[:12]}, now sha256 {hook.digest[:12]})",
            ))
        elif entries or allow.knows(eco, hook.package):
            changes.append(Change(
                "deps-first-install-script", hook, None,
                f"{hook.ident} now runs a {hook.event} hook; the reviewed set has {hook.package} without one",
            ))
        else:
            changes.append(Change(
                "deps-new-install-script", hook, None,
                f"{hook.ident} runs install-time code ({hook.event}) that is not in the reviewed set",
            ))
    return changes


def compare_sources(dependencies: Iterable[Dependency], allow: Allowlist) -> list[Change]:
    changes: list[Change] = []
    seen: set[tuple[str, str, str]] = set()
    for dep in dependencies:
        if dep.source.kind in (SourceKind.REGISTRY, SourceKind.WORKSPACE):
            continue
        key = (dep.ecosystem.value, dep.name, dep.source.url)
        if key in seen:
            continue
        seen.add(key)
        reviewed = allow.source_of(dep.ecosystem.value, dep.name)
        # the allowlist stores URLs redacted (a token in a git URL is never written down)
        if any(s.url in (dep.source.url, redact_text(dep.source.url)) for s in reviewed):
            continue
        before = f" (reviewed: {reviewed[0].kind} {reviewed[0].url})" if reviewed else ""
        changes.append(Change(
            "deps-new-source", None, dep,
            f"{dep.name} comes from {dep.source.kind.value} {dep.source.url}, not in the reviewed set{before}",
        ))
    return changes
