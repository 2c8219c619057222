"""Public names of a package imported from their module on first use (start-up).

A package whose ``__init__`` would otherwise import every module behind its
public names (``shipwarden.api``, ``shipwarden.secrets``) lists where each name
lives and answers a module ``__getattr__`` with :func:`lazy_attribute`::

    _HOME = {"scan_text": "scanner", ...}

    def __getattr__(name: str) -> Any:
        return lazy_attribute(__name__, _HOME, globals(), name)
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, MutableMapping
from typing import Any


def lazy_attribute(package: str, homes: Mapping[str, str], namespace: MutableMapping[str, Any], name: str) -> Any:
    """``name`` from the module ``package.<homes[name]>``, kept in ``namespace`` (the
    package's globals) so it is looked up once; ``AttributeError`` for another name."""
    home = homes.get(name)
    if home is None:
        raise AttributeError(f"module {package!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{package}.{home}"), name)
    namespace[name] = value
    return value
