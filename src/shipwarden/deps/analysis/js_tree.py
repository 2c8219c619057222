"""The JavaScript parser (tree-sitter-javascript), its queries, and the per-file state of one analysis."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import tree_sitter
import tree_sitter_javascript

from shipwarden.deps.analysis.facts import CodeFacts, Context
from shipwarden.deps.analysis.indicators import Indicators, load_indicators
from shipwarden.deps.analysis.model import Capability

Node = tree_sitter.Node

_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|[0-7]{1,3}|.)", re.S)
_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}
GLOBAL_PREFIXES = ("globalThis.", "global.", "window.", "self.")
SEND_HINT = re.compile(rb"method\W+(?:POST|PUT|PATCH)|\.write\(|body\s*:", re.I)
MAX_RENDER_DEPTH = 6
_MAX_PARENT_WALK = 10


@lru_cache(maxsize=1)
def _language() -> tree_sitter.Language:
    return tree_sitter.Language(tree_sitter_javascript.language())


@lru_cache(maxsize=1)
def query() -> tree_sitter.Query:
    ind = load_indicators()
    names = {key.rsplit(".", 1)[-1] for key in ind.js_calls} | {"require", "import"}
    alternation = "|".join(sorted(re.escape(n) for n in names))
    source = f"""
    (call_expression function: (identifier) @fn (#match? @fn "^({alternation})$")) @call
    (call_expression function: (member_expression property: (property_identifier) @prop (#match? @prop "^({alternation})$"))) @call
    (call_expression function: (import)) @call
    (new_expression) @new
    (member_expression object: (identifier) @pobj (#eq? @pobj "process") property: (property_identifier) @penvp (#eq? @penvp "env")) @penv
    (string) @string
    (template_string) @template
    ((identifier) @mangled (#match? @mangled "^_0x[0-9a-fA-F]{{3,}}$"))
    (variable_declarator name: (_) value: (_)) @decl
    (assignment_expression) @assign
    (augmented_assignment_expression) @assign
    (import_statement) @import
    """
    return tree_sitter.Query(_language(), source)


@lru_cache(maxsize=1)
def call_names() -> frozenset[str]:
    ind = load_indicators()
    return frozenset({key.rsplit(".", 1)[-1] for key in ind.js_calls} | {"require", "import"})


@lru_cache(maxsize=256)
def alias_query(names: tuple[str, ...]) -> tree_sitter.Query:
    """Calls through renamed aliases (``const {readFileSync: rf} = require("fs"); rf(…)``)."""
    alternation = "|".join(re.escape(n) for n in names)
    return tree_sitter.Query(_language(), f'(call_expression function: (identifier) @fn (#match? @fn "^({alternation})$")) @call')


def parser() -> tree_sitter.Parser:
    return tree_sitter.Parser(_language())


def unescape(raw: str) -> str:
    if "\\" not in raw:
        return raw

    def repl(m: re.Match[str]) -> str:
        esc = m.group(1)
        try:
            if esc[0] == "x":
                return chr(int(esc[1:], 16))
            if esc.startswith("u{"):
                return chr(int(esc[2:-1], 16))
            if esc[0] == "u" and len(esc) == 5:
                return chr(int(esc[1:], 16))
            if esc[0] in "01234567" and esc != "0":
                return chr(int(esc, 8))
        except (ValueError, OverflowError):
            return ""
        return _SIMPLE_ESCAPES.get(esc, esc)

    return _ESCAPE.sub(repl, raw)


@dataclass(slots=True)
class JsFile:
    """Per-file state of one analysis."""

    data: bytes
    ctx: Context
    ind: Indicators
    root: Node | None = None
    facts: CodeFacts = field(default_factory=CodeFacts)
    aliases: dict[str, str] = field(default_factory=dict)
    consts: dict[str, Node] = field(default_factory=dict)
    #: Names declared more than once or assigned to: their value is not known (renders ``*``).
    rebound: set[str] = field(default_factory=set)
    decode_starts: list[int] = field(default_factory=list)
    network_starts: list[int] = field(default_factory=list)
    decode_taint: set[str] = field(default_factory=set)
    net_taint: set[str] = field(default_factory=set)
    dynamic_reads: bool = False
    dynamic_writes: bool = False
    #: Runs a shell command line built at run time (could write any path it names).
    dynamic_shell: bool = False
    payloads: set[int] = field(default_factory=set)
    #: Byte ranges of write-call path arguments (their strings are not reads).
    write_args: list[tuple[int, int]] = field(default_factory=list)

    def text(self, node: Node) -> str:
        return self.data[node.start_byte : node.end_byte].decode("utf-8", "replace")

    def line(self, node: Node) -> int:
        return node.start_point[0] + 1

    def add(self, cap: Capability, detail: str, node: Node, strong: bool = True) -> None:
        snippet = self.text(node) if node.end_byte - node.start_byte <= 400 else self.text(node)[:400]
        self.facts.evidence.append(
            self.ctx.evidence(cap, detail, self.line(node), node.start_point[1] + 1, snippet, strong)
        )


