"""What every deps rule module shares: the finding's properties, its head location, short texts,
and the two finding shapes (a behaviour judgement, a change against the reviewed set)."""

from __future__ import annotations

from shipwarden.core.catalogue import RuleMeta
from shipwarden.core.findings import Finding, Location
from shipwarden.deps.allowlist import Change
from shipwarden.deps.records import HookRecord, policy_text

ROW = 4
COMMAND = "deps"


def hook_properties(record: HookRecord) -> dict[str, object]:
    hook = record.hook
    props: dict[str, object] = {
        "ecosystem": hook.ecosystem.value,
        "package": hook.package,
        "version": hook.version,
        "hook": hook.event,
        "kind": hook.kind.value,
        "command": hook.command[:300],
        "source": hook.source.describe(),
        "policy": record.decision.value,
        "policy_reason": hook.policy_reason,
        "capabilities": record.analysis.capabilities,
        "sha256": hook.digest,
    }
    if hook.optional:
        props["optional"] = True
    if hook.known:
        props["known"] = hook.known
    if record.duplicates:
        props["also_installed"] = record.duplicates
    notes = hook.notes + record.analysis.notes
    if notes:
        props["notes"] = notes[:10]
    return props


def short(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"



def head(record: HookRecord) -> Location:
    """The hook's own location, labelled."""
    hook = record.hook
    if hook.location.label:
        return hook.location
    return Location(hook.location.path, hook.location.line, label=f"{hook.event} hook", snippet=hook.location.snippet)


def where(record: HookRecord) -> str:
    hook = record.hook
    return f"{hook.ident} ({hook.event}: `{short(hook.command)}`)"


def does(record: HookRecord) -> str:
    """What the analysis found the code does, or that it found nothing suspicious."""
    caps = [c for c in record.analysis.capabilities if not c.endswith("?")]
    return ", ".join(caps) if caps else "no suspicious behaviour found"


def hook_key(record: HookRecord, rule_id: str) -> str:
    hook = record.hook
    return f"{hook.ecosystem.value}:{hook.package}:{hook.event}:{rule_id}"


def behaviour_findings(meta: RuleMeta, record: HookRecord) -> list[Finding]:
    """One finding per judgement of the verdict table (``[[verdicts]]``) that chose ``meta``."""
    props = hook_properties(record)
    findings = []
    for judgement in record.analysis.judgements:
        if judgement.rule != meta.id:
            continue
        details = "; ".join(dict.fromkeys(ev.detail for ev in judgement.evidence))
        contexts = list(dict.fromkeys(ev.context for ev in judgement.evidence if ev.context))
        if contexts:
            details += f" (found {'; '.join(contexts)})"
        findings.append(meta.finding(
            f"{where(record)}: {meta.title} — {short(details, 400)}. Policy: {policy_text(record)}.",
            [head(record), *(ev.location() for ev in judgement.evidence)],
            tier=judgement.tier,
            confidence=judgement.confidence,
            key=hook_key(record, meta.id),
            properties={**props, "evidence_capabilities": list(judgement.capabilities)},
        ))
    return findings


def quiet_finding(meta: RuleMeta, record: HookRecord, message: str) -> Finding:
    """The one finding of a hook no behaviour rule judged (its strong evidence, if any, as locations)."""
    locations = [head(record)] + [ev.location() for ev in record.analysis.evidence if ev.strong][:6]
    return meta.finding(message, locations, key=hook_key(record, meta.id), properties=hook_properties(record))


def change_findings(meta: RuleMeta, changes: list[Change], records: dict[int, HookRecord]) -> list[Finding]:
    """Findings of the changes (against the reviewed set or ``--against``) that chose ``meta``."""
    findings = []
    for change in changes:
        if change.rule != meta.id:
            continue
        if change.hook is not None:
            hook = change.hook
            record = records.get(id(hook))
            caps = record.analysis.capabilities if record else []
            found = f" Found: {', '.join(caps)}." if caps else ""
            findings.append(meta.finding(
                f"{change.message}.{found}",
                [hook.location],
                key=f"{hook.ecosystem.value}:{hook.package}:{hook.event}:{change.rule}",
                properties={"ecosystem": hook.ecosystem.value, "package": hook.package, "version": hook.version,
                            "hook": hook.event, "sha256": hook.digest},
            ))
        elif change.dependency is not None:
            dep = change.dependency
            findings.append(meta.finding(
                change.message + ".",
                [dep.origin],
                key=f"{dep.ecosystem.value}:{dep.name}:{change.rule}",
                properties={"ecosystem": dep.ecosystem.value, "package": dep.name, "source": dep.source.kind.value,
                            "url": dep.source.url},
            ))
    return findings
