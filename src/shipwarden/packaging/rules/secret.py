"""``gate-secret``: a credential in a file the release would publish (or in an original a source map embeds).

The tier follows the match (:mod:`shipwarden.secrets`: confidence, publish
capability) and where it sits: test and documentation material, and
documentation written into the code (a JSDoc ``@example``, a docstring), lower
it with the reason said in the finding.
"""

from __future__ import annotations

from shipwarden.core.findings import Confidence, Tier
from shipwarden.packaging.material import in_fixture_folder, non_production
from shipwarden.packaging.review import Review
from shipwarden.packaging.rules.common import PACKAGING_ROW, gate_rule
from shipwarden.packaging.secretscan import LocatedSecret
from shipwarden.secrets import token_kinds

META = gate_rule("gate-secret", PACKAGING_ROW, Tier.P0, Confidence.HIGH, "Secret inside the published artifact")


def check(review: Review, path: str, hit: LocatedSecret, origin: str = "") -> None:
    m = hit.match
    # test suites and docs carry private keys as material (TLS and SSH test keys)
    private_key = token_kinds()[m.kind].private_key
    if m.confidence is Confidence.LOW:
        # a contextual guess (``client_secret = …``): never blocking on its own
        tier = Tier.P2
    elif m.publish_capable or m.confidence is Confidence.HIGH:
        tier = Tier.P0
    else:
        tier = Tier.P1
    context = non_production(origin or path)
    fixture = ""
    if context and tier is not Tier.P2 and (private_key or m.confidence is not Confidence.HIGH):
        # test TLS/SSH keys and example URLs or tokens in tests and docs are material;
        # a provider token format (npm_, ghp_, AKIA…) keeps its tier wherever it is
        tier = Tier.P2
        fixture = (
            " (in test material: a test key or fixture, probably; generate it at test time or use an"
            " obviously fake value)"
            if context == "test"
            else " (in documentation or example material: an example value, probably)"
        )
    elif in_fixture_folder(origin or path):
        fixture = " (a test fixture: use an obviously fake value)"
    confidence = m.confidence
    if m.context and tier is not Tier.P2:
        # written for readers (a JSDoc @example, a docstring): an example value, probably;
        # a provider's token format (npm_, ghp_, AKIA…) is still worth a look wherever it is
        provider = m.publish_capable or (m.confidence is Confidence.HIGH and not private_key)
        tier = Tier.P1 if provider else Tier.P2
        confidence = Confidence.MEDIUM if provider else Confidence.LOW
        fixture = f" (in {m.context}: an example value, probably" + (
            "; but the format is a real provider's token: check it)" if provider else ")"
        )
    where = f" in original file {origin} (embedded in the source map)" if origin else ""
    # the same value twice in one file (two assignments, two originals of one map) is two
    # findings: the later ones are numbered (``#2``), the first keeps the key it always had;
    # a baseline written when they shared it still matches them (``previous_key``)
    base = f"{m.kind}:{m.fingerprint}"
    key = review.repeats(base, path)
    publish = "; it can publish packages" if m.publish_capable else ""
    review.add(
        META,
        f"{m.description} {m.redacted}{where} would be published{publish}{fixture}",
        path,
        line=0 if origin else hit.line,
        column=0 if origin else hit.column,
        end_column=0 if origin else hit.end_column,
        tier=tier,
        confidence=confidence,
        key=key,
        previous_key=base if key != base else "",
        properties={
            "kind": m.kind,
            "redacted": m.redacted,
            "fingerprint": m.fingerprint,
            "publish_capable": m.publish_capable,
            **({"original_file": origin} if origin else {}),
            **({"context": context} if context else {}),
            **({"doc_context": m.context} if m.context else {}),
        },
    )
