"""The AST of GitHub expressions: frozen nodes whose offsets are left out of equality."""

from __future__ import annotations

from dataclasses import field

from shipwarden.core.structs import struct


class ExprSyntaxError(ValueError):
    """The text is not a valid expression; `offset` indexes the parsed text."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(f"{message} (at offset {offset})")
        self.message = message
        self.offset = offset


# --------------------------------------------------------------------------------------- AST


@struct(frozen=True)
class Null:
    start: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)


@struct(frozen=True)
class Boolean:
    value: bool
    start: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)


@struct(frozen=True)
class Number:
    value: float
    start: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)


@struct(frozen=True)
class String:
    value: str
    start: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)


@struct(frozen=True)
class Context:
    """A bare context name: `github`, `steps`, `env` …"""

    name: str
    start: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)


@struct(frozen=True)
class Property:
    """`target.name`"""

    target: Expr
    name: str
    start: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)


@struct(frozen=True)
class Index:
    """`target[index]`"""

    target: Expr
    index: Expr
    start: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)


@struct(frozen=True)
class Star:
    """Object filter `target.*` (also written `target[*]`)."""

    target: Expr
    start: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)


@struct(frozen=True)
class Call:
    name: str
    args: tuple[Expr, ...]
    start: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)


@struct(frozen=True)
class Not:
    operand: Expr
    start: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)


@struct(frozen=True)
class Binary:
    """Comparison: op is one of == != < <= > >=."""

    op: str
    left: Expr
    right: Expr
    start: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)


@struct(frozen=True)
class Logical:
    """`&&` / `||` over two or more operands (a parenthesised same-op child stays nested)."""

    op: str
    operands: tuple[Expr, ...]
    start: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)


Expr = Null | Boolean | Number | String | Context | Property | Index | Star | Call | Not | Binary | Logical


def children(e: Expr) -> tuple[Expr, ...]:
    """Direct sub-expressions, left to right."""
    if isinstance(e, (Property, Star)):
        return (e.target,)
    if isinstance(e, Index):
        return (e.target, e.index)
    if isinstance(e, Call):
        return e.args
    if isinstance(e, Not):
        return (e.operand,)
    if isinstance(e, Binary):
        return (e.left, e.right)
    if isinstance(e, Logical):
        return e.operands
    return ()


#: binary operator precedence, shared by the parser and :func:`unparse`
PREC = {"||": 1, "&&": 2, "==": 3, "!=": 3, "<": 4, "<=": 4, ">": 4, ">=": 4}
