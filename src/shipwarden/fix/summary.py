"""What ``scan --fix`` says: the diff and a summary, both redacted and free of
terminal control characters like every other output."""

from __future__ import annotations

import re

from shipwarden.fix import FixLevel, FixPlan
from shipwarden.secrets.redactor import redact_text

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _clean(text: str) -> str:
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group(0)):02x}" if ord(m.group(0)) < 0x100 else "\ufffd", redact_text(text))


def safe_diff(plan: FixPlan) -> str:
    return _clean(plan.diff())


def render_fix_summary(plan: FixPlan, level: FixLevel, *, written: bool) -> str:
    lines: list[str] = []
    verb = "fixed" if written else "would fix"
    files = len(plan.files)
    lines.append(f"shipwarden: {verb} {plan.fixed} finding(s) in {files} file(s) ({level.value} fixes)")
    for fix in plan.files:
        for proposal in fix.proposals:
            lines.append(f"  {fix.display}:{proposal.line}  {proposal.rule_id}: {proposal.description}")
    if plan.held_back:
        lines.append(f"shipwarden: {len(plan.held_back)} more fix(es) need a human look; apply them with --fix=unsafe:")
        for proposal in plan.held_back:
            lines.append(f"  {proposal.path}:{proposal.line}  {proposal.rule_id}: {proposal.description}")
    if plan.skipped:
        lines.append("shipwarden: not fixed automatically:")
        for skipped in plan.skipped:
            lines.append(f"  {skipped.path}:{skipped.line}  {skipped.rule_id}: {skipped.reason}")
    return _clean("\n".join(lines)) + "\n"
