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

import re

import tree_sitter

from shipwarden.deps.analysis.facts import CodeFacts, Context, guess_language, upgrade_named_paths
from shipwarden.deps.analysis.indicators import load_indicators
from shipwarden.deps.analysis.js_names import (
    call_args,
    call_kind,
    collect_aliases,
    collect_rebound,
    contains,
    is_decoding_buffer,
    kind_of,
    mentions,
    qualify,
    render,
    string_value,
    taint,
)
from shipwarden.deps.analysis.js_tree import SEND_HINT, JsFile, Node, alias_query, call_names, parser, query, unescape
from shipwarden.deps.analysis.model import Capability
from shipwarden.deps.analysis.strings import classify, credential_path, decode_blob, is_blob, persistence_path


def analyze_javascript(text: str, ctx: Context) -> CodeFacts:
    ind = load_indicators()
    data = text.encode("utf-8", "surrogatepass")
    tree = parser().parse(data)
    f = JsFile(data, ctx, ind, tree.root_node)
    if tree.root_node.has_error:
        f.facts.notes.append(f"{ctx.path}: JavaScript has syntax errors; analysed what parsed")
    # Document order: the capture lists of a multi-pattern query come back in no stable
    # order, and the first declaration of a name is the constant its uses render to.
    caps = {
        name: sorted(nodes, key=lambda n: (n.start_byte, -n.end_byte))
        for name, nodes in tree_sitter.QueryCursor(query()).captures(tree.root_node).items()
    }
    decls = caps.get("decl", [])
    imports = caps.get("import", [])
    collect_aliases(f, decls, imports)
    collect_rebound(f, decls, caps.get("assign", []))
    renamed = tuple(sorted(
        name for name, target in f.aliases.items()
        if name not in call_names() and re.fullmatch(r"[A-Za-z_$][\w$]*", name) and kind_of(f, target)
    ))
    extra = tree_sitter.QueryCursor(alias_query(renamed[:64])).captures(tree.root_node).get("call", []) if renamed else []
    calls = _unique(sorted(caps.get("call", []) + extra, key=lambda n: (n.start_byte, -n.end_byte)))
    kinds = [(node, call_kind(f, node)) for node in calls]
    for node, kind in kinds:
        if kind in ("decode", "char-code") or (kind == "decode-if-encoding" and is_decoding_buffer(f, node)):
            f.decode_starts.append(node.start_byte)
        elif kind in ("network", "network-send"):
            f.network_starts.append(node.start_byte)
    f.decode_starts.sort()
    f.network_starts.sort()
    taint(f, decls + caps.get("assign", []), calls)
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


# --------------------------------------------------------------------------- calls


def _call(f: JsFile, node: Node, kind: str) -> None:
    args = call_args(node)
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
        send = kind == "network-send" or bool(SEND_HINT.search(arg_text[:4000]))
        cap = Capability.NETWORK_SEND if send else Capability.NETWORK
        target = render(f, first) if first is not None else "*"
        f.add(cap, ("sends data to " if send else "connects to ") + (target if target.strip("*") else "the network"), node)
    elif kind in ("decode", "decode-if-encoding"):
        if kind == "decode-if-encoding" and not is_decoding_buffer(f, node):
            return
        value = string_value(f, first)
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
        if first is not None and string_value(f, first) is None and first.type != "template_string":
            f.add(Capability.DYNAMIC_CODE, "loads a module whose name is computed", node, strong=False)
        else:
            module_name = string_value(f, first) if first is not None else None
            if module_name and module_name.startswith(("./", "../")):
                f.facts.runs.append(("javascript", module_name, f.line(node)))


_SHELL_TRUE = re.compile(rb"\bshell\s*:\s*(?:true|['\"])")


def _new(f: JsFile, node: Node) -> None:
    kind = call_kind(f, node)
    if kind == "eval":
        args = call_args(node)
        _eval(f, node, args[-1] if args else None, kind)
    elif kind in ("network", "network-send"):
        f.add(Capability.NETWORK_SEND if kind == "network-send" else Capability.NETWORK, "opens a connection", node)


def _eval(f: JsFile, node: Node, arg: Node | None, kind: str) -> None:
    if arg is None:
        return
    if kind == "eval-if-string" and arg.type not in ("string", "template_string", "identifier", "call_expression", "binary_expression"):
        return
    if arg.type in ("arrow_function", "function_expression", "function"):
        return
    decoded = contains(f.decode_starts, arg) or mentions(f, arg, f.decode_taint)
    downloaded = contains(f.network_starts, arg) or mentions(f, arg, f.net_taint)
    if decoded:
        f.add(Capability.DECODE_EXEC, "evaluates decoded data", node)
    if downloaded:
        f.add(Capability.DOWNLOAD_EXEC, "evaluates data received from the network", node)
    literal = string_value(f, arg)
    if literal is not None:
        if f.ctx.depth < f.ind.limits.max_decode_depth:
            f.facts.extend(f.ctx.analyze_nested("javascript", literal, f.line(node), "in an evaluated string"))
    elif not decoded and not downloaded:
        f.add(Capability.DYNAMIC_CODE, "evaluates a computed string", node, strong=False)


def _exec_text(f: JsFile, node: Node, command: str) -> None:
    if not command.strip("* "):
        f.add(Capability.DYNAMIC_CODE, "runs a computed shell command", node, strong=False)
        return
    if f.ctx.depth >= f.ind.limits.max_decode_depth + 2:
        return
    sub = f.ctx.analyze_nested("shell", command.replace("*", "X"), f.line(node), "")
    f.facts.extend(sub)


def _exec_argv(f: JsFile, node: Node, argv: list[str]) -> None:
    quoted = " ".join(a if a and " " not in a else f"'{a}'" for a in argv)
    _exec_text(f, node, quoted)


def _in_env_option(f: JsFile, node: Node) -> bool:
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


def _env_copy_passed_on(f: JsFile, node: Node) -> bool:
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


def _process_env(f: JsFile, node: Node) -> None:
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
        variable = string_value(f, parent.child_by_field_name("index"))
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


def _strings(f: JsFile, strings: list[Node], templates: list[Node]) -> None:
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


def _string(f: JsFile, node: Node, value: str) -> None:
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


def _decoded_payload(f: JsFile, node: Node, value: str) -> None:
    if f.ctx.depth >= f.ind.limits.max_decode_depth or hash(value) in f.payloads:
        return
    f.payloads.add(hash(value))
    decoded = decode_blob(value, f.ind)
    if decoded is None:
        return
    f.add(Capability.OBFUSCATION, "hides code in an encoded string", node)
    language = guess_language(decoded)
    f.facts.extend(f.ctx.analyze_nested(language, decoded, f.line(node), "in decoded data"))


def _upgrade(f: JsFile) -> None:
    upgrade_named_paths(
        f.facts, f.ctx, dynamic_reads=f.dynamic_reads, dynamic_writes=f.dynamic_writes, dynamic_shell=f.dynamic_shell
    )
