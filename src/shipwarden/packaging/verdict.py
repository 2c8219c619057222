"""The one-screen verdict printed after a gate run: PASS or BLOCK, and every blocking reason."""

from __future__ import annotations

import textwrap

from shipwarden.core.findings import Finding, Tier
from shipwarden.packaging.gate import GateResult
from shipwarden.secrets.redactor import redact_clip, redact_text


def _size(n: int) -> str:
    return f"{n / 1e6:,.1f} MB" if n >= 1e6 else f"{n / 1e3:,.1f} KB"


def _clip(text: str, width: int) -> str:
    """One line cut to ``width``, secrets redacted before the cut (no part of one survives)."""
    return redact_clip(text, width)


def render_verdict(result: GateResult, findings: list[Finding], threshold: str, width: int = 100) -> str:
    """``findings`` are the ones left after select/ignore/suppressions/baseline."""
    limit = None if threshold == "none" else Tier.parse(threshold)
    blocking = [f for f in findings if limit is not None and f.tier.at_least(limit)]
    blocking_ids = {id(f) for f in blocking}
    others = [f for f in findings if id(f) not in blocking_ids]
    errors = result.report.errors
    if blocking:
        head = "BLOCK"
    elif errors:
        head = "INCOMPLETE"
    else:
        head = "PASS"
    lines = [f"shipwarden gate: {head}" + (f" (fail-on {threshold})" if threshold != "none" else "")]
    for res in result.results:
        s = res.summary
        name = s.display if s else res.artifact.label
        lines.append(
            f"  {res.artifact.kind.value:<14} {name}: {len(res.files):,} files, {_size(res.total_size)} unpacked"
            f"  [{res.artifact.origin}]"
        )
    for diff in result.diffs:
        lines.append(
            f"  vs {diff.previous.display}: +{len(diff.added)} / -{len(diff.removed)} files, "
            f"size ×{diff.size_ratio:.2f}, files ×{diff.count_ratio:.2f}"
        )
    if blocking:
        lines.append(f"  {len(blocking)} blocking reason(s):")
        for f in sorted(blocking, key=lambda f: f.sort_key()):
            loc = f.primary
            where = f"{loc.path}:{loc.line}" if loc.line else loc.path
            lines.append(_clip(f"   ✗ {f.tier.value} {f.rule_id}  {where}  {f.message}", width))
    if others:
        counts: dict[str, int] = {}
        for f in others:
            counts[f.tier.value] = counts.get(f.tier.value, 0) + 1
        lines.append("  not blocking: " + ", ".join(f"{n} {t}" for t, n in sorted(counts.items())))
    for err in errors:
        lines.append(_clip(f"  ! {err.path}: {err.message}", width))
    for note in result.notes:
        # notes name settings and commands: wrapped, never cut
        lines.extend(textwrap.wrap(f"note: {redact_text(note)}", width, initial_indent="  ", subsequent_indent="    ",
                                   break_long_words=False, break_on_hyphens=False))
    for cov in result.report.coverage:
        if cov.unknown:
            lines.extend(textwrap.wrap(
                f"not scanned for {cov.subject}: {cov.unknown:,} of {cov.total:,} {cov.unit} — {cov.reason}. "
                f"To scan them: {cov.resolve}", width, initial_indent="  ", subsequent_indent="    ",
                break_long_words=False, break_on_hyphens=False))
    return "\n".join(lines) + "\n"
