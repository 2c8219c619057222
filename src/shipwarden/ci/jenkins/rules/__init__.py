"""Jenkins rules: one module per rule; each ``@rule``-marked check is found by :func:`load_rules`."""

from __future__ import annotations

from functools import cache

from shipwarden.ci.jenkins.model import Jenkinsfile
from shipwarden.ci.registry import ProviderRule, provider_rules


@cache
def load_rules() -> tuple[ProviderRule[Jenkinsfile], ...]:
    return provider_rules(__name__, Jenkinsfile)
