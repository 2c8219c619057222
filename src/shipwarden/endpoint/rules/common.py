"""What the endpoint rules share: the tier of a stored credential and the finding that reports it."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from shipwarden.core.catalogue import RuleMeta
from shipwarden.core.findings import Finding, Location, Tier
from shipwarden.endpoint.evidence import StoreFile
from shipwarden.endpoint.sightings import Sighting, safe_label
from shipwarden.knowledge.credential_stores import Publish

ROW = 1
COMMAND = "endpoint"

FileCheck = Callable[[StoreFile], Iterator[Finding]]


def tier_for(publish: Publish, publish_capable: bool) -> Tier:
    """P1 when the store (or this credential's kind) can publish packages or push code, else P2."""
    if publish is Publish.ALWAYS:
        return Tier.P1
    if publish is Publish.NEVER:
        return Tier.P2
    return Tier.P1 if publish_capable else Tier.P2


def sighting_properties(s: Sighting, label: str, tier: Tier) -> dict[str, object]:
    """The properties every credential finding carries (never the value)."""
    return {
        "credential": s.kind,
        "description": s.description,
        "key_path": label,
        "redacted": s.redacted,
        "secret_fingerprint": s.fingerprint,
        "live": s.live,
        "entropy": s.entropy,
        "publish_capable": tier is Tier.P1,
    }


def stored_credential(meta: RuleMeta, file: StoreFile, s: Sighting) -> Finding:
    """The finding for one credential in one store file (no value, only its redacted form)."""
    store, info = file.store, file.info
    tier = tier_for(store.publish, s.publish_capable)
    label = safe_label(s.key_path) if s.key_path else (f"line {s.line}" if s.line else "file")
    where = f"`{label}`" if s.key_path else label
    exposure = info.exposure
    perm = f"; file is {exposure.value} ({info.mode_text})" if exposure.loose else ""
    return meta.finding(
        f"{s.description} in {info.display} at {where}: {s.redacted} ({s.live}){perm}",
        [Location(info.display, s.line, s.column, s.end_line, s.end_column, label=label)],
        tier=tier,
        confidence=s.confidence,
        key=f"{store.id}:{safe_label(s.key_path)}:{s.fingerprint}",  # no line: survives moves
        properties={
            "store": store.id,
            "store_name": store.name,
            "category": store.category,
            **sighting_properties(s, label, tier),
            "mode": info.mode_text,
            "exposure": exposure.value,
            "encrypted": False,
            "fix": store.fix,
        },
    )


def stored_credentials(meta: RuleMeta) -> FileCheck:
    """The check of a rule that reports every credential in the stores the catalogue assigns to it
    (``[categories]`` of ``data/credential_stores.toml`` maps a store's category to its rule)."""

    def check(file: StoreFile) -> Iterator[Finding]:
        if file.store.rule_id == meta.id:
            for s in file.sightings:
                yield stored_credential(meta, file, s)

    return check
