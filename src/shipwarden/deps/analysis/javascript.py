"""JavaScript install-time code, parsed with tree-sitter-javascript.

One parse and one set of tree-sitter queries per file (so multi-megabyte
minified files stay fast): calls are resolved through ``require``/``import``
aliases to qualified names (``cp.execSync`` → ``child_process.execSync``) and
looked up in ``[javascript.calls]``; path and command arguments are rendered to
text with ``*`` for unknown parts (``path.join(os.homedir(), ".npmrc")`` →
``~/.npmrc``); a small taint pass follows decoded and downloaded data into
``eval``/``Function``.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from functools import lru_cache

import tree_sitter
import tree_sitter_javascript

from shipwarden.deps.analysis.facts import CodeFacts, Context, guess_language, upgrade_named_paths
from shipwarden.deps.analysis.indicators import Indicators, load_indicators
from shipwarden.deps.analysis.model import Capability
from shipwarden.deps.analysis.strings import classify, credential_path, decode_blob, is_blob, persistence_path

Node = tree_sitter.Node

_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|[0-7]{1,3}|.)", re.S)
_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}
_GLOBAL_PREFIXES = ("globalThis.", "global.", "window.", "self.")
_SEND_HINT = re.compile(rb"method\W+(?:POST|PUT|PATCH)|\.write\(|body\s*:", re.I)
_MAX_RENDER_DEPTH = 6
_MAX_PARENT_WALK = 10


@lru_cache(maxsize=1)
def _language() -> tree_sitter.Language:
    return tree_sitter.Language(tree_sitter_javascript.language())


@lru_cache(maxsize=1)
def _query() -> tree_sitter.Query:
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
def _call_names() -> frozenset[str]:
    ind = load_indicators()
    return frozenset({key.rsplit(".", 1)[-1] for key in ind.js_calls} | {"require", "import"})


@lru_cache(maxsize=256)
def _alias_query(names: tuple[str, ...]) -> tree_sitter.Query:
    """Calls through renamed aliases (``const {readFileSync: rf} = require("fs"); rf(…)``)."""
    alternation = "|".join(re.escape(n) for n in names)
    return tree_sitter.Query(_language(), f'(call_expression function: (identifier) @fn (#match? @fn "^({alternation})$")) @call')


def _parser() -> tree_sitter.Parser:
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
class _File:
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


def analyze_javascript(text: str, ctx: Context) -> CodeFacts:
    ind = load_indicators()
    data = text.encode("utf-8", "surrogatepass")
    tree = _parser().parse(data)
    f = _File(data, ctx, ind, tree.root_node)
    if tree.root_node.has_error:
        f.facts.notes.append(f"{ctx.path}: JavaScript has syntax errors; analysed what parsed")
    # Document order: the capture lists of a multi-pattern query come back in no stable
    # order, and the first declaration of a name is the constant its uses render to.
    caps = {
        name: sorted(nodes, key=lambda n: (n.start_byte, -n.end_byte))
        for name, nodes in tree_sitter.QueryCursor(_query()).captures(tree.root_node).items()
    }
    decls = caps.get("decl", [])
    imports = caps.get("import", [])
    _collect_aliases(f, decls, imports)
    _collect_rebound(f, decls, caps.get("assign", []))
    renamed = tuple(sorted(
        name for name, target in f.aliases.items()
        if name not in _call_names() and re.fullmatch(r"[A-Za-z_$][\w$]*", name) and _kind_of(f, target)
    ))
    extra = tree_sitter.QueryCursor(_alias_query(renamed[:64])).captures(tree.root_node).get("call", []) if renamed else []
    calls = _unique(sorted(caps.get("call", []) + extra, key=lambda n: (n.start_byte, -n.end_byte)))
    kinds = [(node, _call_kind(f, node)) for node in calls]
    for node, kind in kinds:
        if kind in ("decode", "char-code") or (kind == "decode-if-encoding" and _is_decoding_buffer(f, node)):
            f.decode_starts.append(node.start_byte)
        elif kind in ("network", "network-send"):
            f.network_starts.append(node.start_byte)
    f.decode_starts.sort()
    f.network_starts.sort()
    _taint(f, decls + caps.get("assign", []), calls)
    for node, kind in kinds:
        if kind:
            _call(f, node, kind)
    for node in caps.get("new", []):
        _new(f, node)
    for node in caps.get("penv", []):
        _process_env(f, node)
    _strings(f, caps.get("string", []), caps.get("template", []))
    mangled = {f.text(n) for n in caps.get("mangled", [])}
    if len(mangled) >= ind.limits.mangled_identifiers:
        first = min(caps["mangled"], key=lambda n: n.start_byte)
        f.add(Capability.OBFUSCATION, f"{len(mangled)} _0x-mangled identifiers (javascript-obfuscator style)", first)
    _upgrade(f)
    return f.facts


def _unique(nodes: list[Node]) -> list[Node]:
    seen: set[tuple[int, int]] = set()
    out = []
    for n in nodes:
        key = (n.start_byte, n.end_byte)
        if key not in seen:
            seen.add(key)
            out.append(n)
    return out


# --------------------------------------------------------------------------- names


def _module_name(raw: str) -> str:
    name = raw[5:] if raw.startswith("node:") else raw
    return name


def _string_value(f: _File, node: Node | None) -> str | None:
    if node is None:
        return None
    if node.type == "string":
        return unescape(f.text(node)[1:-1])
    if node.type == "template_string" and node.named_child_count == sum(
        1 for c in node.named_children if c.type in ("string_fragment", "escape_sequence")
    ):
        return unescape(f.text(node)[1:-1])
    return None


def _require_target(f: _File, node: Node) -> str | None:
    """``require("m")`` / ``import("m")`` / ``await import("m")`` → m."""
    while node.type in ("await_expression", "parenthesized_expression") and node.named_child_count:
        node = node.named_children[-1]
    if node.type != "call_expression":
        return None
    fn = node.child_by_field_name("function")
    if fn is None or (fn.type != "import" and f.text(fn) != "require"):
        return None
    args = node.child_by_field_name("arguments")
    first = args.named_children[0] if args is not None and args.named_child_count else None
    value = _string_value(f, first)
    return _module_name(value) if value is not None else None


def qualify(f: _File, node: Node | None, depth: int = 0) -> str | None:
    """Qualified name of an expression used as a callee (aliases resolved)."""
    if node is None or depth > 6:
        return None
    t = node.type
    if t == "identifier":
        name = f.text(node)
        return f.aliases.get(name, name)
    if t == "member_expression":
        obj = node.child_by_field_name("object")
        prop = node.child_by_field_name("property")
        if obj is None or prop is None:
            return None
        base = qualify(f, obj, depth + 1)
        return f"{base}.{f.text(prop)}" if base else None
    if t == "subscript_expression":
        obj = node.child_by_field_name("object")
        index = _string_value(f, node.child_by_field_name("index"))
        base = qualify(f, obj, depth + 1)
        return f"{base}.{index}" if base and index else None
    if t in ("call_expression", "await_expression"):
        return _require_target(f, node)
    if t == "parenthesized_expression" and node.named_child_count:
        inner = node.named_children[-1]
        if inner.type == "sequence_expression" and inner.named_child_count:
            inner = inner.named_children[-1]  # (0, eval)(code)
        return qualify(f, inner, depth + 1)
    return None


def _collect_aliases(f: _File, decls: list[Node], imports: list[Node]) -> None:
    for node in imports:
        src = node.child_by_field_name("source")
        module = _string_value(f, src)
        if module is None:
            continue
        module = _module_name(module)
        _relative_require(f, module, node)
        clause = next((c for c in node.named_children if c.type == "import_clause"), None)
        if clause is None:
            continue
        for c in clause.named_children:
            if c.type == "identifier":
                f.aliases[f.text(c)] = module
            elif c.type == "namespace_import" and c.named_child_count:
                f.aliases[f.text(c.named_children[-1])] = module
            elif c.type == "named_imports":
                for spec in c.named_children:
                    if spec.type != "import_specifier":
                        continue
                    name = spec.child_by_field_name("name")
                    alias = spec.child_by_field_name("alias") or name
                    if name is not None and alias is not None:
                        f.aliases[f.text(alias)] = f"{module}.{f.text(name)}"
    for _ in range(2):  # twice: `const a = require("x"); const b = a.y;`
        for node in decls:
            name = node.child_by_field_name("name")
            value = node.child_by_field_name("value")
            if name is None or value is None:
                continue
            if name.type == "identifier":
                if value.type in ("string", "template_string", "binary_expression", "call_expression", "member_expression", "identifier"):
                    f.consts.setdefault(f.text(name), value)
                if value.type in ("call_expression", "await_expression", "member_expression", "identifier", "parenthesized_expression"):
                    q = qualify(f, value)
                    if q and (q != f.text(value) or value.type != "identifier") and _looks_module(f, value, q):
                        f.aliases[f.text(name)] = q
            elif name.type == "object_pattern":
                base = qualify(f, value)
                if not base or not _looks_module(f, value, base):
                    continue
                for prop in name.named_children:
                    if prop.type == "shorthand_property_identifier_pattern":
                        f.aliases[f.text(prop)] = f"{base}.{f.text(prop)}"
                    elif prop.type == "pair_pattern":
                        key = prop.child_by_field_name("key")
                        val = prop.child_by_field_name("value")
                        if key is not None and val is not None and val.type == "identifier":
                            f.aliases[f.text(val)] = f"{base}.{f.text(key).strip(chr(34) + chr(39))}"


def _collect_rebound(f: _File, decls: list[Node], assigns: list[Node]) -> None:
    """Names bound to more than one value (``var p = a; … var p = b;``, ``p = b``, ``p += b``).

    Rendering such a name to one of its values would be a guess (first in file
    order hides a later, nested ``var p = path.join(os.homedir(), ".bashrc")``), so
    it renders as unknown.
    """
    first: dict[str, int] = {}
    for node in decls:
        name = node.child_by_field_name("name")
        if name is None or name.type != "identifier" or node.child_by_field_name("value") is None:
            continue
        text = f.text(name)
        if first.setdefault(text, node.start_byte) != node.start_byte:
            f.rebound.add(text)
    for node in assigns:
        left = node.child_by_field_name("left")
        if left is not None and left.type == "identifier":
            f.rebound.add(f.text(left))


def _looks_module(f: _File, value: Node, qualified: str) -> bool:
    """An alias worth keeping: rooted at a require/import, or at a known alias or global."""
    root = qualified.split(".", 1)[0]
    return _require_target(f, value) is not None or root in f.aliases.values() or any(
        k.split(".", 1)[0] == root for k in f.ind.js_calls
    ) or root in f.ind.js_network_modules or root in f.ind.js_child_modules


def _relative_require(f: _File, module: str, node: Node) -> None:
    if module.startswith(("./", "../")) or module in (".", ".."):
        f.facts.runs.append(("javascript", module, f.line(node)))


def _call_kind(f: _File, node: Node) -> str:
    fn = node.child_by_field_name("function") if node.type == "call_expression" else node.child_by_field_name("constructor")
    if fn is None:
        return ""
    if fn.type == "import":
        return "dynamic-require"
    q = qualify(f, fn)
    if not q:
        return ""
    return _kind_of(f, q)


def _kind_of(f: _File, q: str) -> str:
    for prefix in _GLOBAL_PREFIXES:
        if q.startswith(prefix):
            q = q[len(prefix) :]
    kind = f.ind.js_calls.get(q, "")
    if not kind and "." in q:
        root, _, rest = q.partition(".")
        if root in f.ind.js_network_modules and rest in ("request", "get", "post", "put", "connect"):
            kind = "network-send" if rest in ("request", "post", "put", "connect") else "network"
    return kind


def _args(node: Node) -> list[Node]:
    args = node.child_by_field_name("arguments")
    if args is None:
        return []
    return [c for c in args.named_children if c.type != "comment"]


def _is_decoding_buffer(f: _File, node: Node) -> bool:
    args = _args(node)
    if len(args) < 2:
        return False
    enc = _string_value(f, args[1])
    return enc is not None and enc.lower() in f.ind.decode_encodings


# --------------------------------------------------------------------------- rendering


def render(f: _File, node: Node | None, depth: int = 0) -> str:
    """Text of a string-valued expression, ``*`` where it is unknown."""
    if node is None or depth > _MAX_RENDER_DEPTH:
        return "*"
    t = node.type
    if t == "string":
        return unescape(f.text(node)[1:-1])
    if t == "template_string":
        out = []
        for c in node.named_children:
            if c.type in ("string_fragment", "escape_sequence"):
                out.append(unescape(f.text(c)))
            elif c.type == "template_substitution" and c.named_child_count:
                out.append(render(f, c.named_children[0], depth + 1))
        return "".join(out)
    if t == "binary_expression":
        op = node.child_by_field_name("operator")
        if op is not None and f.text(op) == "+":
            return render(f, node.child_by_field_name("left"), depth + 1) + render(f, node.child_by_field_name("right"), depth + 1)
        return "*"
    if t == "parenthesized_expression" and node.named_child_count:
        return render(f, node.named_children[-1], depth + 1)
    if t == "identifier":
        if f.text(node) in f.rebound:
            return "*"
        value = f.consts.get(f.text(node))
        return render(f, value, depth + 1) if value is not None and value is not node else "*"
    if t in ("member_expression", "subscript_expression"):
        q = qualify(f, node) or ""
        if q in ("process.env.HOME", "process.env.USERPROFILE"):
            return "~"
        return "*"
    if t == "call_expression":
        q = qualify(f, node.child_by_field_name("function")) or ""
        if q in ("os.homedir", "os.userInfo().homedir"):
            return "~"
        if q.startswith("path.") and q.rsplit(".", 1)[-1] in ("join", "resolve", "normalize"):
            return "/".join(render(f, a, depth + 1) for a in _args(node))
        if q.endswith((".toString", ".trim", ".toLowerCase")):
            fn = node.child_by_field_name("function")
            obj = fn.child_by_field_name("object") if fn is not None else None
            return render(f, obj, depth + 1)
        return "*"
    if t == "array":
        return " ".join(render(f, c, depth + 1) for c in node.named_children)
    return "*"


# --------------------------------------------------------------------------- taint


def _contains(starts: list[int], node: Node) -> bool:
    i = bisect.bisect_left(starts, node.start_byte)
    return i < len(starts) and starts[i] < node.end_byte


def _mentions(f: _File, node: Node, names: set[str]) -> bool:
    if not names:
        return False
    chunk = f.data[node.start_byte : node.end_byte]
    return any(name.encode() in chunk for name in names) and any(
        f.text(n) in names for n in _identifiers(node)
    )


def _identifiers(node: Node, limit: int = 4000) -> list[Node]:
    out: list[Node] = []
    stack = [node]
    while stack and len(out) < limit:
        n = stack.pop()
        if n.type in ("identifier", "shorthand_property_identifier"):
            out.append(n)
        stack.extend(n.children)
    return out


def _assigned_name(f: _File, node: Node) -> tuple[str, Node] | None:
    if node.type == "variable_declarator":
        name, value = node.child_by_field_name("name"), node.child_by_field_name("value")
    else:
        name, value = node.child_by_field_name("left"), node.child_by_field_name("right")
    if name is None or value is None or name.type not in ("identifier", "member_expression"):
        return None
    return f.text(name), value


def _taint(f: _File, assignments: list[Node], calls: list[Node]) -> None:
    """Names holding decoded data or network responses (assignments, callback parameters)."""
    if not f.decode_starts and not f.network_starts:
        return
    # Parameters of callbacks given to network calls hold the response, and so do the
    # parameters of callbacks registered on it inside them (`res.on("data", d => …)`).
    network_calls = set(f.network_starts)
    for call in calls:
        if call.start_byte not in network_calls:
            continue
        for arg in _args(call):
            if arg.type in ("arrow_function", "function_expression", "function"):
                _taint_params(f, arg)
                _taint_callbacks(f, arg)
    pending = [(a, pair) for a in assignments if (pair := _assigned_name(f, a)) is not None]
    for _ in range(3):
        changed = False
        for _node, (name, value) in pending:
            if name not in f.decode_taint and (_contains(f.decode_starts, value) or _mentions(f, value, f.decode_taint)):
                f.decode_taint.add(name)
                changed = True
            if name not in f.net_taint and (_contains(f.network_starts, value) or _mentions(f, value, f.net_taint)):
                f.net_taint.add(name)
                changed = True
        if not changed:
            break


def _taint_callbacks(f: _File, fn: Node, budget: int = 5000) -> None:
    """Inside a network callback: callbacks of calls on a tainted object get tainted parameters."""
    stack = [fn]
    seen = 0
    while stack and seen < budget:
        node = stack.pop()
        seen += 1
        if node.type == "call_expression":
            callee = node.child_by_field_name("function")
            obj = callee.child_by_field_name("object") if callee is not None and callee.type == "member_expression" else None
            if obj is not None and obj.type == "identifier" and f.text(obj) in f.net_taint:
                for arg in _args(node):
                    if arg.type in ("arrow_function", "function_expression", "function"):
                        _taint_params(f, arg)
        stack.extend(node.named_children)


def _taint_params(f: _File, fn: Node) -> bool:
    params = fn.child_by_field_name("parameters") or fn.child_by_field_name("parameter")
    if params is None:
        return False
    names = [params] if params.type == "identifier" else [p for p in params.named_children if p.type == "identifier"]
    before = len(f.net_taint)
    f.net_taint.update(f.text(p) for p in names)
    return len(f.net_taint) != before


# --------------------------------------------------------------------------- calls


def _call(f: _File, node: Node, kind: str) -> None:
    args = _args(node)
    first = args[0] if args else None
    ind = f.ind
    if kind == "exec-shell":
        f.add(Capability.CHILD_PROCESS, "runs a shell command", node)
        command = render(f, first)
        f.dynamic_shell = f.dynamic_shell or "*" in command
        _exec_text(f, node, command)
    elif kind == "exec-argv":
        f.add(Capability.CHILD_PROCESS, "starts a program", node)
        program = render(f, first)
        rest = render(f, args[1]) if len(args) > 1 and args[1].type == "array" else ""
        shell_opt = any(_SHELL_TRUE.search(f.data[a.start_byte : a.end_byte]) for a in args[1:] if a.type == "object")
        command = f"{program} {rest}".strip()
        if "*" in command and (shell_opt or ind.interpreter(program) == "shell"):
            f.dynamic_shell = True
        if shell_opt or (" " in program and not rest):
            _exec_text(f, node, command)
        else:
            _exec_argv(f, node, [program, *rest.split()] if rest else [program])
    elif kind == "exec-file":
        f.add(Capability.CHILD_PROCESS, "forks a Node.js script", node)
        target = render(f, first)
        if "*" not in target:
            f.facts.runs.append(("javascript", target, f.line(node)))
    elif kind in ("read", "list", "probe"):
        target = render(f, first)
        if "*" in target:
            f.dynamic_reads = True
        store = credential_path(target)
        if store:
            verb = {"read": "reads", "list": "lists", "probe": "checks for"}[kind]
            f.add(Capability.CREDENTIAL_READ, f"{verb} {target} ({store})", node)
    elif kind == "write":
        if first is not None:
            f.write_args.append((first.start_byte, first.end_byte))
        target = render(f, first)
        if "*" in target:
            f.dynamic_writes = True
        where = persistence_path(target)
        if where:
            f.add(Capability.PERSISTENCE, f"writes {target} ({where})", node)
        staged = ind.staging_name(target)
        if staged:
            f.add(Capability.STAGING, f"writes {staged}", node)
    elif kind in ("eval", "eval-if-string"):
        _eval(f, node, first, kind)
    elif kind in ("network", "network-send"):
        arg_text = f.data[node.start_byte : node.end_byte]
        send = kind == "network-send" or bool(_SEND_HINT.search(arg_text[:4000]))
        cap = Capability.NETWORK_SEND if send else Capability.NETWORK
        target = render(f, first) if first is not None else "*"
        f.add(cap, ("sends data to " if send else "connects to ") + (target if target.strip("*") else "the network"), node)
    elif kind in ("decode", "decode-if-encoding"):
        if kind == "decode-if-encoding" and not _is_decoding_buffer(f, node):
            return
        value = _string_value(f, first)
        if value and len(value) >= 40:
            _decoded_payload(f, node, value)
    elif kind == "char-code":
        numbers = sum(1 for a in args if a.type == "number")
        if numbers >= ind.limits.char_code_chain:
            f.add(Capability.OBFUSCATION, f"builds a string from {numbers} character codes", node)
    elif kind == "env-bulk":
        passing_on = (qualify(f, node.child_by_field_name("function")) or "").endswith("assign") and (
            _in_env_option(f, node) or _env_copy_passed_on(f, node)
        )
        if any(a.type == "member_expression" and f.text(a) == "process.env" for a in args) and not passing_on:
            f.add(Capability.ENV_SWEEP, "reads the whole environment (process.env)", node)
    elif kind == "dynamic-require":
        if first is not None and _string_value(f, first) is None and first.type != "template_string":
            f.add(Capability.DYNAMIC_CODE, "loads a module whose name is computed", node, strong=False)
        else:
            module_name = _string_value(f, first) if first is not None else None
            if module_name and module_name.startswith(("./", "../")):
                f.facts.runs.append(("javascript", module_name, f.line(node)))


_SHELL_TRUE = re.compile(rb"\bshell\s*:\s*(?:true|['\"])")


def _new(f: _File, node: Node) -> None:
    kind = _call_kind(f, node)
    if kind == "eval":
        args = _args(node)
        _eval(f, node, args[-1] if args else None, kind)
    elif kind in ("network", "network-send"):
        f.add(Capability.NETWORK_SEND if kind == "network-send" else Capability.NETWORK, "opens a connection", node)


def _eval(f: _File, node: Node, arg: Node | None, kind: str) -> None:
    if arg is None:
        return
    if kind == "eval-if-string" and arg.type not in ("string", "template_string", "identifier", "call_expression", "binary_expression"):
        return
    if arg.type in ("arrow_function", "function_expression", "function"):
        return
    decoded = _contains(f.decode_starts, arg) or _mentions(f, arg, f.decode_taint)
    downloaded = _contains(f.network_starts, arg) or _mentions(f, arg, f.net_taint)
    if decoded:
        f.add(Capability.DECODE_EXEC, "evaluates decoded data", node)
    if downloaded:
        f.add(Capability.DOWNLOAD_EXEC, "evaluates data received from the network", node)
    literal = _string_value(f, arg)
    if literal is not None:
        if f.ctx.depth < f.ind.limits.max_decode_depth:
            f.facts.extend(f.ctx.analyze_nested("javascript", literal, f.line(node), "in an evaluated string"))
    elif not decoded and not downloaded:
        f.add(Capability.DYNAMIC_CODE, "evaluates a computed string", node, strong=False)


def _exec_text(f: _File, node: Node, command: str) -> None:
    if not command.strip("* "):
        f.add(Capability.DYNAMIC_CODE, "runs a computed shell command", node, strong=False)
        return
    if f.ctx.depth >= f.ind.limits.max_decode_depth + 2:
        return
    sub = f.ctx.analyze_nested("shell", command.replace("*", "X"), f.line(node), "")
    f.facts.extend(sub)


def _exec_argv(f: _File, node: Node, argv: list[str]) -> None:
    quoted = " ".join(a if a and " " not in a else f"'{a}'" for a in argv)
    _exec_text(f, node, quoted)


def _in_env_option(f: _File, node: Node) -> bool:
    """``spawn(cmd, {env: {...process.env}})``: passing the environment on, not reading it.

    True when ``node`` is (inside) the value of an ``env`` key of an options
    object given to a call or kept in a variable.
    """
    cur: Node | None = node
    for _ in range(4):
        cur = cur.parent if cur is not None else None
        if cur is None:
            return False
        if cur.type == "pair":
            key = cur.child_by_field_name("key")
            if key is None or f.text(key).strip("'\"") != "env":
                return False
            obj = cur.parent
            holder = obj.parent if obj is not None else None
            return holder is not None and holder.type in ("arguments", "variable_declarator", "assignment_expression")
        if cur.type in ("statement_block", "program", "expression_statement", "variable_declarator"):
            return False
    return False


_MAX_ENV_COPY_USES = 200


def _env_copy_passed_on(f: _File, node: Node) -> bool:
    """``const env = {...process.env, X: "1"}; spawn(cmd, args, {env})``: a copy of the
    environment that is handed to child processes, and otherwise only edited or read
    member by member, is passed on, not read.

    ``node`` is ``process.env`` (or the ``Object.assign`` call copying it). True when it
    builds the value (or the default) of ``NAME = …`` / ``x.env = …`` and, for a variable, every other use
    of ``NAME`` in the file is ``{env: NAME}`` / ``{env}``, ``NAME.X``, ``NAME[k]``,
    ``Object.assign(NAME, …)`` or a reassignment, with at least one ``env`` use. Any
    other use (``JSON.stringify(NAME)``, ``for (k in NAME)``, a request body) keeps the sweep.
    """
    holder: Node | None = None
    cur: Node | None = node
    for _ in range(5):
        cur = cur.parent if cur is not None else None
        if cur is None:
            return False
        if cur.type in ("object", "spread_element", "arguments", "parenthesized_expression"):
            continue
        if cur.type == "call_expression" and (qualify(f, cur.child_by_field_name("function")) or "").endswith("assign"):
            continue
        if cur.type in ("variable_declarator", "assignment_expression", "assignment_pattern", "object_assignment_pattern"):
            holder = cur  # also defaults: `function f(env = process.env)`, `const {env = process.env} = opts`
        break
    if holder is None or f.root is None:
        return False
    name_node = holder.child_by_field_name("name") or holder.child_by_field_name("left")
    if name_node is None:
        return False
    if name_node.type == "member_expression":
        prop = name_node.child_by_field_name("property")
        return prop is not None and f.text(prop) == "env"  # options.env = {...process.env}
    if name_node.type not in ("identifier", "shorthand_property_identifier_pattern"):
        return False
    name = f.text(name_node)
    passed = 0
    pattern = re.compile(rb"(?<![\w$])" + re.escape(name.encode()) + rb"(?![\w$])")
    for count, m in enumerate(pattern.finditer(f.data)):
        if count > _MAX_ENV_COPY_USES:
            return False
        ref = f.root.descendant_for_byte_range(m.start(), m.end())
        if ref is None or ref.type not in ("identifier", "shorthand_property_identifier") or f.text(ref) != name:
            continue  # inside a string, a comment or a property name
        if ref == name_node:
            continue
        parent = ref.parent
        if parent is None:
            return False
        ptype = parent.type
        if ref.type == "shorthand_property_identifier":
            if name != "env":
                return False
            passed += 1
        elif ptype == "pair" and parent.child_by_field_name("value") == ref:
            key = parent.child_by_field_name("key")
            if key is None or f.text(key).strip("'\"") != "env":
                return False
            passed += 1
        elif ptype in ("member_expression", "subscript_expression") and parent.child_by_field_name("object") == ref:
            continue  # env.PATH = …, env[key]
        elif ptype in ("assignment_expression", "variable_declarator", "assignment_pattern") and (
            parent.child_by_field_name("left") == ref or parent.child_by_field_name("name") == ref
        ):
            continue  # reassigned, declared again, a parameter with a default
        elif ptype == "arguments" and parent.named_child_count and parent.named_children[0] == ref and parent.parent is not None and (
            qualify(f, parent.parent.child_by_field_name("function")) or ""
        ).endswith("assign"):
            continue  # Object.assign(env, {...})
        else:
            return False
    return passed > 0


def _process_env(f: _File, node: Node) -> None:
    parent = node.parent
    if parent is None:
        return
    if parent.type == "member_expression" and parent.child_by_field_name("object") == node:
        prop = parent.child_by_field_name("property")
        name = f.text(prop) if prop is not None else ""
        if name and f.ind.token_env(name):
            f.add(Capability.TOKEN_ENV, f"reads ${name}", parent)
        return
    if parent.type == "subscript_expression" and parent.child_by_field_name("object") == node:
        variable = _string_value(f, parent.child_by_field_name("index"))
        if variable and f.ind.token_env(variable):
            f.add(Capability.TOKEN_ENV, f"reads ${variable}", parent)
        return
    if _in_env_option(f, node) or _env_copy_passed_on(f, node):
        return
    if parent.type == "arguments":
        return  # JSON.stringify(process.env) and friends are judged as calls
    strong = parent.type in ("spread_element", "for_in_statement")
    f.add(Capability.ENV_SWEEP, "takes the whole environment (process.env)", node, strong=strong)


# --------------------------------------------------------------------------- strings


def _strings(f: _File, strings: list[Node], templates: list[Node]) -> None:
    ind = f.ind
    hex_escapes = 0
    for node in strings:
        raw = f.data[node.start_byte + 1 : node.end_byte - 1]
        if b"\\x" in raw:
            hex_escapes += raw.count(b"\\x")
        value = unescape(raw.decode("utf-8", "replace"))
        _string(f, node, value)
    for node in templates:
        value = render(f, node)
        if value.strip("*"):
            _string(f, node, value)
    if hex_escapes >= ind.limits.hex_escapes:
        first = next(n for n in strings if b"\\x" in f.data[n.start_byte : n.end_byte])
        f.add(Capability.OBFUSCATION, f"{hex_escapes} hex escapes in string literals", first)


def _string(f: _File, node: Node, value: str) -> None:
    if len(value) < 3:
        return
    written = any(a <= node.start_byte and node.end_byte <= b for a, b in f.write_args)
    for hit in classify(value):
        if written and hit.capability is Capability.CREDENTIAL_READ:
            continue
        f.add(hit.capability, hit.detail, node, strong=hit.strong)
    where = persistence_path(value)
    if where:
        f.add(Capability.PERSISTENCE, f"names {value.strip()[:80]!r}, a persistence location ({where})", node, strong=False)
    if is_blob(value, f.ind):
        f.add(Capability.LONG_BLOB, f"a {len(value)}-character base64 string", node, strong=False)
        _decoded_payload(f, node, value)


def _decoded_payload(f: _File, node: Node, value: str) -> None:
    if f.ctx.depth >= f.ind.limits.max_decode_depth or hash(value) in f.payloads:
        return
    f.payloads.add(hash(value))
    decoded = decode_blob(value, f.ind)
    if decoded is None:
        return
    f.add(Capability.OBFUSCATION, "hides code in an encoded string", node)
    language = guess_language(decoded)
    f.facts.extend(f.ctx.analyze_nested(language, decoded, f.line(node), "in decoded data"))


def _upgrade(f: _File) -> None:
    upgrade_named_paths(
        f.facts, f.ctx, dynamic_reads=f.dynamic_reads, dynamic_writes=f.dynamic_writes, dynamic_shell=f.dynamic_shell
    )
