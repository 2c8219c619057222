"""Python install-time code (``.pth`` lines, ``setup.py``, imported start-up modules), parsed with ``ast``.

Calls are resolved through imports (``from base64 import b64decode as d`` →
``base64.b64decode``; ``__import__("base64").b64decode`` too) and looked up in
``[python.calls]``. Path and command arguments are rendered with ``*`` for
unknown parts; decoded and downloaded data is followed into ``exec``/``eval``.
"""

from __future__ import annotations

import ast
import warnings

from shipwarden.deps.analysis.facts import CodeFacts, Context, guess_language, upgrade_named_paths
from shipwarden.deps.analysis.indicators import Indicators, load_indicators
from shipwarden.deps.analysis.model import Capability
from shipwarden.deps.analysis.strings import classify, credential_path, decode_blob, is_blob, persistence_path

_MAX_RENDER_DEPTH = 6
_PY_NAMES = ("python", "python3", "python2", "sys.executable", "pythonw")


class _Analyzer:
    def __init__(self, text: str, ctx: Context, ind: Indicators) -> None:
        self.text = text
        self.lines = text.splitlines()
        self.ctx = ctx
        self.ind = ind
        self.facts = CodeFacts()
        self.aliases: dict[str, str] = {}
        self.consts: dict[str, ast.expr] = {}
        self.decode_taint: set[str] = set()
        self.net_taint: set[str] = set()
        self.parents: dict[int, ast.AST] = {}
        #: Every ``ast.Name`` by identifier (uses of a variable, for env-copy checks).
        self.names: dict[str, list[ast.Name]] = {}
        self.dynamic_reads = False
        self.dynamic_writes = False
        self.dynamic_shell = False
        self.payloads: set[int] = set()

    # ------------------------------------------------------------------ helpers

    def add(self, cap: Capability, detail: str, node: ast.AST, strong: bool = True) -> None:
        line = getattr(node, "lineno", 0)
        src = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        self.facts.evidence.append(self.ctx.evidence(cap, detail, line, getattr(node, "col_offset", 0) + 1, src, strong))

    def dotted(self, node: ast.AST, depth: int = 0) -> str | None:
        if depth > 8:
            return None
        if isinstance(node, ast.Name):
            return self.aliases.get(node.id, node.id)
        if isinstance(node, ast.Attribute):
            base = self.dotted(node.value, depth + 1)
            return f"{base}.{node.attr}" if base else None
        if isinstance(node, ast.Call):
            fn = self.dotted(node.func, depth + 1)
            if fn in ("__import__", "importlib.import_module") and node.args and isinstance(node.args[0], ast.Constant):
                return str(node.args[0].value)
            if fn in ("pathlib.Path", "Path") or (fn or "").endswith("pathlib.Path"):
                return "pathlib.Path"
        return None

    def kind(self, call: ast.Call) -> tuple[str, str]:
        name = self.dotted(call.func) or ""
        kind = self.ind.py_calls.get(name, "")
        if not kind and isinstance(call.func, ast.Attribute):
            # Methods on path objects and environments: p.read_text(), os.environ.copy()
            attr = call.func.attr
            for key, value in self.ind.py_calls.items():
                if key.startswith("pathlib.Path.") and key.endswith("." + attr):
                    base = self.dotted(call.func.value) or ""
                    if base.startswith("pathlib.Path") or isinstance(call.func.value, ast.BinOp | ast.Call | ast.Name):
                        return value, key
        return kind, name

    def render(self, node: ast.AST | None, depth: int = 0) -> str:
        if node is None or depth > _MAX_RENDER_DEPTH:
            return "*"
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.JoinedStr):
            return "".join(
                v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else self.render(getattr(v, "value", None), depth + 1)
                for v in node.values
            )
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self.render(node.left, depth + 1) + self.render(node.right, depth + 1)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):  # pathlib: home / ".npmrc"
            return self.render(node.left, depth + 1) + "/" + self.render(node.right, depth + 1)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
            return self.render(node.left, depth + 1)
        if isinstance(node, ast.Name):
            value = self.consts.get(node.id)
            return self.render(value, depth + 1) if value is not None else "*"
        if isinstance(node, ast.Subscript):
            if self.dotted(node.value) == "os.environ" and self.render(node.slice, depth + 1) in ("HOME", "USERPROFILE"):
                return "~"
            return "*"
        if isinstance(node, ast.Call):
            name = self.dotted(node.func) or ""
            if name in ("os.path.join", "posixpath.join", "ntpath.join") or name.endswith(".joinpath"):
                parts = [self.render(a, depth + 1) for a in node.args]
                if name.endswith(".joinpath") and isinstance(node.func, ast.Attribute):
                    parts.insert(0, self.render(node.func.value, depth + 1))
                return "/".join(parts)
            if name in ("os.path.expanduser", "os.path.expandvars", "os.path.abspath", "str", "pathlib.Path", "Path"):
                return self.render(node.args[0], depth + 1) if node.args else ("~" if name.endswith("Path") else "*")
            if name in ("pathlib.Path.home", "Path.home") or (isinstance(node.func, ast.Attribute) and node.func.attr == "home"):
                return "~"
            if name in ("os.getenv", "os.environ.get") and node.args and self.render(node.args[0], depth + 1) in ("HOME", "USERPROFILE"):
                return "~"
            return "*"
        if isinstance(node, ast.List | ast.Tuple):
            return " ".join(self.render(e, depth + 1) for e in node.elts)
        return "*"

    def subtree_has(self, node: ast.AST, kinds: tuple[str, ...], names: set[str]) -> bool:
        for sub in ast.walk(node):
            if isinstance(sub, ast.Call) and self.kind(sub)[0] in kinds:
                return True
            if isinstance(sub, ast.Name) and sub.id in names:
                return True
        return False

    def is_environ(self, node: ast.AST) -> bool:
        return self.dotted(node) == "os.environ"

    # ------------------------------------------------------------------ passes

    def run(self, tree: ast.AST) -> CodeFacts:
        for parent in ast.walk(tree):
            for child in ast.iter_child_nodes(parent):
                self.parents[id(child)] = parent
            if isinstance(parent, ast.Name):
                self.names.setdefault(parent.id, []).append(parent)
        self.collect(tree)
        self.taint(tree)
        chr_calls = 0
        first_chr: ast.AST | None = None
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                kind, name = self.kind(node)
                if kind == "char-code" and node.args and isinstance(node.args[0], ast.Constant | ast.Name | ast.BinOp):
                    chr_calls += 1
                    first_chr = first_chr or node
                if kind:
                    self.call(node, kind, name)
            elif isinstance(node, ast.Subscript):
                self.subscript(node)
            elif isinstance(node, ast.Attribute) and self.is_environ(node):
                self.environ(node)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                self.string(node, node.value)
            elif isinstance(node, ast.For) and self.is_environ(node.iter):
                self.add(Capability.ENV_SWEEP, "iterates over the whole environment (os.environ)", node)
        if chr_calls >= self.ind.limits.char_code_chain and first_chr is not None:
            self.add(Capability.OBFUSCATION, f"builds strings from {chr_calls} chr() calls", first_chr)
        self.upgrade()
        return self.facts

    def collect(self, tree: ast.AST) -> None:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    self.aliases[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else alias.name.split(".")[0]
                    self.facts.imports.append(alias.name)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    self.aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
                self.facts.imports.append(node.module)
            elif isinstance(node, ast.ImportFrom) and node.level > 0:
                # from .boot import run / from . import boot: sibling files, followed like require("./x")
                prefix = "./" if node.level == 1 else "../" * (node.level - 1)
                siblings = [node.module] if node.module else [a.name for a in node.names if a.name != "*"]
                for sibling in siblings:
                    self.facts.runs.append(("python", prefix + sibling.replace(".", "/"), getattr(node, "lineno", 0)))
            elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                name = node.targets[0].id
                self.consts.setdefault(name, node.value)
                target = self.dotted(node.value) if isinstance(node.value, ast.Call | ast.Attribute) else None
                if target and isinstance(node.value, ast.Call) and self.dotted(node.value.func) in ("__import__", "importlib.import_module"):
                    self.aliases[name] = target
            elif isinstance(node, ast.Call):
                fn = self.dotted(node.func)
                if fn in ("__import__", "importlib.import_module") and node.args and isinstance(node.args[0], ast.Constant):
                    self.facts.imports.append(str(node.args[0].value))

    def taint(self, tree: ast.AST) -> None:
        assigns = [n for n in ast.walk(tree) if isinstance(n, ast.Assign | ast.AugAssign | ast.AnnAssign | ast.NamedExpr | ast.With)]
        for _ in range(3):
            changed = False
            for node in assigns:
                if isinstance(node, ast.With):
                    pairs = [(i.optional_vars, i.context_expr) for i in node.items if i.optional_vars is not None]
                else:
                    tgt = node.targets if isinstance(node, ast.Assign) else [node.target]
                    pairs = [(t, node.value) for t in tgt if node.value is not None]
                for target, value in pairs:
                    if not isinstance(target, ast.Name) or value is None:
                        continue
                    if target.id not in self.decode_taint and self.subtree_has(value, ("decode", "char-code"), self.decode_taint):
                        self.decode_taint.add(target.id)
                        changed = True
                    if target.id not in self.net_taint and self.subtree_has(value, ("network", "network-send"), self.net_taint):
                        self.net_taint.add(target.id)
                        changed = True
            if not changed:
                break

    # ------------------------------------------------------------------ node handlers

    def call(self, node: ast.Call, kind: str, name: str) -> None:
        args = node.args
        first = args[0] if args else None
        keywords = {k.arg: k.value for k in node.keywords if k.arg}
        if kind in ("exec-shell", "exec-argv", "exec-auto"):
            self.add(Capability.CHILD_PROCESS, f"runs a program ({name})", node)
            shell = kind == "exec-shell" or (
                isinstance(keywords.get("shell"), ast.Constant) and bool(getattr(keywords.get("shell"), "value", False))
            )
            if isinstance(first, ast.List | ast.Tuple) and not shell:
                argv = [self.render(e) for e in first.elts]
                self.exec_argv(node, argv, first)
            else:
                command = self.render(first)
                self.dynamic_shell = self.dynamic_shell or "*" in command
                self.exec_text(node, command)
            return
        if kind in ("open", "read", "list", "probe"):
            target = self.render(first if first is not None else (node.func.value if isinstance(node.func, ast.Attribute) else None))
            mode = self.render(args[1]) if len(args) > 1 else self.render(keywords.get("mode")) if "mode" in keywords else "r"
            writing = kind == "open" and any(c in mode for c in "wax+")
            if writing:
                self.write(node, target)
                return
            if name.startswith("shutil.copy") and len(args) > 1:
                self.write(node, self.render(args[1]))  # shutil.copy(src, dst) writes dst
            if "*" in target:
                self.dynamic_reads = True
            store = credential_path(target)
            if store:
                self.add(Capability.CREDENTIAL_READ, f"reads {target} ({store})", node)
            return
        if kind == "write":
            target = self.render(node.func.value if isinstance(node.func, ast.Attribute) else first)
            self.write(node, target)
            return
        if kind == "eval":
            self.evaluate(node, first)
            return
        if kind in ("network", "network-send"):
            send = kind == "network-send" or "data" in keywords or "json" in keywords
            target = self.render(first)
            cap = Capability.NETWORK_SEND if send else Capability.NETWORK
            self.add(cap, ("sends data to " if send else "connects to ") + (target if target.strip("*") else "the network"), node)
            return
        if kind == "decode":
            if isinstance(first, ast.Constant) and isinstance(first.value, str | bytes) and len(first.value) >= 40:
                value = first.value.decode("latin-1") if isinstance(first.value, bytes) else first.value
                self.decoded_payload(node, value)
            return
        if kind == "env-bulk":
            subject = node.func.value if name.startswith("os.environ.") and isinstance(node.func, ast.Attribute) else first
            if subject is not None and self.is_environ(subject) and not self.passes_env(node) and not self.copy_passed_on(node):
                self.add(Capability.ENV_SWEEP, "reads the whole environment (os.environ)", node)
            return
        if kind == "env-get":
            var = self.render(first)
            if var != "*" and self.ind.token_env(var):
                self.add(Capability.TOKEN_ENV, f"reads ${var}", node)

    def write(self, node: ast.AST, target: str) -> None:
        if "*" in target:
            self.dynamic_writes = True
        where = persistence_path(target)
        if where:
            self.add(Capability.PERSISTENCE, f"writes {target} ({where})", node)
        staged = self.ind.staging_name(target)
        if staged:
            self.add(Capability.STAGING, f"writes {staged}", node)

    def passes_env(self, node: ast.AST) -> bool:
        parent = self.parents.get(id(node))
        return isinstance(parent, ast.keyword) and parent.arg == "env"

    #: Methods of a copied environment that edit or read it key by key.
    _ENV_COPY_METHODS = frozenset({"get", "update", "setdefault", "pop", "__setitem__", "__getitem__", "__contains__"})

    def copy_passed_on(self, node: ast.AST) -> bool:
        """``env = os.environ.copy(); env["X"] = "1"; subprocess.run(cmd, env=env)``: a copy of
        the environment handed to child processes, and otherwise only edited or read key by
        key, is passed on, not read. Any other use of the name (``json.dumps(env)``, a loop,
        a request body) keeps the sweep; so does a copy never given as ``env=``."""
        parent = self.parents.get(id(node))
        if not isinstance(parent, ast.Assign) or len(parent.targets) != 1 or parent.value is not node:
            return False
        target = parent.targets[0]
        if isinstance(target, ast.Attribute) and target.attr == "env":
            return True  # options.env = dict(os.environ)
        if not isinstance(target, ast.Name):
            return False
        name = target.id
        passed = 0
        for ref in self.names.get(name, ()):
            if ref is target:
                continue
            up = self.parents.get(id(ref))
            if isinstance(ref.ctx, ast.Store | ast.Del):
                continue  # reassigned, deleted
            if isinstance(up, ast.keyword) and up.arg == "env":
                passed += 1
            elif isinstance(up, ast.Subscript) and up.value is ref:
                continue  # env["X"] = "1", env["PATH"]
            elif isinstance(up, ast.Attribute) and up.value is ref and up.attr in self._ENV_COPY_METHODS:
                continue
            elif isinstance(up, ast.Compare) and ref in up.comparators:
                continue  # "X" in env
            else:
                return False
        return passed > 0

    def environ(self, node: ast.Attribute) -> None:
        parent = self.parents.get(id(node))
        if isinstance(parent, ast.Attribute | ast.Subscript) or (isinstance(parent, ast.Call) and node in parent.args):
            return  # os.environ.get / os.environ[...] / dict(os.environ): handled elsewhere
        if isinstance(parent, ast.keyword) and parent.arg == "env":
            return
        if isinstance(parent, ast.For | ast.comprehension):
            return
        if isinstance(parent, ast.Call) and parent.func is node:
            return
        self.add(Capability.ENV_SWEEP, "takes the whole environment (os.environ)", node, strong=False)

    def subscript(self, node: ast.Subscript) -> None:
        if not self.is_environ(node.value):
            return
        var = self.render(node.slice)
        if var != "*" and self.ind.token_env(var):
            self.add(Capability.TOKEN_ENV, f"reads ${var}", node)

    def evaluate(self, node: ast.Call, arg: ast.AST | None) -> None:
        if arg is None:
            return
        decoded = self.subtree_has(arg, ("decode", "char-code"), self.decode_taint)
        downloaded = self.subtree_has(arg, ("network", "network-send"), self.net_taint)
        if decoded:
            self.add(Capability.DECODE_EXEC, "executes decoded data", node)
        if downloaded:
            self.add(Capability.DOWNLOAD_EXEC, "executes data received from the network", node)
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            if self.ctx.depth < self.ind.limits.max_decode_depth:
                self.facts.extend(self.ctx.analyze_nested("python", arg.value, node.lineno, "in an executed string"))
        elif not decoded and not downloaded:
            self.add(Capability.DYNAMIC_CODE, "executes a computed string", node, strong=False)

    def exec_text(self, node: ast.AST, command: str) -> None:
        if not command.strip("* "):
            self.add(Capability.DYNAMIC_CODE, "runs a computed command", node, strong=False)
            return
        if self.ctx.depth < self.ind.limits.max_decode_depth + 2:
            self.facts.extend(self.ctx.analyze_nested("shell", command.replace("*", "X"), getattr(node, "lineno", 0), ""))

    def exec_argv(self, node: ast.AST, argv: list[str], array: ast.List | ast.Tuple) -> None:
        program = argv[0] if argv else "*"
        # [sys.executable, "-c", CODE]: Python code run in a child interpreter.
        first = array.elts[0] if array.elts else None
        is_python = program.rsplit("/", 1)[-1].startswith("python") or (first is not None and self.dotted(first) == "sys.executable")
        if is_python and "-c" in argv[1:]:
            i = argv.index("-c", 1)
            code_node = array.elts[i + 1] if i + 1 < len(array.elts) else None
            if code_node is not None:
                if isinstance(code_node, ast.Constant) and isinstance(code_node.value, str):
                    if self.ctx.depth < self.ind.limits.max_decode_depth + 2:
                        self.facts.extend(self.ctx.analyze_nested("python", code_node.value, getattr(node, "lineno", 0), "in a child interpreter"))
                elif self.subtree_has(code_node, ("decode", "char-code"), self.decode_taint):
                    self.add(Capability.DECODE_EXEC, "runs decoded code in a child Python interpreter", node)
            return
        quoted = " ".join(a if a and " " not in a else f"'{a}'" for a in argv)
        self.exec_text(node, quoted)

    def string(self, node: ast.Constant, value: str) -> None:
        if len(value) < 3:
            return
        for hit in classify(value):
            self.add(hit.capability, hit.detail, node, strong=hit.strong)
        where = persistence_path(value)
        if where:
            self.add(Capability.PERSISTENCE, f"names {value.strip()[:80]!r}, a persistence location ({where})", node, strong=False)
        if is_blob(value, self.ind):
            self.add(Capability.LONG_BLOB, f"a {len(value)}-character base64 string", node, strong=False)
            self.decoded_payload(node, value)

    def decoded_payload(self, node: ast.AST, value: str) -> None:
        if self.ctx.depth >= self.ind.limits.max_decode_depth or hash(value) in self.payloads:
            return
        self.payloads.add(hash(value))
        decoded = decode_blob(value, self.ind)
        if decoded is None:
            return
        self.add(Capability.OBFUSCATION, "hides code in an encoded string", node)
        self.facts.extend(self.ctx.analyze_nested(guess_language(decoded), decoded, getattr(node, "lineno", 0), "in decoded data"))

    def upgrade(self) -> None:
        upgrade_named_paths(
            self.facts,
            self.ctx,
            dynamic_reads=self.dynamic_reads,
            dynamic_writes=self.dynamic_writes,
            dynamic_shell=self.dynamic_shell,
        )


def analyze_python(text: str, ctx: Context) -> CodeFacts:
    ind = load_indicators()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SyntaxWarning)
            tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        facts = CodeFacts()
        facts.notes.append(f"{ctx.path}: Python does not parse ({type(exc).__name__}: {getattr(exc, 'msg', exc)})")
        return facts
    return _Analyzer(text, ctx, ind).run(tree)
