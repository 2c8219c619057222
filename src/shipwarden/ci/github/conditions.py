"""Facts an `if:` condition forces: author association, same repository, labels, actor, event …

Only conjunctive facts are gates: a fact that holds in just one branch of `||` is not one, but a
fact of the same kind on the same subject in every branch merges (`a == 'X' || a == 'Y'` gates
`a in {X, Y}`). Negation is pushed inwards (De Morgan), so `!=` and `!` give negated gates.
Asked about one triggering event, a branch that cannot hold for it (it needs another
`github.event_name`, or is never true) leaves the disjunction: for `pull_request`,
`github.event_name == 'workflow_dispatch' || github.event.pull_request.merged` gates `merged`.
Which paths are gate subjects, and how strong each is, lives in `[gates]` of data/contexts.toml.
"""

from __future__ import annotations

import json
from dataclasses import replace

from shipwarden.ci.github.contexts import GateSubject, gate_subject
from shipwarden.ci.github.expressions import (
    Binary,
    Boolean,
    Call,
    Context,
    Expr,
    ExprSyntaxError,
    Index,
    Logical,
    Not,
    Null,
    Number,
    Property,
    Star,
    String,
    context_refs,
    find_expressions,
    parse,
    unparse,
)
from shipwarden.core import safeio
from shipwarden.core.structs import struct

__all__ = ["Gate", "condition_expr", "gates", "is_always_false", "is_always_true"]

_STRENGTH_ORDER = {"none": 0, "weak": 1, "strong": 2}


@struct(frozen=True)
class Gate:
    """A fact that must hold for the condition to be true.

    kind: author_association | same_repo | label | actor | user | event_name | event_action |
          ref | repo_owner | merged | issue_is_pr | upstream_event | upstream_conclusion |
          always | never.
    values: the allowed values (or, when `negated`, the excluded ones). `x*` is a prefix,
          `*x` a suffix; a context path means equality with that context.
    strength: strong | weak (spoofable or attacker-chosen) | none (no protection from outsiders).
    offset: index into the text given to `gates()`.
    """

    kind: str
    detail: str
    strength: str
    offset: int
    values: tuple[str, ...] = ()
    negated: bool = False
    path: tuple[str, ...] | None = None


def condition_expr(text: str) -> tuple[Expr, int] | None:
    """The expression an `if:` evaluates and its offset in `text`.

    None when `text` mixes `${{ }}` with other text: GitHub then evaluates a string, which is
    always truthy. Raises ExprSyntaxError for invalid expressions.
    """
    sites = find_expressions(text)
    if not sites:
        return parse(text), 0
    site = sites[0]
    if len(sites) == 1 and site.terminated and site.start == 0 and site.end == len(text):
        return parse(site.text), site.inner_start
    return None


def gates(text: str, event: str | None = None) -> list[Gate]:
    """Gates that must hold for the `if:` text (with or without `${{ }}`) to be true; with
    ``event``, in a run that event triggered (see the module's doc).

    Invalid expressions and always-truthy templates give no gates.
    """
    try:
        found = condition_expr(text)
    except ExprSyntaxError:
        return []
    if found is None:
        return []
    expr, base = found
    return [replace(g, offset=g.offset + base) for g in _facts(expr, True, event)]


def is_always_false(text: str) -> bool:
    """True when the condition can never be true (e.g. `false`, `${{ false && x }}`)."""
    try:
        found = condition_expr(text)
    except ExprSyntaxError:
        return False
    return found is not None and _truth(found[0]) is False


def is_always_true(text: str) -> bool:
    """True for constant-true conditions and for templates such as `|\\n ${{ false }}\\n`."""
    try:
        found = condition_expr(text)
    except ExprSyntaxError:
        return False
    return found is None or _truth(found[0]) is True


# ----------------------------------------------------------------------------- fact extraction


def _path(e: Expr) -> tuple[str, ...] | None:
    if not isinstance(e, (Context, Property, Index, Star)):
        return None
    for ref in context_refs(e):
        if ref.start == e.start and ref.end == e.end:
            return ref.path
    return None


