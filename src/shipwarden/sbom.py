"""CycloneDX 1.6 JSON SBOMs (with ``cyclonedx-python-lib``): the dependency
inventory of ``deps`` and the artifact ``gate`` reviewed.

Each component carries its purl, its hashes, and shipwarden's facts as
properties in the ``shipwarden:`` namespace: source kind and URL, lockfile,
dev/optional, install-time code (hooks, the decision, the verdict tier) and,
when ``--verify`` ran, provenance (verified, repository, workflow, ref, commit,
trigger, runner). Output is deterministic: the serial number is derived from the
content and the timestamp comes from ``SOURCE_DATE_EPOCH`` when set."""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from shipwarden import __version__

if TYPE_CHECKING:  # pragma: no cover
    from shipwarden.deps.model import Dependency
    from shipwarden.provenance.check import Result

NS = "shipwarden:"
_HEX_LEN = {"sha1": 40, "sha256": 64, "sha384": 96, "sha512": 128}


def _hashes(values: Iterable[str]) -> list[tuple[str, str]]:
    """``sha512-<b64>`` / ``sha256:<hex>`` / bare hex → (algorithm, hex)."""
    out: list[tuple[str, str]] = []
    for h in values:
        alg, hexd = "", ""
        if h[:7] in ("sha512-", "sha384-", "sha256-") or h.startswith("sha1-"):
            alg, _, b64 = h.partition("-")
            try:
                hexd = base64.b64decode(b64, validate=True).hex()
            except (ValueError, binascii.Error):
                continue
        elif ":" in h:
            alg, _, hexd = h.partition(":")
        if _HEX_LEN.get(alg) != len(hexd) or not all(ch in "0123456789abcdefABCDEF" for ch in hexd):
            continue  # a malformed or truncated hash is left out, never emitted
        if (alg, hexd.lower()) not in out:
            out.append((alg, hexd.lower()))
    return out


def purl(ecosystem: str, name: str, version: str) -> Any:
    from packageurl import PackageURL

    if ecosystem == "npm":
        scope, _, bare = name.rpartition("/") if name.startswith("@") else ("", "", name)
        return PackageURL(type="npm", namespace=scope or None, name=bare, version=version or None)
    normalized = name.lower().replace("_", "-").replace(".", "-")
    return PackageURL(type="pypi", name=normalized, version=version or None)


def _component(
    ecosystem: str,
    name: str,
    version: str,
    hashes: Iterable[str],
    props: Mapping[str, str],
    *,
    kind: str = "library",
) -> Any:
    from cyclonedx.model import HashAlgorithm, HashType, Property
    from cyclonedx.model.bom_ref import BomRef
    from cyclonedx.model.component import Component, ComponentType

    algs = {
        "sha512": HashAlgorithm.SHA_512,
        "sha384": HashAlgorithm.SHA_384,
        "sha256": HashAlgorithm.SHA_256,
        "sha1": HashAlgorithm.SHA_1,
    }
    p = purl(ecosystem, name, version)
    group, _, bare = name.rpartition("/") if ecosystem == "npm" and name.startswith("@") else ("", "", name)
    return Component(
        name=bare,
        group=group or None,
        version=version or None,
        type=ComponentType.APPLICATION if kind == "application" else ComponentType.LIBRARY,
        purl=p,
        bom_ref=BomRef(p.to_string()),
        hashes=[HashType(alg=algs[a], content=h) for a, h in _hashes(hashes)],
        properties=[Property(name=NS + k, value=v) for k, v in sorted(props.items()) if v != ""],
    )


def _bom(components: list[Any], root: Any | None) -> str:
    from cyclonedx.model.bom import Bom, BomMetaData
    from cyclonedx.model.component import Component, ComponentType
    from cyclonedx.model.tool import ToolRepository
    from cyclonedx.output.json import JsonV1Dot6

    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    when = datetime.fromtimestamp(int(epoch), tz=UTC) if epoch.isdigit() else datetime.now(UTC)
    components.sort(key=lambda c: str(c.bom_ref.value))
    basis = "\n".join(
        f"{c.bom_ref.value}|{[(h.alg.value, h.content) for h in c.hashes]}|{[(p.name, p.value) for p in c.properties]}"
        for c in components
    )
    if root is not None:
        basis = f"{root.bom_ref.value}\n{basis}"
    serial = uuid.uuid5(uuid.NAMESPACE_URL, "shipwarden-sbom:" + hashlib.sha256(basis.encode()).hexdigest())
    meta = BomMetaData(
        timestamp=when,
        tools=ToolRepository(
            components=[Component(type=ComponentType.APPLICATION, name="shipwarden", version=__version__)]
        ),
        component=root,
    )
    seen: set[str] = set()
    unique = []
    for c in components:
        if c.bom_ref.value not in seen and (root is None or c.bom_ref.value != root.bom_ref.value):
            seen.add(c.bom_ref.value)
            unique.append(c)
    bom = Bom(serial_number=serial, metadata=meta, components=unique)
    if root is not None:
        bom.register_dependency(root, unique)
    return str(JsonV1Dot6(bom).output_as_string(indent=2)) + "\n"


