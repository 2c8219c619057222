"""deps-install-script: a dependency runs code at install (or Python start-up) and nothing suspicious was found.

The inventory finding of every hook no behaviour rule judged: what runs, what it was
seen to do, and whether the project's policy lets it run.
"""

from __future__ import annotations

from shipwarden.core.catalogue import RuleMeta
from shipwarden.core.findings import Confidence, Finding, Tier
from shipwarden.deps.model import HookKind
from shipwarden.deps.records import HookRecord, policy_text
from shipwarden.deps.rules.common import COMMAND, ROW, does, quiet_finding, where

META = RuleMeta("deps-install-script", ROW, Tier.P2, Confidence.HIGH,
                "dependency runs code at install time", command=COMMAND)


def check(record: HookRecord) -> list[Finding]:
    hook = record.hook
    known = f" (known: {hook.known})" if hook.known else ""
    if hook.kind is HookKind.LOCKFILE_FLAG:
        message = f"{hook.ident} runs an install script that is not available locally{known}; read it with --fetch"
    elif hook.kind is HookKind.PTH:
        owned = "" if hook.known else " (listed in its RECORD; the code it runs was read)"
        message = f"{where(record)} runs code at every Python start-up{known}{owned} — {does(record)}"
    else:
        message = f"{where(record)} runs code at install{known} — {does(record)}"
    message += f". Policy: {policy_text(record)}."
    return [quiet_finding(META, record, message)]
