"""AST back to text: ``parse(unparse(e)) == e`` for every AST."""

from __future__ import annotations

import math

from shipwarden.ci.github.expressions.nodes import (
    PREC,
    Binary,
    Boolean,
    Call,
    Context,
    Expr,
    Index,
    Logical,
    Not,
    Null,
    Number,
    Property,
    Star,
    String,
)

# ---------------------------------------------------------------------------------- unparse


def _prec(e: Expr) -> int:
    if isinstance(e, Logical):
        return PREC[e.op]
    if isinstance(e, Binary):
        return PREC[e.op]
    if isinstance(e, Not):
        return 5
    return 6


def _format_number(v: float) -> str:
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    if v.is_integer() and abs(v) < 1e16:
        return str(int(v))
    return repr(v)


def _wrap(e: Expr, parens: bool) -> str:
    text = unparse(e)
    return f"({text})" if parens else text


def _target(e: Expr) -> str:
    return _wrap(e, not isinstance(e, (Context, Call, Property, Index, Star)))


def unparse(e: Expr) -> str:
    """Canonical text of an AST: `parse(unparse(e)) == e`."""
    if isinstance(e, Null):
        return "null"
    if isinstance(e, Boolean):
        return "true" if e.value else "false"
    if isinstance(e, Number):
        return _format_number(e.value)
    if isinstance(e, String):
        return "'" + e.value.replace("'", "''") + "'"
    if isinstance(e, Context):
        return e.name
    if isinstance(e, Property):
        return f"{_target(e.target)}.{e.name}"
    if isinstance(e, Star):
        return f"{_target(e.target)}.*"
    if isinstance(e, Index):
        return f"{_target(e.target)}[{unparse(e.index)}]"
    if isinstance(e, Call):
        return f"{e.name}({', '.join(unparse(a) for a in e.args)})"
    if isinstance(e, Not):
        return "!" + _wrap(e.operand, _prec(e.operand) < 5)
    if isinstance(e, Binary):
        p = PREC[e.op]
        return f"{_wrap(e.left, _prec(e.left) < p)} {e.op} {_wrap(e.right, _prec(e.right) <= p)}"
    if isinstance(e, Logical):
        p = PREC[e.op]
        return f" {e.op} ".join(_wrap(o, _prec(o) <= p) for o in e.operands)
    raise TypeError(f"not an expression node: {e!r}")
