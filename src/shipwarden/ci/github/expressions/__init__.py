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

from shipwarden.ci.github.expressions.nodes import (
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
from shipwarden.ci.github.expressions.parser import MAX_DEPTH, parse, parse_site
from shipwarden.ci.github.expressions.refs import ContextRef, context_refs, flowing_refs
from shipwarden.ci.github.expressions.unparse import unparse
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
