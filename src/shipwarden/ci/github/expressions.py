"""The GitHub Actions `${{ }}` expression language.

Lexer and precedence-climbing parser following GitHub's grammar (actions/languageservices):

    ||  <  &&  <  == !=  <  < <= > >=  <  !  <  postfix (.name  .*  [expr]  [*])  <  primary

Literals: null, true, false (case-sensitive, as GitHub), numbers (decimal, exponent, 0x hex,
0o octal, leading sign, NaN, Infinity) and single-quoted strings with '' escapes. Context and
function names are case-insensitive and may contain `-` and `_`.

AST nodes are frozen dataclasses; their `start`/`end` offsets index the parsed text and are
excluded from equality, so `parse(unparse(e)) == e` holds for every AST.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass, field

from shipwarden.ci.templates import ExprSite, find_expressions

__all__ = [
    "MAX_DEPTH",
    "Binary",
    "Boolean",
    "Call",
    "Context",
    "ContextRef",
    "Expr",
    "ExprSite",
    "ExprSyntaxError",
    "Index",
    "Logical",
    "Not",
    "Null",
    "Number",
    "Property",
    "Star",
    "String",
    "children",
    "context_refs",
    "find_expressions",
    "flowing_refs",
    "parse",
    "parse_site",
    "unparse",
]

MAX_DEPTH = 200
"""Deepest AST accepted (GitHub itself stops at 50)."""
_MAX_NESTING = 60
"""Deepest (), [] and call-argument nesting (GitHub allows less); bounds the parser's recursion."""


