"""The rules of ``shipwarden deps`` (matrix row 4): one module per rule, each with its ``META`` and ``check``.

* behaviour — chosen by the verdict table from what the static analysis found:
  ``credential_theft``, ``runner_memory``, ``self_propagation``, ``persistence``,
  ``obfuscated_exec``, ``download_exec``, ``exfil_endpoint``, ``obfuscated_code``;
* inventory — ``pth_startup_code`` and ``install_script`` (a hook no behaviour rule
  judged), ``non_registry_source``, ``scripts_not_gated``;
* change — against the reviewed set or ``--against``: ``new_install_script``,
  ``changed_install_script``, ``first_install_script``, ``new_source``.

:func:`hook_findings` is the order a hook is judged in.
"""

from __future__ import annotations

from shipwarden.core.catalogue import RuleMeta
from shipwarden.core.findings import Finding
from shipwarden.deps.allowlist import Change
from shipwarden.deps.records import HookRecord
from shipwarden.deps.rules import (
    changed_install_script,
    credential_theft,
    download_exec,
    exfil_endpoint,
    first_install_script,
    install_script,
    new_install_script,
    new_source,
    non_registry_source,
    obfuscated_code,
    obfuscated_exec,
    persistence,
    pth_startup_code,
    runner_memory,
    scripts_not_gated,
    self_propagation,
)

BEHAVIOUR = (credential_theft, runner_memory, self_propagation, persistence, obfuscated_exec, download_exec,
             exfil_endpoint, obfuscated_code)
CHANGE = (new_install_script, changed_install_script, first_install_script, new_source)

INSTALL_SCRIPT = install_script.META
PTH_STARTUP_CODE = pth_startup_code.META
NON_REGISTRY_SOURCE = non_registry_source.META
SCRIPTS_NOT_GATED = scripts_not_gated.META
CREDENTIAL_THEFT = credential_theft.META
RUNNER_MEMORY = runner_memory.META
SELF_PROPAGATION = self_propagation.META
PERSISTENCE = persistence.META
OBFUSCATED_EXEC = obfuscated_exec.META
DOWNLOAD_EXEC = download_exec.META
EXFIL_ENDPOINT = exfil_endpoint.META
OBFUSCATED_CODE = obfuscated_code.META
NEW_INSTALL_SCRIPT = new_install_script.META
CHANGED_INSTALL_SCRIPT = changed_install_script.META
FIRST_INSTALL_SCRIPT = first_install_script.META
NEW_SOURCE = new_source.META

BEHAVIOUR_RULES: dict[str, RuleMeta] = {m.META.id: m.META for m in BEHAVIOUR}
ALL_RULES: tuple[RuleMeta, ...] = (
    INSTALL_SCRIPT, PTH_STARTUP_CODE, NON_REGISTRY_SOURCE, SCRIPTS_NOT_GATED,
    *BEHAVIOUR_RULES.values(),
    NEW_INSTALL_SCRIPT, CHANGED_INSTALL_SCRIPT, FIRST_INSTALL_SCRIPT, NEW_SOURCE,
)


def hook_findings(record: HookRecord) -> list[Finding]:
    """A hook's findings: every behaviour judgement; else the .pth start-up rule; else the inventory finding."""
    findings = [f for rule in BEHAVIOUR for f in rule.check(record)]
    return findings or pth_startup_code.check(record) or install_script.check(record)


def change_findings(changes: list[Change], records: dict[int, HookRecord]) -> list[Finding]:
    """Change findings, each (rule, key) once."""
    out: list[Finding] = []
    seen: set[tuple[str, str]] = set()
    for rule in CHANGE:
        for f in rule.check(changes, records):
            if (f.rule_id, f.key) not in seen:
                seen.add((f.rule_id, f.key))
                out.append(f)
    return out
