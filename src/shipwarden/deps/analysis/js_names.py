"""JavaScript names, rendering and taint: aliases through ``require``/``import`` to qualified
names, expressions rendered to text (``*`` for unknown parts), decoded and downloaded data followed."""

from __future__ import annotations

import bisect

from shipwarden.deps.analysis.js_tree import GLOBAL_PREFIXES, MAX_RENDER_DEPTH, JsFile, Node, unescape

# --------------------------------------------------------------------------- names


def _module_name(raw: str) -> str:
    name = raw[5:] if raw.startswith("node:") else raw
    return name


def string_value(f: JsFile, node: Node | None) -> str | None:
    if node is None:
        return None
    if node.type == "string":
        return unescape(f.text(node)[1:-1])
    if node.type == "template_string" and node.named_child_count == sum(
        1 for c in node.named_children if c.type in ("string_fragment", "escape_sequence")
    ):
        return unescape(f.text(node)[1:-1])
    return None


def _require_target(f: JsFile, node: Node) -> str | None:
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
    value = string_value(f, first)
    return _module_name(value) if value is not None else None


def qualify(f: JsFile, node: Node | None, depth: int = 0) -> str | None:
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
        index = string_value(f, node.child_by_field_name("index"))
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


def collect_aliases(f: JsFile, decls: list[Node], imports: list[Node]) -> None:
    for node in imports:
        src = node.child_by_field_name("source")
        module = string_value(f, src)
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


def collect_rebound(f: JsFile, decls: list[Node], assigns: list[Node]) -> None:
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


def _looks_module(f: JsFile, value: Node, qualified: str) -> bool:
    """An alias worth keeping: rooted at a require/import, or at a known alias or global."""
    root = qualified.split(".", 1)[0]
    return _require_target(f, value) is not None or root in f.aliases.values() or any(
        k.split(".", 1)[0] == root for k in f.ind.js_calls
    ) or root in f.ind.js_network_modules or root in f.ind.js_child_modules


def _relative_require(f: JsFile, module: str, node: Node) -> None:
    if module.startswith(("./", "../")) or module in (".", ".."):
        f.facts.runs.append(("javascript", module, f.line(node)))


def call_kind(f: JsFile, node: Node) -> str:
    fn = node.child_by_field_name("function") if node.type == "call_expression" else node.child_by_field_name("constructor")
    if fn is None:
        return ""
    if fn.type == "import":
        return "dynamic-require"
    q = qualify(f, fn)
    if not q:
        return ""
    return kind_of(f, q)


def kind_of(f: JsFile, q: str) -> str:
    for prefix in GLOBAL_PREFIXES:
        if q.startswith(prefix):
            q = q[len(prefix) :]
    kind = f.ind.js_calls.get(q, "")
    if not kind and "." in q:
        root, _, rest = q.partition(".")
        if root in f.ind.js_network_modules and rest in ("request", "get", "post", "put", "connect"):
            kind = "network-send" if rest in ("request", "post", "put", "connect") else "network"
    return kind


def call_args(node: Node) -> list[Node]:
    args = node.child_by_field_name("arguments")
    if args is None:
        return []
    return [c for c in args.named_children if c.type != "comment"]


def is_decoding_buffer(f: JsFile, node: Node) -> bool:
    args = call_args(node)
    if len(args) < 2:
        return False
    enc = string_value(f, args[1])
    return enc is not None and enc.lower() in f.ind.decode_encodings


# --------------------------------------------------------------------------- rendering


def render(f: JsFile, node: Node | None, depth: int = 0) -> str:
    """Text of a string-valued expression, ``*`` where it is unknown."""
    if node is None or depth > MAX_RENDER_DEPTH:
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
            return "/".join(render(f, a, depth + 1) for a in call_args(node))
        if q.endswith((".toString", ".trim", ".toLowerCase")):
            fn = node.child_by_field_name("function")
            obj = fn.child_by_field_name("object") if fn is not None else None
            return render(f, obj, depth + 1)
        return "*"
    if t == "array":
        return " ".join(render(f, c, depth + 1) for c in node.named_children)
    return "*"


# --------------------------------------------------------------------------- taint


def contains(starts: list[int], node: Node) -> bool:
    i = bisect.bisect_left(starts, node.start_byte)
    return i < len(starts) and starts[i] < node.end_byte


def mentions(f: JsFile, node: Node, names: set[str]) -> bool:
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


def _assigned_name(f: JsFile, node: Node) -> tuple[str, Node] | None:
    if node.type == "variable_declarator":
        name, value = node.child_by_field_name("name"), node.child_by_field_name("value")
    else:
        name, value = node.child_by_field_name("left"), node.child_by_field_name("right")
    if name is None or value is None or name.type not in ("identifier", "member_expression"):
        return None
    return f.text(name), value


def taint(f: JsFile, assignments: list[Node], calls: list[Node]) -> None:
    """Names holding decoded data or network responses (assignments, callback parameters)."""
    if not f.decode_starts and not f.network_starts:
        return
    # Parameters of callbacks given to network calls hold the response, and so do the
    # parameters of callbacks registered on it inside them (`res.on("data", d => …)`).
    network_calls = set(f.network_starts)
    for call in calls:
        if call.start_byte not in network_calls:
            continue
        for arg in call_args(call):
            if arg.type in ("arrow_function", "function_expression", "function"):
                _taint_params(f, arg)
                _taint_callbacks(f, arg)
    pending = [(a, pair) for a in assignments if (pair := _assigned_name(f, a)) is not None]
    for _ in range(3):
        changed = False
        for _node, (name, value) in pending:
            if name not in f.decode_taint and (contains(f.decode_starts, value) or mentions(f, value, f.decode_taint)):
                f.decode_taint.add(name)
                changed = True
            if name not in f.net_taint and (contains(f.network_starts, value) or mentions(f, value, f.net_taint)):
                f.net_taint.add(name)
                changed = True
        if not changed:
            break


def _taint_callbacks(f: JsFile, fn: Node, budget: int = 5000) -> None:
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
                for arg in call_args(node):
                    if arg.type in ("arrow_function", "function_expression", "function"):
                        _taint_params(f, arg)
        stack.extend(node.named_children)


def _taint_params(f: JsFile, fn: Node) -> bool:
    params = fn.child_by_field_name("parameters") or fn.child_by_field_name("parameter")
    if params is None:
        return False
    names = [params] if params.type == "identifier" else [p for p in params.named_children if p.type == "identifier"]
    before = len(f.net_taint)
    f.net_taint.update(f.text(p) for p in names)
    return len(f.net_taint) != before