def provenance_properties(result: Result | None) -> dict[str, str]:
    if result is None:
        return {}
    props = {
        "provenance:attestations": str(len(result.verifications)),
        "provenance:verified": "true" if result.verified else "false",
    }
    c = result.claims
    if c is not None:
        props.update(
            {
                "provenance:identity": c.identity,
                "provenance:repository": c.repository,
                "provenance:repository-id": c.repository_id,
                "provenance:workflow": c.workflow_path,
                "provenance:ref": c.ref,
                "provenance:commit": c.commit,
                "provenance:trigger": c.trigger,
                "provenance:runner": c.runner_environment,
            }
        )
    return props


def deps_sbom(
    dependencies: Iterable[Dependency],
    hooks: Iterable[Any] = (),
    provenance: Mapping[tuple[str, str, str], Result] | None = None,
) -> str:
    """The SBOM of a ``deps`` inventory. ``hooks`` are ``HookRecord``s."""
    by_key: dict[tuple[str, str, str], list[Any]] = {}
    for rec in hooks:
        h = rec.hook
        by_key.setdefault((h.ecosystem.value, h.package, h.version), []).append(rec)
    comps = []
    done: set[tuple[str, str, str]] = set()
    for dep in dependencies:
        if dep.key in done:
            continue
        done.add(dep.key)
        props = {
            "source": dep.source.kind.value,
            "source-url": dep.source.url,
            "lockfile": dep.origin.path,
            "dev": "true" if dep.dev else "",
            "optional": "true" if dep.optional else "",
            "install-script": {True: "true", False: "false", None: "unknown"}[dep.install_script],
            "builds-from-source": "true" if dep.builds_from_source else "",
        }
        recs = by_key.get(dep.key, [])
        if recs:
            props["install-hooks"] = ", ".join(sorted({f"{r.hook.event}" for r in recs}))
            props["install-decision"] = ", ".join(sorted({r.decision.value for r in recs}))
            props["install-tier"] = min((r.tier.value for r in recs), default="")
            props["install-script"] = "true"
        props.update(provenance_properties((provenance or {}).get(dep.key)))
        comps.append(_component(dep.ecosystem.value, dep.name, dep.version, dep.hashes, props))
    return _bom(comps, None)


@dataclass(frozen=True, slots=True)
class ArtifactFacts:
    """One reviewed artifact, as ``gate`` saw it."""

    ecosystem: str  # npm | pypi
    name: str
    version: str
    digests: Mapping[str, str]
    dependencies: tuple[tuple[str, str], ...] = ()  # (name, declared range)
    properties: Mapping[str, str] = field(default_factory=dict)


def artifacts_sbom(artifacts: list[ArtifactFacts]) -> str:
    """The SBOM of the reviewed artifact(s) (``gate --sbom``): one artifact is the
    root component with its declared dependencies as components; several are
    listed side by side, each with its dependencies."""
    comps: list[Any] = []
    roots: list[Any] = []
    for a in artifacts:
        root = _component(
            a.ecosystem, a.name, a.version, [f"{k}:{v}" for k, v in a.digests.items()], a.properties, kind="application"
        )
        roots.append(root)
        for dep, rng in sorted(set(a.dependencies)):
            comps.append(_component(a.ecosystem, dep, "", (), {"declared-range": rng}))
    if len(roots) == 1:
        return _bom(comps, roots[0])
    return _bom(roots + comps, None)


def validate(text: str) -> str | None:
    """Schema errors of a CycloneDX 1.6 JSON document (None when valid); needs
    ``jsonschema`` (a development dependency)."""
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    err = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    return None if err is None else str(err)
