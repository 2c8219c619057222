"""Known install hooks: well-known packages whose script only checks for, fetches or builds their own binary.

The table is ``data/known_hooks.toml``. A hook is known only when its package
name, event and command match an entry exactly *and* what the analysis found
in the command and the files it runs fits the entry's capabilities with no
behaviour rule fired — so a typosquat (another name) or a changed script
(another command, or code that now does more) is not waved through.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from shipwarden.core.tables import load_table
from shipwarden.deps.analysis import HookAnalysis
from shipwarden.deps.model import HookKind, InstallHook
from shipwarden.deps.shapes import as_dict, as_list


@dataclass(frozen=True, slots=True)
class KnownHook:
    name: str
    event: str
    command: str
    command_pattern: re.Pattern[str] | None
    files: tuple[str, ...]
    capabilities: frozenset[str]
    does: str
    sha256: frozenset[str]

    def command_matches(self, command: str) -> bool:
        text = " ".join(command.split())
        if self.command_pattern is not None:
            return self.command_pattern.fullmatch(text) is not None
        return text == " ".join(self.command.split())


@dataclass(frozen=True, slots=True)
class Recognition:
    """The outcome for a hook of a package the table names: known (with why) or not (with what differs)."""

    known: bool
    text: str


@functools.cache
def known_hooks() -> tuple[KnownHook, ...]:
    out = []
    for raw in as_list(load_table("shipwarden", "known_hooks.toml").get("npm")):
        entry = as_dict(raw)
        pattern = entry.get("command_pattern")
        out.append(KnownHook(
            name=str(entry["name"]),
            event=str(entry["event"]),
            command=str(entry.get("command", "")),
            command_pattern=re.compile(str(pattern)) if pattern else None,
            files=tuple(str(f) for f in as_list(entry.get("files"))),
            capabilities=frozenset(str(c) for c in as_list(entry.get("capabilities"))),
            does=str(entry["does"]),
            sha256=frozenset(str(d) for d in as_list(entry.get("sha256"))),
        ))
    return tuple(out)


def entries_for(name: str) -> list[KnownHook]:
    return [k for k in known_hooks() if k.name == name]


def script_files() -> frozenset[str]:
    """Every package-relative file a known hook runs (``gate`` keeps these to analyse them)."""
    return frozenset(f for k in known_hooks() for f in k.files)


def recognise(hook: InstallHook, analysis: HookAnalysis) -> Recognition | None:
    """None when the table does not name the package; else whether this hook is the known one."""
    if hook.kind is not HookKind.NPM_SCRIPT:
        return None
    entries = entries_for(hook.package)
    if not entries:
        return None
    same_event = [k for k in entries if k.event == hook.event]
    if not same_event:
        return Recognition(False, f"{hook.package} is known for its "
                                  f"{'/'.join(sorted({k.event for k in entries}))} script, not for a {hook.event} script")
    candidates = [k for k in same_event if k.command_matches(hook.command)]
    if not candidates:
        known = same_event[0].command or (same_event[0].command_pattern.pattern if same_event[0].command_pattern else "")
        return Recognition(False, f"{hook.package}'s {hook.event} command differs from the known one (`{known}`)")
    found = set(analysis.capabilities)
    fired = sorted({j.rule for j in analysis.judgements})
    for entry in candidates:
        extra = sorted(found - entry.capabilities)
        if fired or extra:
            continue
        if not hook.file_hashes:
            hook.file_hashes = dict(analysis.file_hashes)
        digest = hook.digest
        how = "same content as a version reviewed" if digest in entry.sha256 else "same command and shape as reviewed versions"
        return Recognition(True, f"{entry.does} ({how})")
    entry = candidates[0]
    what = f"rules {', '.join(fired)} fired" if fired else f"it also does {', '.join(sorted(found - entry.capabilities))}"
    return Recognition(False, f"{hook.package}'s {hook.event} command is the known one but its code differs: {what}")
