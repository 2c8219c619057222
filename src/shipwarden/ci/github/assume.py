"""Specialise an ``if:`` condition to the situation of an outsider.

Conditions often read ``(event == 'pull_request_target' && has label) || (same repository)``.
Neither disjunct is a gate on its own, but a fork's pull request can only take the
first branch. Fixing what is known about the outsider — which event started the
run, and that the PR comes from a fork — and folding constants leaves the
condition the outsider actually faces; :func:`conditions.gates` then reads the
gates off that.
"""

from __future__ import annotations

from functools import lru_cache

from shipwarden.ci.github import conditions
from shipwarden.ci.github import expressions as ex

EVENT_PATHS = {("github", "event_name")}


def _path(e: ex.Expr) -> tuple[str, ...] | None:
    parts: list[str] = []
    while True:
        if isinstance(e, ex.Context):
            return (e.name.lower(), *reversed(parts))
        if isinstance(e, ex.Property):
            parts.append(e.name.lower())
            e = e.target
        else:
            return None


def _known(e: ex.Binary, event: str) -> bool | None:
    """Value of a comparison under the outsider's situation, or None when unknown."""
    if e.op not in ("==", "!="):
        return None
    for a, b in ((e.left, e.right), (e.right, e.left)):
        if _path(a) in EVENT_PATHS and isinstance(b, ex.String):
            equal = b.value.lower() == event
            return equal if e.op == "==" else not equal
    found = conditions.gates(ex.unparse(e))
    if len(found) == 1 and found[0].kind == "same_repo":
        return found[0].negated  # a fork: "same repository" is false, its negation true
    return None


def _fold(e: ex.Expr, event: str) -> ex.Expr:
    if isinstance(e, ex.Binary):
        value = _known(e, event)
        return ex.Boolean(value) if value is not None else e
    if isinstance(e, ex.Not):
        inner = _fold(e.operand, event)
        return ex.Boolean(not inner.value) if isinstance(inner, ex.Boolean) else ex.Not(inner)
    if isinstance(e, ex.Logical):
        kept: list[ex.Expr] = []
        for operand in e.operands:
            folded = _fold(operand, event)
            if isinstance(folded, ex.Boolean):
                if e.op == "&&" and not folded.value:
                    return ex.Boolean(False)
                if e.op == "||" and folded.value:
                    return ex.Boolean(True)
                continue  # neutral element
            kept.append(folded)
        if not kept:
            return ex.Boolean(e.op == "&&")
        return kept[0] if len(kept) == 1 else ex.Logical(e.op, tuple(kept))
    return e


@lru_cache(maxsize=4096)
def for_outsider(text: str, event: str) -> str:
    """The condition an outsider's ``event`` run faces, as expression text ('' = unchanged)."""
    try:
        parsed = conditions.condition_expr(text)
    except ex.ExprSyntaxError:
        return ""  # the gate readers report what they can of an invalid condition
    if parsed is None:
        return ""
    folded = _fold(parsed[0], event.lower())
    return ex.unparse(folded)
