"""The rule catalogue: every rule of every command, declared in one place, read without side effects.

A rule is a module-level :class:`RuleMeta` constant in one of the modules
:data:`RULE_MODULES` lists (a package there stands for every module directly in
it). Importing a rule module registers nothing; :func:`all_rules` imports
exactly those modules and collects their module-level ``RuleMeta`` objects, so
what ``reporting`` (and ``assess``) see never depends on what else happened to
be imported. Checks are found the same way: :func:`rule` marks a function as the
check of a rule (it only sets an attribute) and :func:`rule_checks` collects the
marked functions of one package, in module-name order.

Adding a rule (see ``docs/architecture.md`` for a worked example):

1. one module in the rule package of its command (``ci/github/rules/`` for a
   workflow rule), with ``META = RuleMeta(id=…, row=…, tier=…, confidence=…,
   title=…, command=…)`` and its check decorated ``@rule(META)``
   (``@workflow_rule(META)`` in ``ci/github/rules/``); a new rule *package* or
   module is added to :data:`RULE_MODULES`;
2. one page ``docs/rules/<id>.md`` (what, why — the incident —, example, fix);
3. positive and negative fixtures.

This module imports only :mod:`shipwarden.core.findings`; no analysis is
imported until :func:`all_rules` or :func:`rule_checks` is called.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from types import ModuleType
from typing import Any, Literal, TypeVar

from shipwarden.core.findings import Confidence, Finding, Hop, Location, Tier
from shipwarden.core.structs import struct

#: ``stable``: its findings are judged on real material; ``preview``: new, expect changes.
Stability = Literal["stable", "preview"]


@struct(frozen=True)
class RuleMeta:
    """What every rule of every command declares: id, matrix row, default tier."""

    id: str
    row: int
    tier: Tier
    confidence: Confidence
    title: str
    #: the command that produces it (a key of :data:`RULE_MODULES`' values' commands)
    command: str = "scan"
    stability: Stability = "stable"

    def doc_url(self, base: str | None) -> str | None:
        """``<base>/<id>.md``, or ``None`` when no documentation URL was given."""
        return f"{base.rstrip('/')}/{self.id}.md" if base else None

    def finding(
        self,
        message: str,
        locations: list[Location],
        *,
        tier: Tier | None = None,
        confidence: Confidence | None = None,
        key: str = "",
        hops: list[Hop] | None = None,
        properties: dict[str, Any] | None = None,
        flows: list[list[Hop]] | None = None,
        previous_key: str = "",
    ) -> Finding:
        return Finding(
            rule_id=self.id,
            row=self.row,
            tier=tier or self.tier,
            confidence=confidence or self.confidence,
            message=message,
            locations=locations,
            key=key,
            hops=hops or [],
            flows=flows or [],
            properties=properties or {},
            previous_key=previous_key,
        )


#: Every module (or package: each module directly in it) that declares rules,
#: with the command whose rules they are. The one place a new rule module or
#: package is listed.
RULE_MODULES: tuple[tuple[str, str], ...] = (
    ("scan", "shipwarden.ci.github.rules"),  # GitHub Actions workflows and actions
    ("scan", "shipwarden.ci.gitlab.rules"),  # GitLab CI
    ("scan", "shipwarden.ci.jenkins.rules"),  # Jenkinsfiles
    ("scan", "shipwarden.paths.rule"),  # attack paths (scan and paths)
    ("gate", "shipwarden.packaging.rules"),
    ("deps", "shipwarden.deps.rules"),
    ("endpoint", "shipwarden.endpoint.rules"),
    ("provenance", "shipwarden.provenance.rules"),
    ("detonate", "shipwarden.detonate.rules"),
)

#: Commands rules may name in ``RuleMeta.command``.
COMMANDS = frozenset({"scan", "paths", "gate", "deps", "endpoint", "provenance", "detonate"})

_CHECK_ATTR = "__shipwarden_rule__"
F = TypeVar("F", bound=Callable[..., Any])


def rule(meta: RuleMeta) -> Callable[[F], F]:
    """Mark ``fn`` as the check of ``meta`` (sets an attribute; registers nothing)."""

    def mark(fn: F) -> F:
        setattr(fn, _CHECK_ATTR, meta)
        return fn

    return mark


#: The decorator's name in GitHub workflow rule modules (``check(workflow, repo)``).
workflow_rule = rule


def _modules(name: str) -> list[ModuleType]:
    """The module ``name`` and, when it is a package, every public module directly in it (by name)."""
    module = importlib.import_module(name)
    out = [module]
    if hasattr(module, "__path__"):
        for info in sorted(pkgutil.iter_modules(module.__path__), key=lambda m: m.name):
            if not info.name.startswith("_"):
                out.append(importlib.import_module(f"{name}.{info.name}"))
    return out


def _collect(metas: dict[str, RuleMeta], found: Iterable[RuleMeta], where: str) -> None:
    for meta in found:
        seen = metas.get(meta.id)
        if seen is not None and seen != meta:
            raise ValueError(f"rule id {meta.id!r} declared twice, differently ({where})")
        metas[meta.id] = meta


@cache
def _declared(name: str) -> Mapping[str, RuleMeta]:
    """The module-level ``RuleMeta`` objects of one :data:`RULE_MODULES` entry, by id."""
    metas: dict[str, RuleMeta] = {}
    for module in _modules(name):
        _collect(metas, (v for v in vars(module).values() if isinstance(v, RuleMeta)), module.__name__)
    return metas


@cache
def all_rules() -> Mapping[str, RuleMeta]:
    """Every rule of every command by id, sorted by id: the module-level ``RuleMeta``
    objects of :data:`RULE_MODULES`. Ids are unique across commands (``ValueError`` otherwise)."""
    metas: dict[str, RuleMeta] = {}
    for _command, name in RULE_MODULES:
        _collect(metas, _declared(name).values(), name)
    return dict(sorted(metas.items()))


def get_rule(rule_id: str) -> RuleMeta:
    """The declared metadata of ``rule_id`` (``KeyError`` for an id no rule declares).

    The same answer as ``all_rules()[rule_id]`` (ids are unique), but cheaper: the
    entries of :data:`RULE_MODULES` a run already imported are searched first, so a
    report of ``gate`` does not import the workflow analysis to name its rules.
    """
    loaded = [name for _, name in RULE_MODULES if name in sys.modules]
    for name in [*loaded, *(name for _, name in RULE_MODULES if name not in loaded)]:
        meta = _declared(name).get(rule_id)
        if meta is not None:
            return meta
    raise KeyError(rule_id)


CheckFn = Callable[..., Iterable[Finding]]


@cache
def rule_checks(package: str) -> tuple[tuple[RuleMeta, CheckFn], ...]:
    """The checks marked with :func:`rule` in ``package``'s modules: module-name order, then
    definition order inside a module."""
    out: list[tuple[RuleMeta, CheckFn]] = []
    for module in _modules(package):
        for value in vars(module).values():
            meta = getattr(value, _CHECK_ATTR, None)
            if isinstance(meta, RuleMeta) and callable(value) and getattr(value, "__module__", "") == module.__name__:
                out.append((meta, value))
    return tuple(out)
