"""deps-pth-startup-code: a ``.pth`` file runs code at every Python start-up and nothing vouches for it.

A ``.pth`` whose lines run code, that no installed distribution's ``RECORD`` lists or whose
imported code could not be read, and that no behaviour rule judged: nothing cleared it (the
LiteLLM 1.82.8 ``litellm_init.pth``). Known ``.pth`` files and those that only import the
standard library are left to ``deps-install-script``.
"""

from __future__ import annotations

from shipwarden.core.catalogue import RuleMeta
from shipwarden.core.findings import Confidence, Finding, Tier
from shipwarden.deps.model import HookKind
from shipwarden.deps.records import HookRecord, policy_text
from shipwarden.deps.rules.common import COMMAND, ROW, does, quiet_finding, short

META = RuleMeta("deps-pth-startup-code", ROW, Tier.P1, Confidence.MEDIUM,
                "a .pth file runs code at every Python start-up", command=COMMAND)


def check(record: HookRecord) -> list[Finding]:
    hook = record.hook
    unseen = record.analysis.unresolved
    if hook.kind is not HookKind.PTH or hook.known or (hook.package and not unseen):
        return []
    why = f"; imports {', '.join(unseen[:3])}, not found as Python source, so not analysed" if unseen else ""
    message = (f"{hook.event} (from {hook.package or 'no installed distribution'}) runs code at every Python "
               f"start-up: `{short(hook.command)}` — {does(record)}{why}. Policy: {policy_text(record)}.")
    return [quiet_finding(META, record, message)]
