"""Context access chains in an expression, and whether their text flows into its value."""

from __future__ import annotations

from shipwarden.ci.github.expressions.nodes import (
    Binary,
    Call,
    Context,
    Expr,
    Index,
    Logical,
    Not,
    Property,
    Star,
    String,
    children,
)
from shipwarden.core.structs import struct

# ------------------------------------------------------------------------------ context refs


@struct(frozen=True)
class ContextRef:
    """A context access chain, e.g. ('github', 'event', 'commits', '*', 'message').

    Segments are lower-case; literal string indexes become property names; numeric or
    dynamic indexes and `.*` filters become '*'. `flows` says whether the referenced text can
    reach the expression's result (False inside comparisons, `!`, contains() and friends).
    """

    path: tuple[str, ...]
    start: int
    end: int
    flows: bool

    @property
    def dotted(self) -> str:
        return ".".join(self.path)

    def shifted(self, delta: int) -> ContextRef:
        return ContextRef(self.path, self.start + delta, self.end + delta, self.flows)


# Functions whose result is a boolean or a digest: their arguments never reach the result text.
_SINK_FUNCTIONS = frozenset(
    ("contains", "startswith", "endswith", "hashfiles", "success", "always", "cancelled", "failure")
)


def _collect(e: Expr, flows: bool, out: list[ContextRef]) -> None:
    if isinstance(e, (Context, Property, Index, Star)):
        segments: list[str] = []
        node: Expr = e
        while True:
            if isinstance(node, Property):
                segments.append(node.name.lower())
            elif isinstance(node, Star):
                segments.append("*")
            elif isinstance(node, Index):
                if isinstance(node.index, String):
                    segments.append(node.index.value.lower())
                else:
                    segments.append("*")
                    _collect(node.index, False, out)
            else:
                break
            node = node.target
        if isinstance(node, Context):
            segments.append(node.name.lower())
            out.append(ContextRef(tuple(reversed(segments)), node.start, e.end, flows))
        else:
            _collect(node, flows, out)
    elif isinstance(e, Call):
        name = e.name.lower()
        if name == "case":
            last = len(e.args) - 1
            for i, arg in enumerate(e.args):
                _collect(arg, flows and (i % 2 == 1 or i == last), out)
        else:
            arg_flows = flows and name not in _SINK_FUNCTIONS
            for arg in e.args:
                _collect(arg, arg_flows, out)
    elif isinstance(e, Logical):
        for operand in e.operands:
            _collect(operand, flows, out)
    elif isinstance(e, (Not, Binary)):
        for child in children(e):
            _collect(child, False, out)


def context_refs(expr: Expr) -> list[ContextRef]:
    """Every context access chain in `expr`, in text order."""
    out: list[ContextRef] = []
    _collect(expr, True, out)
    out.sort(key=lambda r: (r.start, r.end))
    return out


def flowing_refs(expr: Expr) -> list[ContextRef]:
    """Refs whose text can reach the expression's result (what an injection rule cares about)."""
    return [r for r in context_refs(expr) if r.flows]
