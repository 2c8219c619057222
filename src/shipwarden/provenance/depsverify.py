"""``deps --against REF --verify``: the provenance of every package whose locked
version changed (or that is new) since REF.

For each: the registry's attestations for the new version are verified offline
against the digest the lockfile pins (so the locked artifact is the attested
one, without downloading it); the previous version's attestations give the
claims to compare (same repository and workflow, no dropped provenance); the
publish history of all changed packages feeds the burst rule; the policy can
require provenance for named scopes."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from shipwarden.core.findings import Finding, ScanError
from shipwarden.core.progress import SILENT, Progress
from shipwarden.deps.model import Dependency, Ecosystem, Lockfile, SourceKind
from shipwarden.provenance import fetch
from shipwarden.provenance.check import Result, Target, check, claims_of, verify_documents
from shipwarden.provenance.claims import Claims
from shipwarden.provenance.intent import Policy, Release
from shipwarden.provenance.verify import TrustRoot
from shipwarden.registry import RegistryClient, RegistryError


@dataclass(slots=True)
class Update:
    dependency: Dependency
    previous: str  # "" when the package is new


@dataclass(slots=True)
class VerifyOutcome:
    findings: list[Finding] = field(default_factory=list)
    errors: list[ScanError] = field(default_factory=list)
    results: list[Result] = field(default_factory=list)
    stats: dict[str, int] = field(default_factory=dict)


def updates(current: Iterable[Dependency], old: Iterable[Lockfile]) -> list[Update]:
    """Registry packages whose version is new since the old lockfiles."""
    before: dict[tuple[str, str], set[str]] = {}
    for lock in old:
        for dep in lock.dependencies:
            before.setdefault((dep.ecosystem.value, dep.name), set()).add(dep.version)
    out: list[Update] = []
    seen: set[tuple[str, str, str]] = set()
    for dep in current:
        if dep.source.kind is not SourceKind.REGISTRY or not dep.version or dep.key in seen:
            continue
        seen.add(dep.key)
        prev = before.get((dep.ecosystem.value, dep.name))
        if prev is not None and dep.version in prev:
            continue
        out.append(Update(dep, max(prev, key=_vkey) if prev else ""))
    return out


def _vkey(text: str) -> tuple[int, ...]:
    parts = []
    for p in text.split("-")[0].split("."):
        parts.append(int(p) if p.isdigit() else 0)
    return tuple(parts)


def pinned_digests(dep: Dependency) -> dict[str, str]:
    """The lockfile's hashes as hex digests (``sha512-<b64>`` SRI, ``sha256:<hex>``)."""
    out: dict[str, str] = {}
    for h in dep.hashes:
        if h.startswith(("sha512-", "sha256-")):
            alg, _, b64 = h.partition("-")
            try:
                out.setdefault(alg, base64.b64decode(b64).hex())
            except (ValueError, binascii.Error):
                continue
        elif h.startswith(("sha256:", "sha512:")):
            alg, _, hexd = h.partition(":")
            out.setdefault(alg, hexd.lower())
    return out


def _sha256s(dep: Dependency) -> set[str]:
    return {h.partition(":")[2].lower() for h in dep.hashes if h.startswith("sha256:")}


@dataclass(slots=True)
class _Fetched:
    update: Update
    published: fetch.Published | None = None
    previous_claims: dict[str, Claims] = field(default_factory=dict)
    error: str = ""


def _fetch_one(client: RegistryClient, up: Update, root: TrustRoot) -> _Fetched:
    dep = up.dependency
    out = _Fetched(up)
    try:
        if dep.ecosystem is Ecosystem.NPM:
            out.published = fetch.npm_published(client, dep.name, dep.version)
            prev_version = up.previous
            if prev_version:
                prev = fetch.npm_published(client, dep.name, prev_version)
                if prev.attestations:
                    vs = verify_documents(
                        [(prev.attestations, prev.attestations_url)], Target("npm", dep.name, prev_version), root
                    )
                    good = [v for v in vs if v.signature_valid]
                    good.sort(key=lambda v: 0 if "slsa" in str((v.statement or {}).get("predicateType")) else 1)
                    claims = claims_of(good[0]) if good else None
                    if claims is not None:
                        out.previous_claims[prev_version] = claims
        else:
            out.published = fetch.pypi_published(client, dep.name, dep.version, sha256s=_sha256s(dep))
    except RegistryError as exc:
        out.error = str(exc)
    return out


def verify_updates(
    ups: list[Update],
    client: RegistryClient,
    *,
    root: TrustRoot,
    policy: Policy,
    workers: int = 8,
    progress: Progress = SILENT,
) -> VerifyOutcome:
    outcome = VerifyOutcome()
    task = progress.task("Fetching and verifying attestations", len(ups))
    fetched: list[_Fetched] = []
    try:
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            for one in pool.map(lambda u: _fetch_one(client, u, root), ups):
                fetched.append(one)
                task.advance()
    finally:
        task.done()
    releases: list[Release] = [r for f in fetched if f.published for r in f.published.history]
    for f in fetched:
        dep = f.update.dependency
        if f.published is None:
            outcome.errors.append(ScanError(dep.origin.path, f"{dep.name}@{dep.version}: {f.error}", "registry"))
            continue
        pub = f.published
        eco = "npm" if dep.ecosystem is Ecosystem.NPM else "pypi"
        target = Target(eco, dep.name, dep.version, digests=pinned_digests(dep) or dict(pub.digests), filename=pub.filename)
        docs = [(pub.attestations, pub.attestations_url)] if pub.attestations else []
        history = list(pub.history)
        if f.update.previous and not any(r.version == f.update.previous for r in history):
            history.insert(0, Release(dep.name, f.update.previous))
        history = _upto(history, dep.version)
        res = check(
            target,
            docs,
            root=root,
            policy=policy,
            history=history,
            previous_claims=f.previous_claims,
            releases=releases,
        )
        for finding in res.findings:
            finding.locations = [dep.origin, *finding.locations[1:]]
            finding.properties.setdefault("package", f"{dep.name}@{dep.version}")
            if f.update.previous:
                finding.properties.setdefault("previous_version", f.update.previous)
        outcome.findings.extend(res.findings)
        outcome.results.append(res)
    outcome.stats = {
        "verify_updates": len(ups),
        "verify_attested": sum(1 for r in outcome.results if r.verifications),
        "verify_verified": sum(1 for r in outcome.results if r.verified),
    }
    return outcome


def _upto(history: list[Release], version: str) -> list[Release]:
    """Releases published up to ``version`` (the registry's order), ending with it."""
    idx = next((i for i, r in enumerate(history) if r.version == version), None)
    return history[: idx + 1] if idx is not None else history


def verify_against(
    root_dir: Path,
    current: list[Dependency],
    lockfiles: list[Lockfile],
    rev: str,
    client: RegistryClient,
    *,
    trust: TrustRoot,
    policy: Policy,
    progress: Progress = SILENT,
) -> VerifyOutcome:
    from shipwarden.deps.history import HistoryError, lockfiles_at

    try:
        old, errors = lockfiles_at(root_dir, rev, [lock.path for lock in lockfiles])
    except HistoryError as exc:
        return VerifyOutcome(errors=[ScanError(".", f"--verify: {exc}", "git")])
    outcome = verify_updates(updates(current, old), client, root=trust, policy=policy, progress=progress)
    outcome.errors = errors + outcome.errors
    return outcome
