"""GitLab CI rules: one module per rule; each registers itself with :data:`REGISTRY`."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from shipwarden.ci.gitlab.model import Pipeline
from shipwarden.ci.registry import ProviderRule, Registry

REGISTRY: Registry[Pipeline] = Registry()


@cache
def load_rules() -> tuple[ProviderRule[Pipeline], ...]:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")
    return tuple(REGISTRY.rules)
