"""Attestations and release history through the user's configured registries
(cached by :class:`shipwarden.registry.RegistryClient`)."""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shipwarden.core.safeio import load_json
from shipwarden.provenance.intent import Release
from shipwarden.registry import RegistryClient, RegistryError

JSON_ACCEPT = "application/json"
PYPI_JSON_ACCEPT = "application/vnd.pypi.simple.v1+json"


@dataclass(slots=True)
class Published:
    """What the registry says about one version: its attestation document (the raw
    response, or None when the registry lists none) and the package's history."""

    package: str
    version: str
    attestations: bytes | None
    attestations_url: str = ""
    history: list[Release] = field(default_factory=list)
    #: digests the registry records for the artifact (sha512 / sha256)
    digests: dict[str, str] = field(default_factory=dict)
    filename: str = ""


def _time(text: Any) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def _order(r: Release) -> tuple[float, str]:
    return (r.published.timestamp() if r.published else 0.0, r.version)


def _get(client: RegistryClient, url: str, accept: str = JSON_ACCEPT) -> bytes:
    return client._metadata(url, accept)


def npm_history(doc: dict[str, Any]) -> list[Release]:
    times = _table(doc, "time")
    out: list[Release] = []
    name = str(doc.get("name") or "")
    for version, entry in (doc.get("versions") or {}).items():
        if not isinstance(entry, dict):
            continue
        dist = _table(entry, "dist")
        user = _table(entry, "_npmUser")
        out.append(
            Release(
                package=name,
                version=str(version),
                published=_time(times.get(version)),
                identity=str(user.get("name") or ""),
                has_provenance=isinstance(dist.get("attestations"), dict),
            )
        )
    out.sort(key=_order)
    return out


def _sri_to_hex(integrity: str) -> dict[str, str]:
    import base64
    import binascii

    out: dict[str, str] = {}
    for part in integrity.split():
        alg, _, b64 = part.partition("-")
        if alg in ("sha512", "sha256"):
            try:
                out[alg] = base64.b64decode(b64).hex()
            except (ValueError, binascii.Error):
                continue
    return out


def npm_published(client: RegistryClient, name: str, version: str) -> Published:
    doc = client.npm_packument(name)
    tags = _table(doc, "dist-tags")
    version = str(tags.get(version, version)) if version else str(tags.get("latest", ""))
    entry = doc["versions"].get(version)
    if not isinstance(entry, dict):
        raise RegistryError(f"npm:{name}: no version {version!r}")
    dist = _table(entry, "dist")
    history = npm_history(doc)
    pub = Published(name, version, None, history=history, digests=_sri_to_hex(str(dist.get("integrity") or "")))
    att = dist.get("attestations")
    if isinstance(att, dict) and isinstance(att.get("url"), str):
        url = urllib.parse.urljoin(client.npm_registry(name), att["url"])
        pub.attestations_url = url
        pub.attestations = _get(client, url)
    return pub


def pypi_published(
    client: RegistryClient, name: str, version: str, filename: str = "", sha256s: set[str] | None = None
) -> Published:
    """A distribution's PEP 740 provenance via the index's JSON ``provenance`` key."""
    from shipwarden.registry.client import _dist_version, _normalize_pypi, same_version

    url = client.pypi_index() + _normalize_pypi(name) + "/"
    try:
        doc = load_json(_get(client, url, PYPI_JSON_ACCEPT), what="index page")
    except ValueError:
        raise RegistryError(f"{url}: the index did not answer in JSON; provenance needs the JSON API") from None
    files = [f for f in (doc.get("files") or []) if isinstance(f, dict) and isinstance(f.get("filename"), str)]
    history: dict[str, Release] = {}
    chosen: dict[str, Any] | None = None
    for f in files:
        kind, ver = _dist_version(f["filename"])
        if not kind:
            continue
        rel = history.setdefault(ver, Release(_normalize_pypi(name), ver, published=_time(f.get("upload-time"))))
        rel.has_provenance = rel.has_provenance or bool(f.get("provenance"))
        if not same_version(ver, version) or (filename and f["filename"] != filename):
            continue
        sha = str((f.get("hashes") or {}).get("sha256") or "").lower()
        if sha256s and sha not in sha256s:
            continue
        # the locked file with an attestation first
        if chosen is None or (f.get("provenance") and not chosen.get("provenance")):
            chosen = f
    if chosen is None:
        raise RegistryError(f"pypi:{name}=={version}: no such distribution on the index")
    pub = Published(
        _normalize_pypi(name),
        version,
        None,
        history=sorted(history.values(), key=_order),
        digests={"sha256": str((chosen.get("hashes") or {}).get("sha256") or "")},
        filename=chosen["filename"],
    )
    prov = chosen.get("provenance")
    if isinstance(prov, str) and prov:
        pub.attestations_url = urllib.parse.urljoin(url, prov)
        pub.attestations = _get(client, pub.attestations_url)
    return pub


def _table(parent: Any, key: str) -> dict[str, Any]:
    value = parent.get(key) if isinstance(parent, dict) else None
    return value if isinstance(value, dict) else {}
