"""Capabilities + intent → rule, tier and the evidence lines that justify it (``[[verdicts]]``)."""

from __future__ import annotations

from dataclasses import dataclass

from shipwarden.core.findings import Confidence, Tier
from shipwarden.deps.analysis.indicators import Verdict, load_indicators
from shipwarden.deps.analysis.model import Capability, Evidence

#: Evidence lines kept per verdict (the strongest, first in file order).
MAX_EVIDENCE = 12


@dataclass(frozen=True, slots=True)
class Judgement:
    rule: str
    tier: Tier
    confidence: Confidence
    evidence: tuple[Evidence, ...]
    capabilities: tuple[str, ...]


def dedupe(evidence: list[Evidence]) -> list[Evidence]:
    """One evidence per (capability, file, line); strong wins over weak."""
    best: dict[tuple[Capability, str, int], Evidence] = {}
    for ev in evidence:
        key = (ev.capability, ev.path, ev.line)
        have = best.get(key)
        if have is None or (ev.strong and not have.strong):
            best[key] = ev
    return list(best.values())


def _satisfied(verdict: Verdict, by_cap: dict[Capability, list[Evidence]]) -> list[Evidence] | None:
    chosen: list[Evidence] = []
    for index, group in enumerate(verdict.require):
        need_strong = index in verdict.strong
        # the group is a frozenset: its order follows the string hash seed, so sort it
        hits = [ev for cap in sorted(group) for ev in by_cap.get(cap, ()) if ev.strong or not need_strong]
        if not hits:
            return None
        chosen.extend(hits)
    return chosen


def judge(evidence: list[Evidence]) -> list[Judgement]:
    """Every rule the evidence supports, in verdict-table order (at most once per rule)."""
    evidence = dedupe(evidence)
    by_cap: dict[Capability, list[Evidence]] = {}
    for ev in evidence:
        by_cap.setdefault(ev.capability, []).append(ev)
    fired: dict[str, Judgement] = {}
    for verdict in load_indicators().verdicts:
        if verdict.rule in fired or any(u in fired for u in verdict.unless):
            continue
        chosen = _satisfied(verdict, by_cap)
        if chosen is None:
            continue
        # complete key: evidence found through sets (nested code) must still come out in one order
        chosen.sort(key=lambda ev: (not ev.strong, ev.path, ev.line, ev.column, ev.capability.value, ev.detail, ev.context))
        fired[verdict.rule] = Judgement(
            rule=verdict.rule,
            tier=verdict.tier,
            confidence=verdict.confidence,
            evidence=tuple(chosen[:MAX_EVIDENCE]),
            capabilities=tuple(sorted({ev.capability.value for ev in chosen})),
        )
    return list(fired.values())


def summary(evidence: list[Evidence]) -> list[str]:
    """Capability names present, strong ones first (for inventories)."""
    strong = sorted({ev.capability.value for ev in evidence if ev.strong})
    weak = sorted({ev.capability.value for ev in evidence if not ev.strong} - set(strong))
    return strong + [f"{w}?" for w in weak]
