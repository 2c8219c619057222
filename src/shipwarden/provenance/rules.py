"""Rule metadata of ``shipwarden provenance`` and ``deps --verify``."""

from __future__ import annotations

from shipwarden.core.catalogue import RuleMeta
from shipwarden.core.findings import Confidence, Tier

COMMAND = "provenance"


def _rule(rule_id: str, row: int, tier: Tier, confidence: Confidence, title: str) -> RuleMeta:
    return RuleMeta(rule_id, row, tier, confidence, title, command=COMMAND)


INVALID = _rule(
    "provenance-invalid", 5, Tier.P0, Confidence.HIGH,
    "the attestation does not verify (signature, certificate, log entry or subject digest)",
)
UNTRUSTED_TRIGGER = _rule(
    "provenance-untrusted-trigger", 2, Tier.P0, Confidence.HIGH,
    "the signed build was started by a trigger an outsider can start with repository privileges",
)
POISONABLE_PIPELINE = _rule(
    "provenance-poisonable-pipeline", 2, Tier.P0, Confidence.HIGH,
    "provenance valid, pipeline poisonable: an attack path reaches the signing workflow's publish job",
)
UNEXPECTED_REF = _rule(
    "provenance-unexpected-ref", 5, Tier.P1, Confidence.MEDIUM,
    "built from a ref that is neither a release tag nor the default branch",
)
SELF_HOSTED = _rule(
    "provenance-self-hosted-runner", 2, Tier.P1, Confidence.HIGH,
    "built on a self-hosted runner",
)
WORKFLOW_CHANGED = _rule(
    "provenance-workflow-changed", 5, Tier.P1, Confidence.HIGH,
    "built by a different workflow (or repository) than the policy or the previous versions name",
)
REPOSITORY_CHANGED = _rule(
    "provenance-repository-changed", 3, Tier.P1, Confidence.HIGH,
    "the source repository's immutable identity changed",
)
DROPPED = _rule(
    "provenance-dropped", 5, Tier.P1, Confidence.HIGH,
    "previous versions carried provenance; this one has none",
)
MISSING = _rule(
    "provenance-missing", 5, Tier.P1, Confidence.HIGH,
    "the policy requires provenance for this package and it has none",
)
BURST = _rule(
    "provenance-burst", 5, Tier.P1, Confidence.MEDIUM,
    "many versions published within minutes by one identity",
)
UNTRACEABLE = _rule(
    "provenance-untraceable-commit", 5, Tier.P1, Confidence.HIGH,
    "the attested commit is not in the given source repository",
)
PERSON_SIGNED = _rule(
    "provenance-person-signed", 5, Tier.P2, Confidence.HIGH,
    "signed by a person's identity, not by a CI workflow: it attests who published, not how it was built",
)