def _literal(e: Expr) -> str | None:
    if isinstance(e, String):
        return e.value
    if isinstance(e, (Boolean, Number, Null)):
        return unparse(e)
    return None


def _operand_text(e: Expr) -> str | None:
    literal = _literal(e)
    if literal is not None:
        return literal
    path = _path(e)
    return ".".join(path) if path else None


def _gate(subject: GateSubject, path: tuple[str, ...], values: tuple[str, ...], negated: bool,
          offset: int, how: str = "") -> Gate:
    strength = subject.strength
    if how == "substring":
        strength = "weak" if strength == "strong" else strength
    shown = ", ".join(values)
    relation = "not " if negated else ""
    detail = f"{'.'.join(path)} {relation}in {{{shown}}}"
    if how == "substring":
        detail += " (substring match: unsound)"
    if subject.note:
        detail += f" — {subject.note}"
    return Gate(subject.kind, detail, strength, offset, values, negated, path)


def _facts(e: Expr, positive: bool, event: str | None = None) -> list[Gate]:
    if isinstance(e, Not):
        return _facts(e.operand, not positive, event)
    if isinstance(e, Logical):
        parts = [_facts(o, positive, event) for o in e.operands]
        if (e.op == "&&") == positive:
            return [g for part in parts for g in part]
        if event is not None:
            possible = [part for part in parts if not any(_rules_out(g, event) for g in part)]
            if not possible:
                return [Gate("never", f"no branch of `{unparse(e)}` holds for `{event}`", "strong", e.start)]
            parts = possible
        return _common(parts)
    if isinstance(e, Binary):
        return _comparison(e, positive)
    if isinstance(e, Call):
        return _call(e, positive)
    truth = _truth(e)
    if truth is not None:
        if truth != positive:
            return [Gate("never", "constant condition is never true", "strong", e.start)]
        return []
    path = _path(e)
    subject = gate_subject(path) if path else None
    if path is None or subject is None or subject.when not in ("true", "false"):
        return []
    holds = positive == (subject.when == "true")
    return [_gate(subject, path, (subject.when,), not holds, e.start)]


def _rules_out(gate: Gate, event: str) -> bool:
    """Does ``gate`` fail in every run that ``event`` triggered?"""
    if gate.kind == "never":
        return True
    if gate.kind != "event_name" or gate.strength != "strong":
        return False
    listed = event.lower() in {v.lower() for v in gate.values}
    return listed if gate.negated else not listed


def _common(parts: list[list[Gate]]) -> list[Gate]:
    """Facts holding in every branch of a disjunction, merging same-subject value sets."""
    if not parts or any(not p for p in parts):
        return []
    merged: list[Gate] = []
    for first in parts[0]:
        key = (first.kind, first.path, first.negated)
        matches = [first]
        for other in parts[1:]:
            same = [g for g in other if (g.kind, g.path, g.negated) == key]
            if not same:
                break
            matches.append(same[0])
        else:
            values = tuple(dict.fromkeys(v for g in matches for v in g.values))
            if first.negated and any(g.values != first.values for g in matches):
                continue
            strength = min((g.strength for g in matches), key=_STRENGTH_ORDER.__getitem__)
            detail = first.detail
            if values != first.values:
                head = f"{'.'.join(first.path or ())} in {{{', '.join(values)}}}"
                detail = head + (" — " + detail.split(" — ", 1)[1] if " — " in detail else "")
            merged.append(replace(first, values=values, strength=strength, detail=detail))
    return merged


def _subject_of(e: Expr) -> tuple[GateSubject, tuple[str, ...]] | None:
    path = _path(e)
    if path is None:
        return None
    subject = gate_subject(path)
    return None if subject is None else (subject, path)


def _comparison(e: Binary, positive: bool) -> list[Gate]:
    if e.op not in ("==", "!="):
        return []
    equal = (e.op == "==") == positive
    sides = [(s, other) for s, other in ((e.left, e.right), (e.right, e.left)) if _subject_of(s)]
    if not sides:
        return []
    # `head.repo.full_name == github.repository`: the same-repo side is the fact, not the owner side
    sides.sort(key=lambda pair: _subject_of(pair[0])[0].kind == "repo_owner")  # type: ignore[index]
    side, other = sides[0]
    subject, path = _subject_of(side)  # type: ignore[misc]
    value = _operand_text(other)
    if value is None:
        return []
    if subject.when is not None:
        if _literal(other) is None:
            return []
        holds = equal == (value.lower() == subject.when)
        return [_gate(subject, path, (subject.when,), not holds, e.start)]
    return [_gate(subject, path, (value,), not equal, e.start)]


