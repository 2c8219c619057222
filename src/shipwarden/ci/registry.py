"""The checks of one CI provider's rule package (GitLab, Jenkins), typed by the model they read."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import field
from typing import Generic, TypeVar

from shipwarden.core.catalogue import RuleMeta, rule_checks
from shipwarden.core.findings import Finding
from shipwarden.core.structs import struct

M = TypeVar("M")


@struct(frozen=True)
class ProviderRule(Generic[M]):
    meta: RuleMeta
    check: Callable[[M], Iterable[Finding]] = field(compare=False)


def provider_rules(package: str, model: type[M]) -> tuple[ProviderRule[M], ...]:
    """The ``@rule``-marked checks ``check(model)`` of ``package``, in module-name order."""
    return tuple(ProviderRule(meta, check) for meta, check in rule_checks(package))
