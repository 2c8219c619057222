"""Lexer and precedence-climbing parser of GitHub expressions (cached per text)."""

from __future__ import annotations

import functools
import math
import re

from shipwarden.ci.github.expressions.nodes import (
    PREC,
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
    children,
)
from shipwarden.ci.templates import ExprSite

MAX_DEPTH = 200
"""Deepest AST accepted (GitHub itself stops at 50)."""
_MAX_NESTING = 60
"""Deepest (), [] and call-argument nesting (GitHub allows less); bounds the parser's recursion."""

# ------------------------------------------------------------------------------------- lexer

# A token is (kind, value, start, end). Kinds: punctuation/operators as themselves,
# "num", "str", "ident", "true", "false", "null", "eof".
_Token = tuple[str, object, int, int]

_SINGLE = frozenset("()[],*")
_KEYWORDS = {"true": "true", "false": "false", "null": "null"}
_IDENT_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_DECIMAL_RE = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_HEX_RE = re.compile(r"0[xX][0-9a-fA-F]+")
_OCT_RE = re.compile(r"0[oO][0-7]+")
_AFTER_VALUE = frozenset(("ident", "]", ")", "*"))


#: Where a word (an identifier, keyword) ends: white space (as ``str.isspace``) or punctuation.
_WORD_END = re.compile(r"[\s(\[)\],.!><=&|]")
#: Where a number ends: the same, except that ``.`` belongs to it.
_NUMBER_END = re.compile(r"[\s(\[)\],!><=&|]")


def _end(pattern: re.Pattern[str], text: str, start: int) -> int:
    """The offset of the first character at or after ``start`` that ``pattern`` matches, else the text's end."""
    m = pattern.search(text, start)
    return m.start() if m else len(text)


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
            j = _end(_NUMBER_END, text, i + 1)
            lexeme = text[i:j]
            value = _number_value(lexeme)
            if value is None:
                raise ExprSyntaxError(f"invalid number {lexeme!r}", start)
            toks.append(("num", value, start, j))
            i = j
        else:
            j = _end(_WORD_END, text, i + 1)
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
            prec = PREC.get(op)
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


def parse_site(site: ExprSite) -> Expr:
    """Parse a site's inner text (offsets relative to `inner_start`)."""
    if not site.terminated:
        raise ExprSyntaxError("unterminated ${{", 0)
    return parse(site.text)
