"""The tree-sitter-bash walk: commands, words, redirects, pipelines and ``${{ }}`` contexts."""

from __future__ import annotations

import bisect
import re
import threading
from collections.abc import Iterable

import tree_sitter

from shipwarden.ci.shell import grammar
from shipwarden.ci.shell.commands import parsed_args, resolve
from shipwarden.ci.shell.model import (
    MAX_NESTED_DEPTH,
    MAX_PARSE_ERRORS,
    Assignment,
    Position,
    Quoting,
    Redirect,
    Span,
    Word,
)
from shipwarden.ci.shell.state import Analysis, Cmd, Element, OffsetMap, Owner, Piece, WordInfo, plain_info

# ============================================================================ tree-sitter

_LANGUAGE = tree_sitter.Language(grammar.language())
_LOCAL = threading.local()


def _parser() -> tree_sitter.Parser:
    parser = getattr(_LOCAL, "parser", None)
    if parser is None:
        parser = _LOCAL.parser = tree_sitter.Parser(_LANGUAGE)
    return parser


_NON_ASCII = re.compile(r"[^\x01-\x7f]")


def _ascii(text: str) -> bytes:
    """Same-length ASCII stand-in so byte offsets equal character offsets. Non-ASCII
    characters are word characters to bash; NUL becomes a space."""
    if text.isascii() and "\0" not in text:
        return text.encode("ascii")
    return _NON_ASCII.sub(lambda m: " " if m.group() == "\0" else "x", text).encode("ascii")


_DYNAMIC = frozenset({"simple_expansion", "expansion", "command_substitution", "process_substitution", "arithmetic_expansion"})
_SUBSTITUTIONS = frozenset({"command_substitution", "process_substitution"})
_REDIRECTS = frozenset({"file_redirect", "heredoc_redirect", "herestring_redirect"})
_CTX_TYPES = frozenset({"comment", "heredoc_body", "raw_string", "ansi_c_string", "string", "translated_string",
                        "command_substitution", "process_substitution", "command_name", "variable_assignment",
                        "test_command"}) | _REDIRECTS
_STATEMENT_PARENTS = frozenset({"redirected_statement", "pipeline", "list", "program", "compound_statement", "subshell",
                                "do_group", "if_statement", "else_clause", "elif_clause", "while_statement",
                                "for_statement", "case_item", "function_definition", "negated_command"})
_HANDLED = frozenset({"command", "declaration_command", "variable_assignment", "redirected_statement", "pipeline",
                      "heredoc_redirect"})
"""The node types :meth:`Walker.run` does something with (others are only walked through)."""
_ASSIGNMENT_OWNERS = frozenset({"command", "declaration_command"})
"""Parents whose ``variable_assignment`` children belong to them (not a statement of their own)."""
_WORDISH = frozenset({"word", "number", "string", "raw_string", "ansi_c_string", "translated_string", "concatenation",
                      "simple_expansion", "expansion", "arithmetic_expansion", "command_name", "file_redirect",
                      "herestring_redirect", "heredoc_body", "test_command", "array", "subscript", "brace_expression",
                      "binary_expression", "unary_expression", "parenthesized_expression", "ternary_expression",
                      "postfix_expression", "regex", "extglob_pattern", "variable_name", "special_variable_name"})
"""Word-level nodes: without a substitution in the text (``$(``, backticks, ``<(``, ``>(``) no command is inside them."""
_ESCAPE_WORD = re.compile(r"\\(\n|.)", re.S)
_ESCAPE_DQ = re.compile(r"\\([$`\"\\\n])")
_ANSI = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "'": "'", '"': '"', "a": "\a", "b": "\b", "e": "\x1b", "E": "\x1b", "f": "\f", "v": "\v", "0": "\0"}


_Ctx = tuple[Quoting, Position, "Cmd | None", bool]
"""Where a node sits: quoting, position, enclosing command, inside a quoted-delimiter heredoc."""
_ROOT: _Ctx = (Quoting.UNQUOTED, Position.OTHER, None, False)