class ExprSyntaxError(ValueError):
    """The text is not a valid expression; `offset` indexes the parsed text."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(f"{message} (at offset {offset})")
        self.message = message
        self.offset = offset


# --------------------------------------------------------------------------------------- AST



@dataclass(frozen=True, slots=True)
class Null:
    start: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Boolean:
    value: bool
    start: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Number:
    value: float
    start: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class String:
    value: str
    start: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Context:
    """A bare context name: `github`, `steps`, `env` …"""

    name: str
    start: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Property:
    """`target.name`"""

    target: Expr
    name: str
    start: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Index:
    """`target[index]`"""

    target: Expr
    index: Expr
    start: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Star:
    """Object filter `target.*` (also written `target[*]`)."""

    target: Expr
    start: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Call:
    name: str
    args: tuple[Expr, ...]
    start: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Not:
    operand: Expr
    start: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Binary:
    """Comparison: op is one of == != < <= > >=."""

    op: str
    left: Expr
    right: Expr
    start: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
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


# ------------------------------------------------------------------------------------- lexer

# A token is (kind, value, start, end). Kinds: punctuation/operators as themselves,
# "num", "str", "ident", "true", "false", "null", "eof".
_Token = tuple[str, object, int, int]

_BOUNDARY = frozenset("([)],.!><=&|")
_SINGLE = frozenset("()[],*")
_KEYWORDS = {"true": "true", "false": "false", "null": "null"}
_IDENT_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_DECIMAL_RE = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_HEX_RE = re.compile(r"0[xX][0-9a-fA-F]+")
_OCT_RE = re.compile(r"0[oO][0-7]+")
_AFTER_VALUE = frozenset(("ident", "]", ")", "*"))


def _boundary(c: str) -> bool:
    return c in _BOUNDARY or c.isspace()


def _number_value(lexeme: str) -> float | None:
    body = lexeme
    sign = 1.0
    if body[:1] in ("+", "-"):
        sign = -1.0 if body[0] == "-" else 1.0
        body = body[1:]
    try:
        if body == "Infinity":
            return sign * math.inf
        if _DECIMAL_RE.fullmatch(body):
            return sign * float(body)
        if _HEX_RE.fullmatch(body):
            return sign * float(int(body[2:], 16))
        if _OCT_RE.fullmatch(body):
            return sign * float(int(body[2:], 8))
    except (OverflowError, ValueError):
        return None
    return None


def _lex(text: str) -> list[_Token]:
    toks: list[_Token] = []
    n = len(text)
    i = 0
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
            continue
        start = i
        prev = toks[-1][0] if toks else ""
        if c in _SINGLE:
            toks.append((c, None, i, i + 1))
            i += 1
        elif c == "." and prev in _AFTER_VALUE:
            toks.append((".", None, i, i + 1))
            i += 1
        elif c in "!<>=":
            if i + 1 < n and text[i + 1] == "=":
                toks.append((c + "=", None, i, i + 2))
                i += 2
            elif c == "=":
                raise ExprSyntaxError("unexpected symbol '='", i)
            else:
                toks.append((c, None, i, i + 1))
                i += 1
        elif c in "&|":
            if i + 1 < n and text[i + 1] == c:
                toks.append((c + c, None, i, i + 2))
                i += 2
            else:
                raise ExprSyntaxError(f"unexpected symbol {c!r}", i)
        elif c == "'":
            i = _lex_string(text, i, toks)
        elif c.isdigit() or c in "+-.":
            j = i + 1
            while j < n and (text[j] == "." or not _boundary(text[j])):
                j += 1
            lexeme = text[i:j]
            value = _number_value(lexeme)
            if value is None:
                raise ExprSyntaxError(f"invalid number {lexeme!r}", start)
            toks.append(("num", value, start, j))
            i = j
        else:
            j = i + 1
            while j < n and not _boundary(text[j]):
                j += 1
            word = text[i:j]
            if prev != "." and word in _KEYWORDS:
                toks.append((_KEYWORDS[word], None, start, j))
            elif prev != "." and word in ("NaN", "Infinity"):
                toks.append(("num", math.nan if word == "NaN" else math.inf, start, j))
            elif _IDENT_RE.fullmatch(word):
                toks.append(("ident", word, start, j))
            else:
                raise ExprSyntaxError(f"unexpected symbol {word!r}", start)
            i = j
    toks.append(("eof", None, n, n))
    return toks


def _lex_string(text: str, i: int, toks: list[_Token]) -> int:
    parts: list[str] = []
    j = i + 1
    while True:
        k = text.find("'", j)
        if k < 0:
            raise ExprSyntaxError("unterminated string literal", i)
        parts.append(text[j:k])
        if text.startswith("'", k + 1):
            parts.append("'")
            j = k + 2
            continue
        toks.append(("str", "".join(parts), i, k + 1))
        return k + 1


# ------------------------------------------------------------------------------------ parser

_PREC = {"||": 1, "&&": 2, "==": 3, "!=": 3, "<": 4, "<=": 4, ">": 4, ">=": 4}


class _Parser:
    __slots__ = ("toks", "pos", "nesting")

    def __init__(self, toks: list[_Token]) -> None:
        self.toks = toks
        self.pos = 0
        self.nesting = 0

    def fail(self, message: str) -> ExprSyntaxError:
        kind, _, start, _ = self.toks[self.pos]
        what = "end of expression" if kind == "eof" else f"{kind!r}"
        return ExprSyntaxError(f"{message}, found {what}", start)

    def expect(self, kind: str) -> _Token:
        tok = self.toks[self.pos]
        if tok[0] != kind:
            raise self.fail(f"expected {kind!r}")
        self.pos += 1
        return tok

    def nested(self) -> Expr:
        self.nesting += 1
        if self.nesting > _MAX_NESTING:
            raise ExprSyntaxError("expression nested too deeply", self.toks[self.pos][2])
        try:
            return self.expr(1)
        finally:
            self.nesting -= 1

    def expr(self, min_prec: int) -> Expr:
        left = self.unary()
        while True:
            op = self.toks[self.pos][0]
            prec = _PREC.get(op)
            if prec is None or prec < min_prec:
                return left
            if op in ("&&", "||"):
                operands = [left]
                while self.toks[self.pos][0] == op:
                    self.pos += 1
                    operands.append(self.expr(prec + 1))
                left = Logical(op, tuple(operands), left.start, operands[-1].end)
            else:
                self.pos += 1
                right = self.expr(prec + 1)
                left = Binary(op, left, right, left.start, right.end)

    def unary(self) -> Expr:
        bangs: list[int] = []
        while self.toks[self.pos][0] == "!":
            bangs.append(self.toks[self.pos][2])
            self.pos += 1
        node = self.postfix()
        for start in reversed(bangs):
            node = Not(node, start, node.end)
        return node

    def postfix(self) -> Expr:
        kind, value, start, end = self.toks[self.pos]
        node: Expr
        if kind == "ident":
            self.pos += 1
            if self.toks[self.pos][0] == "(":
                node = self.call(str(value), start)
            else:
                node = Context(str(value), start, end)
        elif kind == "(":
            self.pos += 1
            inner = self.nested()
            self.expect(")")
            node = inner
        else:
            return self.literal()
        while True:
            kind = self.toks[self.pos][0]
            if kind == ".":
                self.pos += 1
                nkind, nvalue, _, nend = self.toks[self.pos]
                if nkind == "ident":
                    node = Property(node, str(nvalue), node.start, nend)
                elif nkind == "*":
                    node = Star(node, node.start, nend)
                else:
                    raise self.fail("expected a property name or '*' after '.'")
                self.pos += 1
            elif kind == "[":
                self.pos += 1
                if self.toks[self.pos][0] == "*" and self.toks[self.pos + 1][0] == "]":
                    self.pos += 1
                    node = Star(node, node.start, self.expect("]")[3])
                else:
                    index = self.nested()
                    node = Index(node, index, node.start, self.expect("]")[3])
            else:
                return node

    def call(self, name: str, start: int) -> Call:
        self.pos += 1  # "("
        args: list[Expr] = []
        if self.toks[self.pos][0] != ")":
            while True:
                args.append(self.nested())
                if self.toks[self.pos][0] != ",":
                    break
                self.pos += 1
                if self.toks[self.pos][0] == ")":  # GitHub accepts a trailing comma
                    break
        end = self.expect(")")[3]
        return Call(name, tuple(args), start, end)

    def literal(self) -> Expr:
        kind, value, start, end = self.toks[self.pos]
        node: Expr
        if kind == "null":
            node = Null(start, end)
        elif kind in ("true", "false"):
            node = Boolean(kind == "true", start, end)
        elif kind == "num":
            node = Number(float(value), start, end)  # type: ignore[arg-type]
        elif kind == "str":
            node = String(str(value), start, end)
        else:
            raise self.fail("expected a value")
        self.pos += 1
        return node


def _check_depth(root: Expr) -> None:
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ExprSyntaxError("expression nested too deeply", node.start)
        stack.extend((child, depth + 1) for child in children(node))


@functools.lru_cache(maxsize=8192)
def _parse_cached(text: str) -> Expr | ExprSyntaxError:
    try:
        toks = _lex(text)
        if toks[0][0] == "eof":
            raise ExprSyntaxError("empty expression", 0)
        parser = _Parser(toks)
        expr = parser.expr(1)
        if toks[parser.pos][0] != "eof":
            raise parser.fail("unexpected token")
        _check_depth(expr)
        return expr
    except ExprSyntaxError as err:
        return err
    except RecursionError:  # pragma: no cover - bounded by _MAX_NESTING
        return ExprSyntaxError("expression nested too deeply", 0)


def parse(text: str) -> Expr:
    """Parse one expression (the text inside `${{ }}`); raises ExprSyntaxError."""
    result = _parse_cached(text)
    if isinstance(result, ExprSyntaxError):
        raise ExprSyntaxError(result.message, result.offset)
    return result


# ---------------------------------------------------------------------------------- unparse


def _prec(e: Expr) -> int:
    if isinstance(e, Logical):
        return _PREC[e.op]
    if isinstance(e, Binary):
        return _PREC[e.op]
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
        p = _PREC[e.op]
        return f"{_wrap(e.left, _prec(e.left) < p)} {e.op} {_wrap(e.right, _prec(e.right) <= p)}"
    if isinstance(e, Logical):
        p = _PREC[e.op]
        return f" {e.op} ".join(_wrap(o, _prec(o) <= p) for o in e.operands)
    raise TypeError(f"not an expression node: {e!r}")


# ------------------------------------------------------------------------------ `${{ }}` sites


def parse_site(site: ExprSite) -> Expr:
    """Parse a site's inner text (offsets relative to `inner_start`)."""
    if not site.terminated:
        raise ExprSyntaxError("unterminated ${{", 0)
    return parse(site.text)


# ------------------------------------------------------------------------------ context refs


@dataclass(frozen=True, slots=True)
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
