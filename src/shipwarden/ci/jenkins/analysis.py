"""Parse Jenkinsfiles with tree-sitter-groovy into :class:`Jenkinsfile` and run the rules.

Groovy interpolates ``"…${x}…"`` and ``\"\"\"…\"\"\"`` strings before the step sees them (single
quotes, ``'…'`` and ``'''…'''``, do not); tree-sitter-groovy keeps ``'…'`` as
``character_literal`` but both triple-quoted forms as ``string_literal``, so the quote is
read from the string's own text, and so are the interpolations.
Regions tree-sitter cannot parse (regex literals ``=~ /…/`` are the usual cause) become
ERROR nodes; their children are still walked, and the count is kept per file.
"""

from __future__ import annotations

import functools
import re

import tree_sitter
import tree_sitter_groovy

from shipwarden.ci.jenkins.model import Interpolation, Jenkinsfile, LibraryRef, ScriptStep, table
from shipwarden.ci.sourcefile import SourceFile
from shipwarden.ci.yamlspan import SourceText, decode

#: Largest Jenkinsfile read (the biggest in the corpus is under 100 KB).
MAX_BYTES = 1024 * 1024
MAX_NODES = 500_000


@functools.cache
def _parser() -> tree_sitter.Parser:
    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_groovy.language()))


#: conditions on the branch, tag or parameters (people who can push or start builds)
_BRANCH_GUARD = re.compile(r"BRANCH_NAME|TAG_NAME|GIT_BRANCH|CHANGE_ID|isPR|changeRequest|buildingTag|params\.|env\.RELEASE|isRelease")
#: a ``when`` that selects pull request builds (``changeRequest()`` not under ``not``)
_PR_ONLY = re.compile(r"(?<!not \{ )(?<!not\{)changeRequest\(")
_BUILDS_PRS = re.compile(r"changeRequest\(|CHANGE_ID|CHANGE_BRANCH|CHANGE_TARGET|CHANGE_TITLE|BRANCH_NAME\s*=~\s*/PR-|startsWith\(['\"]PR-")

_INTERP = re.compile(r"\$\{([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}|\$([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)")


def interpolations(text: str, base: int) -> list[Interpolation]:
    out: list[Interpolation] = []
    for m in _INTERP.finditer(text):
        if m.start() > 0 and text[m.start() - 1] == "\\":
            continue  # \$ is a literal dollar for the shell
        expr = (m.group(1) if m.group(1) is not None else m.group(2)).strip()
        out.append(Interpolation(base + m.start(), base + m.end(), expr))
    return out


