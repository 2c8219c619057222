"""The tree-sitter grammar of bash, loaded without running ``tree_sitter_bash/__init__.py``
(start-up).

That ``__init__`` imports :mod:`importlib.resources` (and with it ``tempfile``,
``random`` and more: some 8 M instructions, near 2 % of the work before a corpus
scan forks its workers) for the grammar's highlight queries, which shipwarden
never reads. :func:`language` loads the package's compiled ``_binding`` module
itself, found and run by the import system's own finder and loader; where that
module cannot be found so (another layout of the package), it imports the package.
"""

from __future__ import annotations

import importlib.util
import sys
from importlib.machinery import PathFinder
from typing import Any

_PACKAGE = "tree_sitter_bash"


def language() -> Any:
    """``tree_sitter_bash.language()``: the language pointer ``tree_sitter.Language`` takes."""
    binding = sys.modules.get(f"{_PACKAGE}._binding")
    if binding is None:
        package = importlib.util.find_spec(_PACKAGE)  # finds it without running its __init__
        locations = package.submodule_search_locations if package is not None else None
        spec = PathFinder.find_spec(f"{_PACKAGE}._binding", list(locations)) if locations else None
        if spec is None or spec.loader is None:
            import tree_sitter_bash  # start-up: only where the binding is not where it is looked for

            return tree_sitter_bash.language()
        binding = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(binding)
    return binding.language()
