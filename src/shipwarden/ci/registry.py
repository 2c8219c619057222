"""Rule registries of the GitLab and Jenkins providers (ids are global: ``rules.registry.declare``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from shipwarden.core.catalogue import RuleMeta, declare
from shipwarden.core.findings import Finding

M = TypeVar("M")


@dataclass(frozen=True, slots=True)
class ProviderRule(Generic[M]):
    meta: RuleMeta
    check: Callable[[M], Iterable[Finding]] = field(compare=False)


class Registry(Generic[M]):
    """Rules of one provider, in registration order; ``check(model)`` yields findings."""

    def __init__(self) -> None:
        self.rules: list[ProviderRule[M]] = []

    def rule(self, meta: RuleMeta) -> Callable[[Callable[[M], Iterable[Finding]]], Callable[[M], Iterable[Finding]]]:
        declare(meta)

        def wrap(fn: Callable[[M], Iterable[Finding]]) -> Callable[[M], Iterable[Finding]]:
            self.rules.append(ProviderRule(meta, fn))
            return fn

        return wrap