class _Builder:
    def __init__(self, data: bytes, jf: Jenkinsfile) -> None:
        self.data = data
        self.jf = jf
        # tree-sitter offsets are bytes; spans in the model are characters
        self.text = data.decode("utf-8")
        self.ascii = len(self.text) == len(data)

    def char(self, byte: int) -> int:
        return byte if self.ascii else len(self.data[:byte].decode("utf-8", "replace"))

    def t(self, node: tree_sitter.Node) -> str:
        return self.data[node.start_byte : node.end_byte].decode("utf-8", "replace")

    def walk(self, root: tree_sitter.Node) -> None:
        steps = set(table()["steps"]["scripts"])
        keys = set(table()["steps"]["binding_keys"])
        stack: list[tuple[tree_sitter.Node, frozenset[str]]] = [(root, self._pipeline_credentials(root))]
        seen = 0
        while stack:
            node, creds = stack.pop()
            seen += 1
            if seen > MAX_NODES:
                break
            if node.type == "ERROR" or node.is_missing:
                self.jf.parse_errors += 1
            name = node.child_by_field_name("name")
            called = self.t(name) if name is not None and node.type in ("method_invocation", "juxt_function_call") else ""
            child_creds = creds
            if node.type == "closure":
                # `environment { X = credentials('id') }` binds X for the block it sits in
                for env in self._environment_blocks(node):
                    child_creds = child_creds | self._environment_credentials(env)
            if called == "withCredentials":
                child_creds = creds | self._bindings(node, keys)
            elif called in steps:
                self._step(node, called, creds)
            elif called in ("library", "load"):
                self._library(node, called)
            if node.type == "variable_declarator" and any(
                c.type == "ERROR" and self.t(c).strip() == "load" for c in node.children
            ):
                # `def x = load 'f.groovy'`: tree-sitter-groovy has no juxtaposed call there
                value = node.child_by_field_name("value")
                if value is not None:
                    self._library(value, "load")
            if node.type == "annotation" and name is not None and self.t(name) == "Library":
                self._library(node, "library")
            for child in reversed(node.children):
                stack.append((child, child_creds))

    def _strings(self, node: tree_sitter.Node) -> list[tree_sitter.Node]:
        out = []
        stack = [node]
        while stack:
            n = stack.pop()
            if n.type in ("string_literal", "character_literal"):
                out.append(n)
                continue
            stack.extend(reversed(n.children))
        return out

    def _bindings(self, node: tree_sitter.Node, keys: set[str]) -> frozenset[str]:
        names: set[str] = set()
        args = node.child_by_field_name("arguments")
        stack = [args] if args is not None else []
        while stack:
            n = stack.pop()
            if n.type == "map_item":
                key = n.child_by_field_name("key")
                value = n.child_by_field_name("value")
                if key is not None and value is not None and self.t(key) in keys:
                    names.add(self.t(value).strip("'\""))
            stack.extend(n.children)
        return frozenset(names)

    def _pipeline_credentials(self, root: tree_sitter.Node) -> frozenset[str]:
        """``pipeline { environment { … } }`` binds for the whole file. (Taken file-wide so
        that a parse error closing the ``pipeline`` block early does not lose the scope.)"""
        names: frozenset[str] = frozenset()
        for child in root.named_children:
            inner = child.named_children[0] if child.type == "expression_statement" and child.named_children else child
            name = inner.child_by_field_name("name") if inner.type == "method_invocation" else None
            body = inner.child_by_field_name("body") if name is not None and self.t(name) == "pipeline" else None
            if body is not None:
                for env in self._environment_blocks(body):
                    names = names | self._environment_credentials(env)
        return names

    def _environment_blocks(self, closure: tree_sitter.Node) -> list[tree_sitter.Node]:
        out = []
        for child in closure.named_children:
            inner = child.named_children[0] if child.type == "expression_statement" and child.named_children else child
            if inner.type in ("method_invocation", "juxt_function_call"):
                name = inner.child_by_field_name("name")
                if name is not None and self.t(name) == "environment":
                    out.append(inner)
        return out

    def _environment_credentials(self, root: tree_sitter.Node) -> frozenset[str]:
        """``NAME = credentials('id')`` anywhere: NAME, NAME_USR and NAME_PSW hold the secret."""
        names: set[str] = set()
        stack = [root]
        while stack:
            n = stack.pop()
            if n.type == "assignment_expression":
                left = n.child_by_field_name("left")
                right = n.child_by_field_name("right")
                if left is not None and right is not None and right.type == "method_invocation":
                    rname = right.child_by_field_name("name")
                    if rname is not None and self.t(rname) == "credentials":
                        base = self.t(left)
                        names.update({base, f"{base}_USR", f"{base}_PSW"})
            stack.extend(n.children)
        return frozenset(names)

    def _step(self, node: tree_sitter.Node, step: str, creds: frozenset[str]) -> None:
        args = node.child_by_field_name("arguments") or node.child_by_field_name("args")
        if args is None:
            return
        target: tree_sitter.Node | None = None
        for child in args.named_children:
            if child.type in ("string_literal", "character_literal"):
                target = child
                break
            if child.type == "map_item":
                key = child.child_by_field_name("key")
                value = child.child_by_field_name("value")
                if (key is not None and self.t(key) == "script" and value is not None
                        and value.type in ("string_literal", "character_literal")):
                    target = value
                    break
        if target is None:
            return
        raw = self.t(target)
        # tree-sitter-groovy also keeps ``'''…'''`` as a string_literal: it does not interpolate.
        gstring = target.type == "string_literal" and not raw.startswith("'")
        start = self.char(target.start_byte)
        found = interpolations(raw, start) if gstring else []
        self.jf.steps.append(
            ScriptStep(
                step, self.char(node.start_byte), self.char(node.end_byte), gstring, start, raw, found, creds,
                self._guard(node),
            )
        )

    def _guard(self, node: tree_sitter.Node) -> str:
        """The nearest enclosing condition that keeps ``node`` off pull request builds."""
        current = node.parent
        while current is not None:
            if current.type == "if_statement":
                cond = current.child_by_field_name("condition")
                text = self.t(cond) if cond is not None else ""
                if _BRANCH_GUARD.search(text):
                    return text.strip()[:120]
            if current.type == "method_invocation":
                name = current.child_by_field_name("name")
                if name is not None and self.t(name) == "stage":
                    when = self._stage_when(current)
                    if when and not _PR_ONLY.search(when):
                        return when.strip()[:120]
            current = current.parent
        return ""

    def _stage_when(self, stage: tree_sitter.Node) -> str:
        body = stage.child_by_field_name("body")
        if body is None:
            return ""
        for child in body.named_children:
            inner = child.named_children[0] if child.type == "expression_statement" and child.named_children else child
            name = inner.child_by_field_name("name") if inner.type in ("method_invocation", "juxt_function_call") else None
            if name is not None and self.t(name) == "when":
                return self.t(inner)
        return ""

    def _library(self, node: tree_sitter.Node, kind: str) -> None:
        strings = self._strings(node)
        if not strings:
            return
        first = strings[0]
        value = self.t(first).strip("'\"")
        if kind == "library":
            name, _, version = value.partition("@")
            ref = LibraryRef("library", name, version or None, self.char(first.start_byte), self.char(first.end_byte))
        else:
            ref = LibraryRef("load", value, None, self.char(first.start_byte), self.char(first.end_byte))
        self.jf.libraries.append(ref)


def parse(path: str, data: bytes) -> Jenkinsfile:
    text = decode(data, path)
    jf = Jenkinsfile(SourceFile(path, SourceText(text)))
    raw = text.encode("utf-8")
    jf.builds_prs = bool(_BUILDS_PRS.search(text))
    tree = _parser().parse(raw)
    _Builder(raw, jf).walk(tree.root_node)
    return jf
