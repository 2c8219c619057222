"""The human view's first section: the code that will run when you install."""

from __future__ import annotations

from shipwarden.deps.coverage import describe
from shipwarden.deps.model import HookKind
from shipwarden.deps.scan import DepsResult, HookRecord
from shipwarden.secrets.redactor import redact_clip

#: Hooks listed before "… N more".
MAX_LISTED = 200


def _line(text: str, width: int) -> str:
    """Cut to ``width`` after redaction, so a cut never leaves part of a secret."""
    return redact_clip(text, width)


def _verdict(record: HookRecord) -> str:
    rules = [f.rule_id.removeprefix("deps-") for f in record.findings]
    return ", ".join(dict.fromkeys(rules))


def _entry(record: HookRecord, width: int) -> list[str]:
    hook = record.hook
    ident = hook.ident if hook.package else "(no distribution)"
    when = "at start-up" if hook.kind is HookKind.PTH else hook.event
    head = f"  {record.tier.value}  {ident}  {when}: {' '.join(hook.command.split())}"
    facts = [hook.source.kind.value]
    if hook.optional:
        facts.append("optional")
    if hook.known:
        facts.append(f"known: {hook.known}")
    if record.duplicates:
        facts.append(f"+{record.duplicates} more install(s)")
    caps = ", ".join(c for c in record.analysis.capabilities if not c.endswith("?")) or "nothing suspicious found"
    lines = [
        _line(head, width),
        _line(f"        {hook.location.path}:{hook.location.line} · {' · '.join(facts)}", width),
        _line(f"        {record.decision.value}: {hook.policy_reason}", width),
        _line(f"        → {_verdict(record)} · does: {caps}", width),
    ]
    return lines


def render_inventory(result: DepsResult, width: int = 100) -> str:
    records = sorted(result.hooks, key=lambda r: (not r.runs, r.tier.rank, r.hook.package, r.hook.event))
    running = [r for r in records if r.runs]
    held = [r for r in records if not r.runs]
    out = [
        f"Code that will run when you install: {len(running)} hook(s)"
        + (f", {len(held)} more held back by the project's configuration" if held else "")
    ]
    unknown = sum(c.unknown for c in result.report.coverage)
    if not records and not unknown:
        out.append("  none found (no install scripts, native builds, source builds or executable .pth files)")
    elif not records:
        out.append(f"  none seen, but {unknown} package(s) could not be checked (see Coverage below)")
    listed = 0
    for title, group in (("", running), ("Held back by configuration (would run without it):", held)):
        if not group:
            continue
        if title:
            out.append(title)
        for record in group:
            if listed >= MAX_LISTED:
                break
            out.extend(_entry(record, width))
            listed += 1
    if len(records) > listed:
        out.append(f"  … {len(records) - listed} more (see the findings below or --format json)")
    if result.report.coverage:
        out.append("Coverage (per lockfile):")
        out.extend("  " + line for c in result.report.coverage for line in describe(c))
    stats = result.report.stats
    out.append(
        f"Read {stats.get('lockfiles', 0)} lockfile(s), {stats.get('dependencies', 0)} dependency record(s), "
        f"{stats.get('installed_packages', 0)} installed package(s); analysed {stats.get('files_analysed', 0)} file(s)."
    )
    return "\n".join(out) + "\n\n"