def _json_list(e: Expr) -> tuple[str, ...] | None:
    """Values of `fromJSON('[...]')` with a literal JSON array of scalars."""
    if not (isinstance(e, Call) and e.name.lower() == "fromjson" and len(e.args) == 1):
        return None
    arg = e.args[0]
    if not isinstance(arg, String):
        return None
    try:
        data = safeio.load_json(arg.value, "fromJSON literal")
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, list) or any(isinstance(v, (list, dict)) for v in data):
        return None
    return tuple(v if isinstance(v, str) else json.dumps(v) for v in data)


def _call(e: Call, positive: bool) -> list[Gate]:
    name = e.name.lower()
    if name == "always":
        if not positive:
            return [Gate("never", "!always() is never true", "strong", e.start)]
        return [Gate("always", "always(): runs even after failure or cancellation", "none", e.start)]
    if name in ("startswith", "endswith") and len(e.args) == 2:
        found = _subject_of(e.args[0])
        prefix = _literal(e.args[1])
        if found is None or prefix is None:
            return []
        value = prefix + "*" if name == "startswith" else "*" + prefix
        return [_gate(found[0], found[1], (value,), not positive, e.start)]
    if name != "contains" or len(e.args) != 2:
        return []
    haystack, needle = e.args
    if isinstance(haystack, Call) and haystack.name.lower() == "tojson" and len(haystack.args) == 1:
        # contains(toJSON(github.event.pull_request.labels), 'x'): a substring test on the
        # serialised labels, which still needs a triager to apply a label containing 'x'
        inner = _path(haystack.args[0])
        label = _literal(needle)
        subject = gate_subject((*inner, "*", "name")) if inner else None
        if subject is not None and subject.kind == "label" and label is not None and inner is not None:
            return [_gate(subject, (*inner, "*", "name"), (label,), not positive, e.start, "substring")]
    listed = _json_list(haystack)
    needle_subject = _subject_of(needle)
    if listed is not None and needle_subject is not None:
        return [_gate(needle_subject[0], needle_subject[1], listed, not positive, e.start)]
    if isinstance(haystack, String) and needle_subject is not None:
        subject, path = needle_subject
        return [_gate(subject, path, (haystack.value,), not positive, e.start, "substring")]
    hay_subject = _subject_of(haystack)
    wanted = _literal(needle)
    if hay_subject is not None and wanted is not None:
        subject, path = hay_subject
        how = "" if "*" in path else "substring"
        return [_gate(subject, path, (wanted,), not positive, e.start, how)]
    return []


# --------------------------------------------------------------------------- constant folding


def _truth(e: Expr) -> bool | None:
    """Truthiness when it does not depend on any context, else None."""
    if isinstance(e, Null):
        return False
    if isinstance(e, Boolean):
        return e.value
    if isinstance(e, Number):
        return e.value != 0 and e.value == e.value
    if isinstance(e, String):
        return e.value != ""
    if isinstance(e, Not):
        inner = _truth(e.operand)
        return None if inner is None else not inner
    if isinstance(e, Logical):
        values = [_truth(o) for o in e.operands]
        decisive = e.op == "||"  # || is decided by a true operand, && by a false one
        if decisive in values:
            return decisive
        return (not decisive) if all(v is not None for v in values) else None
    if isinstance(e, Call) and e.name.lower() == "always" and not e.args:
        return True
    if isinstance(e, Binary) and e.op in ("==", "!="):
        left, right = e.left, e.right
        if type(left) is type(right) and isinstance(left, (String, Number, Boolean, Null)):
            if isinstance(left, String):
                same = left.value.lower() == right.value.lower()  # type: ignore[union-attr]
            else:
                same = left == right
            return same if e.op == "==" else not same
    return None
