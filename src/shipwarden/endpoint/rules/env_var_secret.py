"""``endpoint-env-var-secret``: a credential in an environment variable of the swept process.

Every child of the login shell (an install script included) inherits it.
A value counts when it has a known token format, or when the variable's
name is a publish-token name or a secret-looking one (the catalogue's
``[environment]`` table) and the value is strong enough to be a secret.
P1 when the name or the token can publish.
"""

from __future__ import annotations

from collections.abc import Iterator

from shipwarden.core.catalogue import RuleMeta
from shipwarden.core.findings import Confidence, Finding, Location, Tier
from shipwarden.endpoint.evidence import EnvVariable
from shipwarden.endpoint.parsers import Leaf
from shipwarden.endpoint.rules.common import COMMAND, ROW, sighting_properties
from shipwarden.endpoint.sightings import (
    AUTH_SCHEME,
    Evaluator,
    Sighting,
    from_match,
    passphrase_protected,
    safe_label,
    strong_named_value,
    unrecognised,
)
from shipwarden.secrets import scan_text

META = RuleMeta(
    id="endpoint-env-var-secret",
    row=ROW,
    tier=Tier.P2,
    confidence=Confidence.MEDIUM,
    title="credential in an environment variable of the current process",
    command=COMMAND,
)

#: Longest value inspected.
MAX_VALUE_CHARS = 65536
FIX = (
    "Inject the credential only into the process that needs it (a secret manager's `run` wrapper), "
    "not into the login shell; prefer short-lived tokens."
)


def inspect(name: str, value: str, evaluator: Evaluator) -> EnvVariable | None:
    """The credentials in one variable; None when it holds none."""
    if not value or len(value) > MAX_VALUE_CHARS:
        return None
    rules_env = evaluator.catalogue.environment
    leaf = Leaf(name, value)
    found = [from_match(m, leaf, name, verbatim=False) for m in scan_text(value) if not passphrase_protected(m)]
    publish = rules_env.is_publish(name)
    if not found and (publish or rules_env.names.is_secret(name)):
        secret = AUTH_SCHEME.sub("", value).strip()
        if not evaluator.skip_value(secret) and strong_named_value(secret):
            found = [unrecognised(secret, leaf, "credential of unrecognised format")]
    unique = tuple({s.fingerprint: s for s in found}.values())
    return EnvVariable(name, unique, publish) if unique else None


def _finding(name: str, s: Sighting, publish_name: bool) -> Finding:
    tier = Tier.P1 if (publish_name or s.publish_capable) else Tier.P2
    label = safe_label(name)
    return META.finding(
        f"{s.description} in environment variable {label}: {s.redacted} ({s.live})",
        [Location(f"env:{label}", 0, 0, label=label)],
        tier=tier,
        confidence=s.confidence,
        key=f"env:{label}:{s.fingerprint}",
        properties={
            "store": "environment",
            "category": "environment",
            **sighting_properties(s, label, tier),
            "fix": FIX,
        },
    )


def check(variable: EnvVariable) -> Iterator[Finding]:
    for s in variable.sightings:
        yield _finding(variable.name, s, variable.publish_name)
