"""``shipwarden endpoint``: what a supply-chain worm would harvest from this machine.

Public API::

    load_catalogue() -> Catalogue          # shipwarden.knowledge.credential_stores
    credential_path_globs(os=None) -> tuple[str, ...]
    sweep(home, *, include=(), env=None, fix_permissions=False) -> Report
"""

from __future__ import annotations

from shipwarden.endpoint.sweep import sweep
from shipwarden.knowledge.credential_stores import (
    OS,
    Catalogue,
    KeySpec,
    Publish,
    StoreEntry,
    credential_path_globs,
    load_catalogue,
)

__all__ = [
    "OS",
    "Catalogue",
    "KeySpec",
    "Publish",
    "StoreEntry",
    "credential_path_globs",
    "load_catalogue",
    "sweep",
]
