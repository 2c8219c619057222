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


def _exposure_note(file: StoreFile) -> str:
    """The file's mode as an aggravating fact of its credential finding (and its fix)."""
    info = file.info
    exposure = info.exposure
    if not exposure.loose:
        return ""
    if file.permissions_fixed:
        return f"; file was {exposure.value} ({info.mode_text}), made owner-only (0600) by --fix-permissions"
    if not info.owned_by_user:
        return f"; file is {exposure.value} ({info.mode_text}) and owned by another user"
    return f"; file is {exposure.value} ({info.mode_text}): `chmod 600 {info.display}`"


def stored_credential(meta: RuleMeta, file: StoreFile, s: Sighting) -> Finding:
    """The finding for a store file, led by its credential ``s``; see :func:`file_finding`."""
    return file_finding(meta, file, [s])


def file_finding(meta: RuleMeta, file: StoreFile, found: list[Sighting]) -> Finding:
    """One finding for ``found`` credentials of one file (no value, only redacted forms): its
    tier the most urgent of theirs, the file's mode as an aggravating fact with its ``chmod``
    (a world-readable `.npmrc` is one problem, not two). Several credentials are one finding
    when the store's file is one login session: an AWS SSO cache's access token, refresh
    token and client secret, which one `aws sso logout` removes together."""
    store, info = file.store, file.info
    tiers = [tier_for(store.publish, s.publish_capable) for s in found]
    lead = min(range(len(found)), key=lambda i: (tiers[i].rank, i))
    order = [lead, *(i for i in range(len(found)) if i != lead)]
    s, tier = found[lead], tiers[lead]
    labels = [safe_label(x.key_path) if x.key_path else (f"line {x.line}" if x.line else "file") for x in found]
    label = labels[lead]
    where = f"`{label}`" if s.key_path else label
    others = [found[i] for i in order[1:]]
    more = ""
    if others:
        shown = "; ".join(
            f"{o.description} at {'`' + labels[found.index(o)] + '`' if o.key_path else labels[found.index(o)]}: {o.redacted}"
            for o in others[:3]
        )
        more = f"; also {shown}" + (f" and {len(others) - 3} more" if len(others) > 3 else "")
    exposure = info.exposure
    fix = store.fix + (f" `chmod 600 {info.display}`." if exposure.loose and not file.permissions_fixed else "")
    return meta.finding(
        f"{s.description} in {info.display} at {where}: {s.redacted} ({s.live}){more}{_exposure_note(file)}",
        [
            Location(info.display, found[i].line, found[i].column, found[i].end_line, found[i].end_column, label=labels[i])
            for i in order
        ],
        tier=tier,
        confidence=s.confidence,
        # no line: survives moves; the credentials' fingerprints: a new credential is a new finding
        key=f"{store.id}:{safe_label(s.key_path)}:{s.fingerprint}"
        + "".join(f"+{found[i].fingerprint}" for i in sorted(order[1:], key=lambda i: found[i].fingerprint)),
        properties={
            "store": store.id,
            "store_name": store.name,
            "category": store.category,
            **sighting_properties(s, label, tier),
            "credentials": [
                {**sighting_properties(found[i], labels[i], tiers[i]), "tier": tiers[i].value} for i in order
            ],
            "mode": info.mode_text,
            "exposure": exposure.value,
            "permissions_fixed": file.permissions_fixed,
            "encrypted": False,
            "fix": fix,
        },
    )


def stored_credentials(meta: RuleMeta) -> FileCheck:
    """The check of a rule that reports the credentials in the stores the catalogue assigns to it
    (``[categories]`` of ``data/credential_stores.toml`` maps a store's category to its rule):
    one finding per credential, or per file for a store whose file is one login session."""

    def check(file: StoreFile) -> Iterator[Finding]:
        if file.store.rule_id != meta.id or not file.sightings:
            return
        if file.store.session:
            yield file_finding(meta, file, list(file.sightings))
        else:
            for s in file.sightings:
                yield file_finding(meta, file, [s])

    return check