class Walker:
    """Walks one tree (the script, or a nested ``bash -c`` body) iteratively."""

    def __init__(self, an: Analysis, text: str, mapping: OffsetMap | None, sites: list[tuple[int, int, int]],
                 depth: int, env: dict[str, str | None]) -> None:
        self.an = an
        self.text = text
        self.map = mapping
        self.sites = sites  # local (start, end, index), sorted
        self.site_starts = [s for s, _, _ in sites]
        self.depth = depth
        self.env = env
        self.by_node: dict[int, Cmd] = {}
        self.tables = an.tables
        self.pending: list[tuple[Owner, _Lazy | None]] = []
        self.pending_pipes: list[list[tuple[_Lazy | None, int, int, list[Span]]]] = []
        self.skip_pipes: set[int] = set()
        self.script = an.script
        self.env_view: dict[str, str | None] | None = None  # a copy of env, shared until env changes

    # -- offsets ----------------------------------------------------------------------
    def o(self, i: int) -> int:
        return i if self.map is None else self.map.to_orig(i)

    def oe(self, i: int) -> int:
        return i if self.map is None else self.map.to_orig_end(i)

    def split(self, a: int, n: int) -> list[Piece]:
        return [(0, a, n, n)] if self.map is None else self.map.split(a, n)

    def local_sites(self, a: int, b: int) -> list[tuple[int, int, int]]:
        k = bisect.bisect_left(self.site_starts, a)
        out = []
        while k < len(self.sites) and self.sites[k][0] < b:
            if self.sites[k][1] <= b:
                out.append(self.sites[k])
            k += 1
        return out

    # -- the walk ---------------------------------------------------------------------
    def run(self) -> None:
        root = _parser().parse(_ascii(self.text)).root_node
        if self.depth == 0 and self.sites:
            self.walk_classified(root, root.has_error)
        else:
            self.walk(root, root.has_error)

    def walk(self, root: tree_sitter.Node, errors: bool) -> None:
        """The walk when no ``${{ }}`` site needs its context: the ``_HANDLED`` nodes and parse errors.
        Without ``$(``, backticks or ``<(``/``>(`` in the text, a word-level subtree holds no command:
        it is not entered (unless it holds a parse error)."""
        text = self.text
        substitutions = "$(" in text or "`" in text or "<(" in text or ">(" in text
        skip = frozenset() if substitutions else _WORDISH
        stack: list[tuple[tree_sitter.Node, str]] = [(root, "")]
        pop, push = stack.pop, stack.append
        while stack:
            node, parent = pop()
            if errors and (node.is_error or node.is_missing) and len(self.an.errors) < MAX_PARSE_ERRORS:
                self.an.errors.append(Span(self.o(node.start_byte), self.oe(node.end_byte)))
            children = node.children
            if not children:
                continue
            t = node.type
            if t in _HANDLED:
                self.visit(node, t, children, _ROOT, parent)  # the context it returns is not needed here
            statement = t in _STATEMENT_PARENTS
            for child in reversed(children):
                if not child.child_count:
                    if not errors:
                        continue  # a leaf matters only as a parse error
                    if statement or child.is_named:
                        push((child, t))
                    continue
                if skip:
                    ct = child.type
                    if (ct in skip or (ct == "variable_assignment" and t in _ASSIGNMENT_OWNERS)) and not (
                        errors and child.has_error
                    ):
                        continue
                if statement or child.is_named:
                    push((child, t))

    def walk_classified(self, root: tree_sitter.Node, errors: bool) -> None:
        """The walk that also gives each ``${{ }}`` site its quoting, position and command."""
        site_starts, n_sites = self.site_starts, len(self.sites)
        stack: list[tuple[tree_sitter.Node, _Ctx, str]] = [(root, _ROOT, "")]
        pop, push = stack.pop, stack.append
        while stack:
            node, ctx, parent = pop()
            if errors and (node.is_error or node.is_missing) and len(self.an.errors) < MAX_PARSE_ERRORS:
                self.an.errors.append(Span(self.o(node.start_byte), self.oe(node.end_byte)))
            children = node.children
            if not children:
                self.classify(node, children, ctx)
                continue
            t = node.type
            if t in _HANDLED:
                ctx = self.visit(node, t, children, ctx, parent)
            self.classify(node, children, ctx)
            statement = t in _STATEMENT_PARENTS
            for child in reversed(children):
                if not errors and not child.child_count:
                    # a leaf matters only as a parse error or for a ${{ }} site starting inside it
                    k = bisect.bisect_left(site_starts, child.start_byte)
                    if k == n_sites or site_starts[k] >= child.end_byte:
                        continue
                ct = child.type
                if ct in _CTX_TYPES:
                    push((child, self.child_ctx(t, ctx, ct), t))
                elif statement:
                    push((child, (ctx[0], Position.OTHER, ctx[2] if t == "redirected_statement" else None, ctx[3]), t))
                else:
                    push((child, ctx, t))

    def visit(self, node: tree_sitter.Node, t: str, children: list[tree_sitter.Node], ctx: _Ctx, parent: str) -> _Ctx:
        """Record what a node of a ``_HANDLED`` type says; the context of its children."""
        if t == "command":
            cmd = self.command(node, children)
            if cmd is not None:
                arg_pos = Position.ECHO_ARGUMENT if cmd.canonical in self.tables.echo else Position.ARGUMENT
                return (ctx[0], arg_pos, cmd, ctx[3])
        elif t == "declaration_command":
            self.declaration(node)
        elif t == "variable_assignment":
            if parent not in _ASSIGNMENT_OWNERS:
                self.set_env(self.assignment(node))
        elif t == "redirected_statement":
            self.redirected(node)
        elif t == "pipeline":
            self.pipeline(node)
        else:  # heredoc_redirect
            start = next((c for c in children if c.type == "heredoc_start"), None)
            quoted = start is not None and any(ch in self.text[start.start_byte : start.end_byte] for ch in "'\"\\")
            return (ctx[0], ctx[1], ctx[2], quoted)
        return ctx

    def child_ctx(self, parent: str, ctx: _Ctx, t: str) -> _Ctx:
        """The context of a child whose type changes quoting or position."""
        quoting, position, cmd, hq = ctx
        if t == "comment":
            return (Quoting.COMMENT, Position.COMMENT, cmd, hq)
        if t == "heredoc_body":
            return (Quoting.HEREDOC_QUOTED if hq else Quoting.HEREDOC, Position.HEREDOC_BODY, cmd, hq)
        if t == "raw_string":
            return (Quoting.SINGLE_QUOTED, position, cmd, hq)
        if t == "ansi_c_string":
            return (Quoting.ANSI_C, position, cmd, hq)
        if t in ("string", "translated_string"):
            return (Quoting.DOUBLE_QUOTED, position, cmd, hq)
        if t in _SUBSTITUTIONS:
            return (Quoting.UNQUOTED, Position.OTHER, cmd, hq)
        if t == "command_name":
            return (quoting, Position.COMMAND_NAME, cmd, hq)
        if t == "variable_assignment":
            return (quoting, Position.ASSIGNMENT, cmd, hq)
        if t == "test_command":
            return (quoting, Position.TEST, cmd, hq)
        return (quoting, Position.REDIRECT, cmd, hq)  # _REDIRECTS

    def classify(self, node: tree_sitter.Node, children: list[tree_sitter.Node], ctx: _Ctx) -> None:
        a, b = node.start_byte, node.end_byte
        k = bisect.bisect_left(self.site_starts, a)
        if k >= len(self.sites) or self.sites[k][0] >= b:
            return
        prev = a
        for child in children:
            if child.start_byte > prev:
                self.assign(prev, child.start_byte, ctx)
            prev = max(prev, child.end_byte)
        if prev < b:
            self.assign(prev, b, ctx)

    def assign(self, a: int, b: int, ctx: _Ctx) -> None:
        k = bisect.bisect_left(self.site_starts, a)
        while k < len(self.sites) and self.sites[k][0] < b:
            self.an.site_ctx[self.sites[k][2]] = (ctx[0], ctx[1], ctx[2])
            k += 1

    # -- words ------------------------------------------------------------------------
    def word(self, node: tree_sitter.Node) -> Word:
        return self.words([node])[0][0]

    def words(self, nodes: list[tree_sitter.Node]) -> tuple[list[Word], dict[int, WordInfo]]:
        """The words of a command, and the WordInfo of each that is not plain, by position. A
        plain word of the top-level script (no quote, escape, expansion or ``${{ }}`` site: its
        value is its text) is read without a :class:`WordInfo`."""
        words: list[Word] = []
        infos: dict[int, WordInfo] = {}
        top, text = self.map is None, self.text
        for k, node in enumerate(nodes):
            if top and node.type == "word":
                a, b = node.start_byte, node.end_byte
                chunk = text[a:b]
                if "\\" not in chunk and (not self.sites or not self.local_sites(a, b)):
                    words.append(Word(a, b, self.script, chunk))
                    continue
            info = infos[k] = self.slow_word(node)
            words.append(info.word)
        return words, infos

    def slow_word(self, node: tree_sitter.Node) -> WordInfo:
        text = self.text
        parts: list[str] = []
        pieces: list[Piece] = []
        subs: list[tuple[int, int]] = []
        dynamic = False
        vpos = 0

        def emit(a: int, b: int, mode: str) -> None:
            nonlocal vpos
            if b <= a:
                return
            chunk = text[a:b]
            pattern = _ESCAPE_WORD if mode == "word" else _ESCAPE_DQ if mode == "dq" else None
            if pattern is None or "\\" not in chunk:
                parts.append(chunk)
                pieces.append((vpos, a, b - a, b - a))
                vpos += b - a
                return
            last = 0
            for m in pattern.finditer(chunk):
                if m.start() > last:
                    parts.append(chunk[last : m.start()])
                    pieces.append((vpos, a + last, m.start() - last, m.start() - last))
                    vpos += m.start() - last
                ch = m.group(1)
                if ch != "\n":
                    parts.append(ch)
                    pieces.append((vpos, a + m.start(), 1, m.end() - m.start()))
                    vpos += 1
                last = m.end()
            if last < len(chunk):
                parts.append(chunk[last:])
                pieces.append((vpos, a + last, len(chunk) - last, len(chunk) - last))
                vpos += len(chunk) - last

        def ansi(a: int, b: int) -> None:
            nonlocal vpos
            i = a
            while i < b:
                j = text.find("\\", i, b)
                if j < 0:
                    emit(i, b, "raw")
                    return
                emit(i, j, "raw")
                ch = text[j + 1 : j + 2]
                parts.append(_ANSI.get(ch, ch))
                pieces.append((vpos, j, 1, min(2, b - j)))
                vpos += 1
                i = j + 2

        items = node.children if node.type == "concatenation" else [node]
        for item in items:
            t = item.type
            a, b = item.start_byte, item.end_byte
            if t in _DYNAMIC:
                dynamic = True
                if t in _SUBSTITUTIONS:
                    subs.append((self.o(a), self.oe(b)))
            elif t == "raw_string":
                emit(a + 1, b - 1, "raw")
            elif t == "ansi_c_string":
                ansi(a + 2, b - 1)
            elif t in ("string", "translated_string"):
                prev = a + (2 if t == "translated_string" else 1)
                for child in item.children:
                    ct = child.type
                    if ct == '"' or ct == "$":
                        prev = max(prev, child.end_byte)
                        continue
                    emit(prev, child.start_byte, "dq")
                    if ct == "string_content":
                        emit(child.start_byte, child.end_byte, "dq")
                    elif ct in _DYNAMIC:
                        dynamic = True
                        if ct in _SUBSTITUTIONS:
                            subs.append((self.o(child.start_byte), self.oe(child.end_byte)))
                    else:
                        emit(child.start_byte, child.end_byte, "raw")
                    prev = child.end_byte
                emit(prev, max(prev, b - 1), "dq")
            elif t in ("word", "number"):
                emit(a, b, "word")
            else:
                emit(a, b, "raw")

        a, b = node.start_byte, node.end_byte
        start, end = self.o(a), self.oe(b)
        vsub = None if dynamic else "".join(parts)
        value = vsub
        site_idx: tuple[int, ...] = ()
        local = self.local_sites(a, b)
        if local:
            site_idx = tuple(idx for _, _, idx in local)
            if vsub is not None:
                value = self.restore(vsub, pieces, local)
        pure = False
        if len(subs) == 1:
            stripped = node
            if node.type == "string" and node.named_child_count == 1:
                stripped = node.named_children[0]
            pure = stripped.type in _SUBSTITUTIONS
        word = Word(start, end, self.an.script, value, site_idx)
        return WordInfo(word, vsub, pieces, subs, pure, (a, b))

    def restore(self, vsub: str, pieces: list[Piece], local: list[tuple[int, int, int]]) -> str:
        """Put each site's original text back in place of its placeholder (one pass)."""
        out: list[str] = []
        last = 0
        for ls, le, idx in local:
            vp = self.value_pos(pieces, ls)
            if vp is None or vp < last:
                continue
            s, e = self.an.sites[idx]
            out.append(vsub[last:vp])
            out.append(self.an.script[s:e])
            last = vp + (le - ls)
        out.append(vsub[last:])
        return "".join(out)

    @staticmethod
    def value_pos(pieces: list[Piece], local: int) -> int | None:
        """Position in the word's value of a local offset (pieces are sorted both ways)."""
        lo, hi = 0, len(pieces)
        while lo < hi:
            mid = (lo + hi) // 2
            if pieces[mid][1] <= local:
                lo = mid + 1
            else:
                hi = mid
        if lo:
            vp, lp, ln, lln = pieces[lo - 1]
            if local < lp + lln and ln == lln:
                return vp + local - lp
        return None

    # -- commands ---------------------------------------------------------------------
    def command(self, node: tree_sitter.Node, children: list[tree_sitter.Node]) -> Cmd | None:
        word_nodes: list[tree_sitter.Node] = []
        assign_nodes: list[tree_sitter.Node] = []
        redirect_nodes: list[tree_sitter.Node] = []
        for child in children:
            t = child.type
            if t == "variable_assignment":
                assign_nodes.append(child)
            elif t == "command_name":
                word_nodes.append(child.children[0] if child.child_count else child)
            elif t in _REDIRECTS:
                redirect_nodes.append(child)
            elif t != "comment":
                word_nodes.append(child)
        if assign_nodes and word_nodes and "\n" in self.text[assign_nodes[-1].end_byte : word_nodes[0].start_byte]:
            # tree-sitter-bash glues `A=1\ncmd` into one command: the assignments stand alone
            for a in assign_nodes:
                self.set_env(self.assignment(a))
            assign_nodes = []
        if not word_nodes:
            for a in assign_nodes:
                self.set_env(self.assignment(a))
            return None
        first = assign_nodes[0] if assign_nodes else word_nodes[0]
        words, infos = self.words(word_nodes)
        assignments = [self.assignment(a) for a in assign_nodes] if assign_nodes else []
        redirects = [r for n in redirect_nodes for r in self.redirect(n)] if redirect_nodes else []
        if self.map is None:
            start, end = first.start_byte, node.end_byte
        else:
            start, end = self.map.to_orig(first.start_byte), self.map.to_orig_end(node.end_byte)
        cmd = Cmd(start, end, words, infos, assignments, redirects, self.depth)
        resolve(cmd, self.tables)
        if cmd.assignments:
            env = dict(self.env)
            for asg in cmd.assignments:
                env[asg.name.lower()] = asg.value.value if asg.value else ""
            cmd.env = env
        else:
            cmd.env = self.env_copy()
        self.by_node[node.id] = cmd
        self.an.commands.append(cmd)
        if redirect_nodes:
            self.an.owners.append(Owner(cmd.start, cmd.end, cmd, list(cmd.redirects), self.herestrings(redirect_nodes)))
        if cmd.canonical in self.tables.nested_shells or cmd.canonical in self.tables.eval_names:
            self.nested(cmd)
        return cmd

    def assignment(self, node: tree_sitter.Node) -> Assignment:
        name_node = node.children[0] if node.child_count else node
        value_node = node.child_by_field_name("value")
        value = self.word(value_node) if value_node is not None else None
        return Assignment(self.o(node.start_byte), self.oe(node.end_byte),
                          self.text[name_node.start_byte : name_node.end_byte], value)

    def set_env(self, a: Assignment) -> None:
        self.env[a.name.lower()] = a.value.value if a.value else ""
        self.env_view = None

    def env_copy(self) -> dict[str, str | None]:
        """A copy of the environment at this point (commands only read theirs)."""
        if self.env_view is None:
            self.env_view = dict(self.env)
        return self.env_view

    def declaration(self, node: tree_sitter.Node) -> None:
        keyword = node.children[0] if node.child_count else node
        word_nodes = [keyword]
        assigns = []
        for child in node.children[1:]:
            if child.type == "variable_assignment":
                a = self.assignment(child)
                assigns.append(a)
                self.set_env(a)
            elif child.type != "comment":
                word_nodes.append(child)
        words, infos = self.words(word_nodes)
        cmd = Cmd(self.o(node.start_byte), self.oe(node.end_byte), words, infos, assigns, [], self.depth)
        cmd.name = cmd.canonical = self.text[keyword.start_byte : keyword.end_byte]
        cmd.argv = list(words)
        cmd.env = self.env_copy()
        self.by_node[node.id] = cmd
        self.an.commands.append(cmd)

    def redirect(self, node: tree_sitter.Node) -> list[Redirect]:
        t = node.type
        op = next((c.type for c in node.children if not c.is_named), "")
        if t == "file_redirect":
            dest = node.child_by_field_name("destination")
            target = self.word(dest) if dest is not None else None
            return [Redirect(self.o(node.start_byte), self.oe(node.end_byte), op, target)]
        if t == "herestring_redirect":
            body = node.named_children[-1] if node.named_child_count else None
            target = self.word(body) if body is not None else None
            return [Redirect(self.o(node.start_byte), self.oe(node.end_byte), op, target)]
        out: list[Redirect] = []
        body = start = None
        for child in node.children:
            if child.type == "heredoc_body":
                body = child
            elif child.type == "heredoc_start":
                start = child
            elif child.type in _REDIRECTS:
                out.extend(self.redirect(child))
        quoted = start is not None and any(ch in self.text[start.start_byte : start.end_byte] for ch in "'\"\\")
        span = Span(self.o(body.start_byte), self.oe(body.end_byte)) if body is not None else None
        delimiter = self.word(start) if start is not None else None
        return [Redirect(self.o(node.start_byte), self.oe(node.end_byte), op, delimiter, span, quoted), *out]

    def herestrings(self, nodes: Iterable[tree_sitter.Node]) -> list[Word]:
        out = []
        for n in nodes:
            if n.type == "herestring_redirect" and n.named_child_count:
                out.append(self.word(n.named_children[-1]))
        return out

    def redirected(self, node: tree_sitter.Node) -> None:
        body = node.child_by_field_name("body")
        # tree-sitter-bash hangs `a && b > f` / `a | b > f` on the whole list; bash binds the
        # redirect to the last command only
        while body is not None and body.type in ("list", "pipeline") and body.named_child_count:
            named = [c for c in body.named_children if c.type != "comment"]
            if not named:
                break
            body = named[-1]
        redirect_nodes = [c for c in node.children if c.type in _REDIRECTS]
        redirects = [r for n in redirect_nodes for r in self.redirect(n)]
        head = _Lazy(self, body) if body is not None else None
        start = node.start_byte if body is None else body.start_byte
        end = node.start_byte if body is None else body.end_byte
        owner = Owner(self.o(start), self.oe(end), None, redirects, self.herestrings(redirect_nodes))
        self.an.owners.append(owner)
        self.pending.append((owner, head))
        # `cat <<EOF | cmd`: tree-sitter puts the pipeline inside the heredoc redirect
        for r in redirect_nodes:
            if r.type != "heredoc_redirect":
                continue
            for child in r.children:
                if child.type == "pipeline":
                    heredocs = [x.heredoc for x in redirects if x.heredoc is not None]
                    elements = [(_Lazy(self, body) if body is not None else None, self.o(start), self.oe(end), heredocs)]
                    elements += self.elements(child)
                    self.pending_pipes.append(elements)
                    self.skip_pipes.add(child.id)

    def pipeline(self, node: tree_sitter.Node) -> None:
        if node.id in self.skip_pipes:
            return
        self.pending_pipes.append(self.elements(node))

    def elements(self, node: tree_sitter.Node) -> list[tuple[_Lazy | None, int, int, list[Span]]]:
        return [(_Lazy(self, c), self.o(c.start_byte), self.oe(c.end_byte), []) for c in node.named_children
                if c.type != "comment"]

    def finish(self) -> None:
        for owner, head in self.pending:
            owner.head = head.get() if head is not None else None
            if owner.head is not None and head is not None and head.node.type == "command":
                owner.head.redirects.extend(owner.redirects)
        for elements in self.pending_pipes:
            self.an.pipelines.append([Element(s, e, lazy.get() if lazy else None, h) for lazy, s, e, h in elements])

    # -- nested shells ----------------------------------------------------------------
    def nested(self, cmd: Cmd) -> None:
        """Parse the body of ``bash -c 'literal'`` / ``eval 'literal'`` again."""
        t = self.tables
        if self.depth >= MAX_NESTED_DEPTH or cmd.canonical is None:
            return
        at: int | None = None  # the position of the body word in cmd.words
        if cmd.canonical in t.nested_shells:
            args = parsed_args(cmd, t)
            if t.nested_flag not in args.options or not args.positionals:
                return
            target = args.positionals[0]
            at = next((k for k in range(cmd.argv_at, len(cmd.words)) if cmd.words[k] is target), None)
        elif cmd.canonical in t.eval_names and len(cmd.words) - cmd.argv_at == 2:
            at = cmd.argv_at + 1
        if at is None:
            return
        body = cmd.infos.get(at)
        if body is None:
            body = plain_info(cmd.words[at])
        if body.vsub is None or not body.vsub.strip():
            return
        if self.an.budget < len(body.vsub):
            return
        self.an.budget -= len(body.vsub)
        pieces: list[Piece] = []
        for vp, lp, ln, lln in body.pieces:
            if ln == lln:
                pieces.extend((vp + off, op, l2, o2) for off, op, l2, o2 in self.split(lp, ln))
            else:
                start = self.o(lp)
                pieces.append((vp, start, ln, self.oe(lp + lln) - start))
        mapping = OffsetMap(pieces)
        local_sites = []
        for ls, le, idx in self.local_sites(*body.local):
            site = self.value_pos(body.pieces, ls)
            if site is not None:
                local_sites.append((site, site + le - ls, idx))
                self.an.site_depth[idx] = max(self.an.site_depth.get(idx, 0), self.depth + 1)
        inner = Walker(self.an, body.vsub, mapping, local_sites, self.depth + 1, dict(cmd.env))
        inner.execute()

    def execute(self) -> None:
        self.run()
        self.finish()


class _Lazy:
    """The head command of a pipeline element / redirected statement, looked up after the walk."""

    __slots__ = ("walker", "node")

    def __init__(self, walker: Walker, node: tree_sitter.Node) -> None:
        self.walker = walker
        self.node = node

    def get(self) -> Cmd | None:
        node = self.node
        for _ in range(4):
            if node.type in ("command", "declaration_command"):
                return self.walker.by_node.get(node.id)
            if node.type in ("redirected_statement", "negated_command"):
                inner = node.child_by_field_name("body") if node.type == "redirected_statement" else None
                node = inner if inner is not None else (node.named_children[0] if node.named_child_count else node)
                continue
            return None
        return None
