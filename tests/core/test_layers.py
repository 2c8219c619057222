"""The import graph of ``src/shipwarden`` is layered and has no cycles.

Layers, lowest first (a module may import its own layer or a lower one)::

    core        the finding model, catalogue, config, pipeline, safe I/O;
    reporting   beside it: the output formats and the one exit for text
                (core and reporting import each other, without cycles)
    analyses    ci, paths, deps, packaging, endpoint, secrets, provenance,
                detonate, sandbox, artifacts, fix, registry, sbom, knowledge,
                assess (the assessment's model, targets, history and reports)
                (may import each other, without cycles)
    api         the public library API over the analyses; ``api.assess``
                composes the API's own functions (``api/_assess_run.py``)
    commands    argument plumbing of the CLI, and cli / __main__

Every import counts: module-level, function-local and ``TYPE_CHECKING`` ones
(a function-local import is still a dependency, only a hidden one). The root
``shipwarden/__init__.py`` is exempt: it exports the API lazily.

:data:`ALLOWED` lists today's violations that the other engineers of issue 13
are removing; delete an entry when its import goes (the test fails on an
entry that no longer occurs, so the list only shrinks).
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).parents[2] / "src" / "shipwarden"

ANALYSES = ("ci", "paths", "deps", "packaging", "endpoint", "secrets", "provenance", "detonate", "sandbox",
            "artifacts", "fix", "registry", "sbom", "knowledge", "assess")
RANK = {"core": 0, "reporting": 0, **dict.fromkeys(ANALYSES, 1), "api": 2,
        "commands": 4, "cli": 4, "__main__": 4}

#: (importing module, imported module) pairs that break the layers today, each with who removes it.
ALLOWED_UPWARD: set[tuple[str, str]] = {
    # every output is redacted; the redactor is shared knowledge the endpoint engineer is
    # folding into secrets/redactor.py (it belongs below the analyses, beside core)
    ("shipwarden.reporting.emit", "shipwarden.secrets.redactor"),
}

#: Module-level import cycles (strongly connected sets of modules) that exist today.
ALLOWED_CYCLES: list[frozenset[str]] = []


def _name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_name(p): p for p in sorted(SRC.rglob("*.py"))}


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The shipwarden modules ``name`` imports (``from a import b`` counts ``a.b`` when it is a module)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target.startswith("shipwarden") and target != name:
                out.add(target)
    return out


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(name, path, known) for name, path in modules.items()}


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_every_package_has_a_layer() -> None:
    layers = {_layer(m) for m in _modules()} - {""}
    assert layers <= set(RANK), f"give these a layer in RANK: {sorted(layers - set(RANK))}"


def test_imports_go_down_the_layers() -> None:
    found: set[tuple[str, str]] = set()
    for module, targets in _graph().items():
        if module == "shipwarden":
            continue
        for target in targets:
            if target == "shipwarden":  # __version__
                continue
            source_layer, target_layer = _layer(module), _layer(target)
            if RANK[target_layer] > RANK[source_layer]:
                found.add((module, target))
    new = sorted(found - ALLOWED_UPWARD)
    assert not new, "imports against the layers:\n" + "\n".join(f"  {a} -> {b}" for a, b in new)
    gone = sorted(ALLOWED_UPWARD - found)
    assert not gone, "remove these from ALLOWED_UPWARD (fixed):\n" + "\n".join(f"  {a} -> {b}" for a, b in gone)


def test_only_the_api_package_reads_its_private_modules() -> None:
    """Commands (and everything else) use ``shipwarden.api``'s public names, never ``api._*``."""
    private = sorted(
        (module, target)
        for module, targets in _graph().items()
        if not module.startswith("shipwarden.api")
        for target in targets
        if target.startswith("shipwarden.api._")
    )
    assert not private, "imports of the API's private modules:\n" + "\n".join(f"  {a} -> {b}" for a, b in private)


def _cycles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[frozenset[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in graph:
                    continue
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    item = stack.pop()
                    on_stack.discard(item)
                    component.add(item)
                    if item == node:
                        break
                if len(component) > 1:
                    out.append(frozenset(component))
    return out


def test_no_import_cycles() -> None:
    graph = _graph()
    # a package's __init__ importing its own submodules is how packages work, not a cycle to remove
    for module in graph:
        graph[module] = {t for t in graph[module] if not (module.startswith(t + ".") and t != "shipwarden")}
    graph.pop("shipwarden", None)
    found = _cycles(graph)
    new = [sorted(c) for c in found if c not in ALLOWED_CYCLES]
    assert not new, "import cycles:\n" + "\n".join(f"  {c}" for c in new)
    gone = [sorted(c) for c in ALLOWED_CYCLES if c not in found]
    assert not gone, "remove these from ALLOWED_CYCLES (gone or changed):\n" + "\n".join(f"  {c}" for c in gone)
