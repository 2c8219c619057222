"""One artifact's provenance, end to end: find its bundles, verify them offline,
read the claims and judge the intent. The ``provenance`` command and
``deps --verify`` both call :func:`check`."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shipwarden.core.findings import Finding, Location, Repeats
from shipwarden.provenance import rules
from shipwarden.provenance.claims import Claims, add_statement, certificate_claims
from shipwarden.provenance.intent import Policy, Release, Subject, judge
from shipwarden.provenance.verify import TrustRoot, Verification, file_digests, parse_documents, verify_bundle


@dataclass(slots=True)
class Target:
    """What is judged: an ecosystem, a name and version, and what is known of it."""

    ecosystem: str  # npm | pypi
    name: str
    version: str
    artifact: Path | None = None
    digests: dict[str, str] = field(default_factory=dict)
    filename: str = ""  # PyPI distribution file name (the subject name)


NPM_FILE = re.compile(r"^(?P<name>.+)-(?P<version>\d+\.\d+\.\d+[^/]*)\.tgz$")


def parse_target(text: str) -> Target:
    """``name@version`` / ``npm:name@version`` (npm), ``name==version`` / ``pypi:...``
    (Python), or an artifact file (``.tgz``, ``.whl``, ``.tar.gz``, ``.zip``)."""
    from shipwarden.registry.client import _dist_version

    path = Path(text)
    if path.is_file():
        digests = file_digests(str(path))
        if path.name.endswith((".whl", ".tar.gz", ".zip")):
            kind, version = _dist_version(path.name)
            name = re.split(r"-\d", path.name, maxsplit=1)[0]
            return Target("pypi", name, version, path, digests, path.name)
        m = NPM_FILE.match(path.name)
        return Target("npm", m["name"] if m else path.stem, m["version"] if m else "", path, digests)
    body = text
    if body.startswith("pypi:") or ("==" in body and not body.startswith("npm:")):
        name, _, version = body.removeprefix("pypi:").partition("==")
        return Target("pypi", name.strip(), version.strip())
    body = body.removeprefix("npm:")
    at = body.find("@", 1)
    name, version = (body, "") if at < 0 else (body[:at], body[at + 1 :])
    return Target("npm", name, version)


def stable_name(path: Path, cwd: Path | None = None) -> str:
    """How a bundle file is named in findings, whichever way it was typed: its path
    relative to the working directory (POSIX, no ``./``), after resolving the
    symbolic links of its folders and of the working directory; its absolute path
    when it lies outside. ``x``, ``./x``, ``$PWD/x`` and ``link/x`` (``link`` a
    symbolic link to ``.``) are all ``x``. The file's own name is kept as it is
    (reading refuses a symbolic link there)."""
    here = os.path.realpath(cwd if cwd is not None else os.getcwd())
    full = os.path.join(os.path.realpath(os.path.dirname(os.path.abspath(path))), os.path.basename(path))
    rel = os.path.relpath(full, here)
    if rel == os.pardir or rel.startswith(os.pardir + os.sep):
        return Path(full).as_posix()
    return Path(rel).as_posix()


@dataclass(slots=True)
class Result:
    target: Target
    verifications: list[Verification] = field(default_factory=list)
    claims: Claims | None = None
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: where the bundles came from (files or registry addresses)
    sources: list[str] = field(default_factory=list)

    @property
    def verified(self) -> bool:
        return any(v.verified for v in self.verifications)

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": f"{self.target.name}@{self.target.version}",
            "verified": self.verified,
            "verifications": [v.to_dict() for v in self.verifications],
            "claims": self.claims.to_dict() if self.claims else None,
            "notes": self.notes,
        }


def verify_documents(docs: Iterable[tuple[bytes, str]], target: Target, root: TrustRoot) -> list[Verification]:
    """Verify every bundle in the given (raw document, source) pairs; an
    unreadable document is a verification with a failed ``bundle`` check."""
    from shipwarden.provenance.verify import BundleError, Check, _pep740_cross_check, skipped

    out: list[Verification] = []
    for raw, source in docs:
        try:
            parsed = parse_documents(raw, source)
        except BundleError as exc:
            out.append(Verification(source=source, kind="unreadable", checks=[Check("bundle", False, str(exc))]))
            continue
        for bundle, media, extra in parsed:
            if bundle is None:
                out.append(skipped(source, media, str(extra.get("skipped", ""))))
                continue
            res = verify_bundle(bundle, root=root, digests=target.digests or None, source=source, media=media)
            if extra.get("pep740") is not None:
                _pep740_cross_check(res, extra["pep740"], root, target.digests, target.filename or None)
            out.append(res)
    return out


def claims_of(verification: Verification) -> Claims | None:
    if verification.certificate is None:
        return None
    return add_statement(certificate_claims(verification.certificate), verification.statement)


def _invalid(target: Target, v: Verification, repeats: Repeats, typed: str) -> Finding:
    failed = v.failures[0].name if v.failures else "incomplete"
    base = f"{target.name}|{v.source}|{failed}"
    key = repeats(base, v.source)
    return rules.INVALID.finding(
        f"`{target.name}@{target.version}`: the attestation in `{v.source}` does not verify — {v.reason}",
        [Location(v.source, label=f"{target.name}@{target.version}")],
        key=key,
        # a baseline written when the attestations of one document shared the key, or
        # with the bundle named as typed, still matches them
        previous_key=f"{target.name}|{typed}|{failed}" if key != base or typed != v.source else "",
        properties={"checks": [c.to_dict() for c in v.checks], "kind": v.kind},
    )


def check(
    target: Target,
    documents: Iterable[tuple[bytes, str]],
    *,
    root: TrustRoot,
    policy: Policy | None = None,
    history: list[Release] | None = None,
    previous_claims: Mapping[str, Claims] | None = None,
    repo: Path | None = None,
    releases: Iterable[Release] = (),
    typed: Mapping[str, str] | None = None,
) -> Result:
    """Verify ``documents`` for ``target`` and judge them.

    ``history`` lists earlier releases (oldest first); ``previous_claims`` maps
    some of their versions to the claims their own attestations made. ``typed``
    maps a source named by :func:`stable_name` to the name the user typed: a
    finding there keeps the typed one as its previous path (older baselines).
    """
    typed = typed or {}
    policy = policy or Policy()
    result = Result(target)
    docs = list(dict.fromkeys(documents))  # the same file named twice is read once
    result.sources = [s for _, s in docs]
    result.verifications = verify_documents(docs, target, root)
    good = [v for v in result.verifications if v.signature_valid]
    judged = [v for v in result.verifications if not v.skipped]
    repeats = Repeats()  # one document may hold several attestations (npm's publish and SLSA ones)
    for v in result.verifications:
        if v.skipped:
            result.notes.append(f"{v.source}: {v.skipped}")
        elif v.failures or not v.signature_valid or not v.verified and target.digests:
            result.findings.append(_invalid(target, v, repeats, typed.get(v.source, v.source)))
        elif not target.digests:
            result.notes.append(f"{v.source}: signature valid; the artifact's digest was not checked (no artifact)")
    # claims: the build provenance (SLSA) bundle when there is one, else the first valid one
    ordered = sorted(good, key=lambda v: 0 if "slsa" in str((v.statement or {}).get("predicateType", "")) else 1)
    chosen = next((claims_of(v) for v in ordered), None)
    result.claims = chosen
    hist = list(history or [])
    for rel in hist:
        if previous_claims and rel.version in previous_claims:
            rel.claims = previous_claims[rel.version]
    source = result.sources[0] if result.sources else f"{target.ecosystem}:{target.name}@{target.version}"
    if not judged or good:
        subject = Subject(target.name, target.version, source, chosen if good else None, hist)
        found, notes = judge(subject, policy, repo=repo, releases=releases)
        result.findings.extend(found)
        result.notes.extend(notes)
    for f in result.findings:
        was = typed.get(f.primary.path, f.primary.path)
        if was != f.primary.path:
            f.previous_path = was
    return result
