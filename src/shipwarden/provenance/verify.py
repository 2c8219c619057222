"""Offline verification of Sigstore bundles and PEP 740 attestations.

One pipeline for every bundle kind, each step recorded as a :class:`Check` so a
report always says what ran and what did not:

1. ``certificate-chain`` — the signing certificate chains to a Fulcio root of
   the trust root and was valid at the log's signed time;
2. ``sct`` — the certificate's embedded SCT verifies against the CT log keys;
3. ``certificate-profile`` — key usage digital signature, EKU code signing;
4. ``inclusion-proof`` and ``checkpoint`` — the Merkle inclusion proof of the
   entry's canonical body and the signed tree head (Rekor key of the trust root);
5. ``signed-entry-timestamp`` — the log's promise over body, time and index;
6. ``signing-time`` — the log's integrated time lies inside the certificate's
   validity window;
7. ``dsse-signature`` — the envelope's signature over PAE(type, payload);
8. ``log-entry-body`` — the logged body is the one the bundle implies;
9. ``subject-digest`` — the statement's subject digest equals the artifact's.

Steps 1–7 use ``sigstore``'s own primitives (pinned version; some are private to
it). ``sigstore`` refuses Rekor ``intoto`` 0.0.2 entries (npm provenance): for
them step 8 rebuilds the entry's canonical body — envelope without payload,
signature and PEM certificate base64-encoded, the envelope hash over the
canonical JSON of payload, type, signature and PEM, and the payload hash — and
compares it byte for byte with the logged body whose leaf hash the inclusion
proof and the signed entry timestamp bind. Where ``sigstore`` itself supports
the kind, its public ``verify_dsse`` runs as well (``sigstore-verify-dsse``),
and for PEP 740 ``pypi-attestations``' own verification (``pypi-attestations``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import importlib.resources
import json
import logging
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

import rfc8785
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import ExtendedKeyUsage, KeyUsage
from cryptography.x509.oid import ExtendedKeyUsageOID

#: Largest bundle or attestation file read (real ones are a few KiB).
MAX_BUNDLE_BYTES = 4 * 1024 * 1024

_log = logging.getLogger(__name__)


#: Checks about the artifact rather than the signature (``pypi-attestations``
#: checks both; a signature fault also fails the signature checks themselves).
ARTIFACT_CHECKS = frozenset({"subject-digest", "pypi-attestations"})


class BundleError(ValueError):
    """The input is not a bundle or attestation we can read."""


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    #: True passed, False failed, None did not run (``detail`` says why).
    ok: bool | None
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        status = "pass" if self.ok else ("fail" if self.ok is False else "not-run")
        return {"check": self.name, "status": status, "detail": self.detail}


@dataclass(slots=True)
class Verification:
    """What verifying one bundle established."""

    source: str
    kind: str = ""
    checks: list[Check] = field(default_factory=list)
    certificate: x509.Certificate | None = None
    statement: dict[str, Any] | None = None
    integrated_time: int | None = None
    log_index: int | None = None
    #: why this bundle was deliberately not verified ('' when it was)
    skipped: str = ""

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if c.ok is False]

    @property
    def signature_valid(self) -> bool:
        """Every cryptographic check that ran passed and the essential ones ran."""
        ran = {c.name for c in self.checks if c.ok}
        essential = {"certificate-chain", "certificate-profile", "dsse-signature", "log-entry-body", "signing-time"}
        log_bound = "signed-entry-timestamp" in ran or {"inclusion-proof", "checkpoint"} <= ran
        signature_failures = [c for c in self.failures if c.name not in ARTIFACT_CHECKS]
        return not signature_failures and essential <= ran and log_bound

    @property
    def verified(self) -> bool:
        """Signature valid and the artifact's digest checked against the subject."""
        return (
            self.signature_valid
            and not self.failures
            and any(c.name == "subject-digest" and c.ok for c in self.checks)
        )

    @property
    def reason(self) -> str:
        if self.failures:
            first = self.failures[0]
            return f"{first.name}: {first.detail}"
        if not self.signature_valid:
            missing = [c for c in self.checks if c.ok is None]
            return "; ".join(f"{c.name} not run: {c.detail}" for c in missing) or "incomplete"
        if not self.verified:
            return "signature valid; artifact digest not checked (no artifact given)"
        return "verified"

    def subjects(self) -> list[dict[str, Any]]:
        subs = (self.statement or {}).get("subject")
        return [s for s in subs if isinstance(s, dict)] if isinstance(subs, list) else []

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "kind": self.kind,
            "verified": self.verified,
            "signature_valid": self.signature_valid,
            "reason": self.skipped or self.reason,
            "integrated_time": self.integrated_time,
            "log_index": self.log_index,
            "checks": [c.to_dict() for c in self.checks],
        }


# --------------------------------------------------------------------------- trust roots


def _bundled_root_path(url: str) -> str:
    """The trust root ``sigstore`` ships for the TUF repository at ``url``."""
    folder = importlib.resources.files("sigstore._store") / urllib.parse.quote(url, safe="")
    return str(folder / "trusted_root.json")


@dataclass(frozen=True, slots=True)
class TrustRoot:
    name: str
    path: str


def trust_root(name: str = "production", path: str | None = None) -> TrustRoot:
    """``production`` or ``staging`` (the roots ``sigstore`` ships), or a file."""
    if path:
        return TrustRoot(f"file:{path}", path)
    from sigstore._internal.tuf import DEFAULT_TUF_URL, STAGING_TUF_URL

    if name == "staging":
        return TrustRoot("staging", _bundled_root_path(STAGING_TUF_URL))
    if name != "production":
        raise ValueError(f"unknown trust root {name!r}: expected production or staging")
    return TrustRoot("production", _bundled_root_path(DEFAULT_TUF_URL))


_VERIFIERS: dict[str, Any] = {}


_KEYRINGS: dict[str, tuple[Any, Any]] = {}


def _keyrings(root: TrustRoot, trusted: Any) -> tuple[Any, Any]:
    """The Rekor and CT keyrings of a trust root, built once."""
    from sigstore._internal.trust import KeyringPurpose

    if root.path not in _KEYRINGS:
        _KEYRINGS[root.path] = (
            trusted.rekor_keyring(KeyringPurpose.VERIFY),
            trusted.ct_keyring(KeyringPurpose.VERIFY),
        )
    return _KEYRINGS[root.path]


def _verifier(root: TrustRoot) -> Any:
    from sigstore.models import TrustedRoot
    from sigstore.verify import Verifier

    if root.path not in _VERIFIERS:
        _VERIFIERS[root.path] = Verifier(trusted_root=TrustedRoot.from_file(root.path))
    return _VERIFIERS[root.path]


# --------------------------------------------------------------------------- digests


def artifact_digests(data: bytes) -> dict[str, str]:
    return {"sha256": hashlib.sha256(data).hexdigest(), "sha512": hashlib.sha512(data).hexdigest()}


def file_digests(path: str, limit: int = 2 * 1024**3) -> dict[str, str]:
    s256, s512 = hashlib.sha256(), hashlib.sha512()
    size = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            size += len(chunk)
            if size > limit:
                raise BundleError(f"{path}: larger than {limit} bytes")
            s256.update(chunk)
            s512.update(chunk)
    return {"sha256": s256.hexdigest(), "sha512": s512.hexdigest()}


# --------------------------------------------------------------------------- the pipeline


def _run(checks: list[Check], name: str, step: Callable[[], object]) -> bool:
    """Run one check; a sigstore or crypto exception is its failure reason. A
    step that returns text gives the passing check's detail."""
    try:
        res = step()
        detail = res if isinstance(res, str) else ""
    except Exception as exc:  # noqa: BLE001 - every failure becomes this check's reason
        checks.append(Check(name, False, f"{type(exc).__name__}: {exc}" if not str(exc) else str(exc)))
        return False
    checks.append(Check(name, True, detail))
    return True


def _leaf_pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(Encoding.PEM).decode()


def _intoto_v002_body(bundle: Any) -> str:
    """Rebuild the Rekor ``intoto`` 0.0.2 entry body from the bundle and compare it
    byte for byte with the logged one (whose leaf hash the proof binds)."""
    entry = bundle.log_entry._inner
    logged = bytes(entry.canonicalized_body)
    try:
        body = json.loads(logged)
        sigs = body["spec"]["content"]["envelope"]["signatures"]
        logged_pem = base64.b64decode(sigs[0]["publicKey"], validate=True).decode()
    except (ValueError, KeyError, IndexError, TypeError, binascii.Error) as exc:
        raise ValueError(f"unreadable intoto entry body: {exc}") from None
    if len(sigs) != 1:
        raise ValueError("intoto entry must carry exactly one signature")
    cert = bundle.signing_certificate
    try:
        logged_cert = x509.load_pem_x509_certificate(logged_pem.encode())
    except ValueError as exc:
        raise ValueError(f"log entry's public key is not a certificate: {exc}") from None
    if logged_cert.public_bytes(Encoding.DER) != cert.public_bytes(Encoding.DER):
        raise ValueError("log entry's certificate is not the bundle's signing certificate")
    env = bundle._dsse_envelope._inner
    if len(env.signatures) != 1:
        raise ValueError("envelope must carry exactly one signature")
    sig_b64 = base64.b64encode(env.signatures[0].sig).decode()
    payload = bytes(env.payload)
    envelope_hash = hashlib.sha256(
        rfc8785.dumps(
            {
                "payload": base64.b64encode(payload).decode(),
                "payloadType": env.payload_type,
                "signatures": [{"publicKey": logged_pem, "sig": sig_b64}],
            }
        )
    ).hexdigest()
    expected: dict[str, Any] = {
        "apiVersion": "0.0.2",
        "kind": "intoto",
        "spec": {
            "content": {
                "envelope": {
                    "payloadType": env.payload_type,
                    "signatures": [
                        {"publicKey": sigs[0]["publicKey"], "sig": base64.b64encode(sig_b64.encode()).decode()}
                    ],
                },
                "hash": {"algorithm": "sha256", "value": envelope_hash},
                "payloadHash": {"algorithm": "sha256", "value": hashlib.sha256(payload).hexdigest()},
            }
        },
    }
    if rfc8785.dumps(expected) != logged:
        content = body.get("spec", {}).get("content", {})
        if content.get("payloadHash", {}).get("value") != expected["spec"]["content"]["payloadHash"]["value"]:
            raise ValueError("log entry payload hash does not match the envelope's payload")
        if sigs[0].get("sig") != expected["spec"]["content"]["envelope"]["signatures"][0]["sig"]:
            raise ValueError("log entry signature does not match the envelope's signature")
        raise ValueError("log entry body differs from the body the bundle implies (envelope hash or fields)")
    return "intoto 0.0.2 body rebuilt from the bundle equals the logged body"


def _then(fn: Callable[[Any], object], arg: Any, detail: str) -> str:
    fn(arg)
    return detail


def _body_check(bundle: Any) -> tuple[str, Callable[[], object]]:
    from sigstore.verify import verifier as sv

    kv = bundle.log_entry._inner.kind_version
    kind = f"{kv.kind}/{kv.version}"
    if kind == "intoto/0.0.2":
        return kind, lambda: _intoto_v002_body(bundle)
    if kind == "dsse/0.0.1":
        return kind, lambda: _then(sv._validate_dsse_v001_entry_body, bundle, "dsse 0.0.1 payload hash and signatures")
    if kind == "hashedrekord/0.0.2":
        return kind, lambda: _then(sv._validate_hashedrekord_v002_dsse_entry_body, bundle, "hashedrekord 0.0.2 digest")

    def unsupported() -> str:
        raise ValueError(f"log entry kind {kind} is not supported for DSSE envelopes")

    return kind, unsupported


def verify_bundle(
    bundle: Any,
    *,
    root: TrustRoot,
    digests: Mapping[str, str] | None = None,
    source: str = "",
    media: str = "",
) -> Verification:
    """Verify a parsed ``sigstore.models.Bundle`` carrying a DSSE envelope."""
    from sigstore._internal.merkle import verify_merkle_inclusion
    from sigstore._internal.rekor.checkpoint import verify_checkpoint
    from sigstore._internal.sct import verify_sct
    from sigstore.dsse import _verify as dsse_verify
    from sigstore.verify.verifier import TimestampSource, TimestampVerificationResult  # type: ignore[attr-defined]

    verifier = _verifier(root)
    trusted = verifier._trusted_root
    keyring, ct_keyring = _keyrings(root, trusted)
    entry = bundle.log_entry
    inner = entry._inner
    kind, body_step = _body_check(bundle)
    out = Verification(source=source, kind=f"{media or bundle._inner.media_type} · rekor {kind}")
    out.certificate = bundle.signing_certificate
    out.integrated_time = int(inner.integrated_time) if inner.integrated_time else None
    out.log_index = int(inner.log_index)
    checks = out.checks
    cert = bundle.signing_certificate
    envelope = bundle._dsse_envelope
    if envelope is None:
        checks.append(Check("dsse-signature", False, "bundle carries a message signature, not a DSSE envelope"))
        return out

    # signed time: the log's integrated time, bound by the SET (checked below)
    times: list[Any] = []
    if inner.integrated_time and inner.inclusion_promise:
        when = datetime.fromtimestamp(inner.integrated_time, tz=UTC)
        times.append(TimestampVerificationResult(source=TimestampSource.TRANSPARENCY_SERVICE, time=when))
    if bundle.verification_material.timestamp_verification_data:
        _run(checks, "signed-timestamp", lambda: times.extend(verifier._verify_timestamp_authority(bundle)))

    chain: list[x509.Certificate] = []
    if not times:
        checks.append(Check("certificate-chain", None, "no signed time (no inclusion promise, no timestamp)"))
    else:

        def chain_step() -> str:
            nonlocal chain
            for t in times:
                chain = verifier._verify_chain_at_time(cert, t)
            return f"chains to {chain[-1].subject.rfc4514_string() if chain else '?'} ({root.name})"

        if _run(checks, "certificate-chain", chain_step):
            _run(checks, "sct", lambda: verify_sct(cert, chain, ct_keyring))

    def profile() -> str:
        if not cert.extensions.get_extension_for_class(KeyUsage).value.digital_signature:
            raise ValueError("key usage is not digital signature")
        if ExtendedKeyUsageOID.CODE_SIGNING not in cert.extensions.get_extension_for_class(ExtendedKeyUsage).value:
            raise ValueError("extended key usage lacks code signing")
        return ""

    _run(checks, "certificate-profile", profile)
    if inner.inclusion_proof is not None and inner.inclusion_proof.checkpoint.envelope:
        if _run(checks, "inclusion-proof", lambda: verify_merkle_inclusion(entry)):
            _run(checks, "checkpoint", lambda: verify_checkpoint(keyring, entry))
    else:
        checks.append(Check("inclusion-proof", None, "bundle has no inclusion proof with a checkpoint"))
    if inner.inclusion_promise and inner.integrated_time:
        _run(checks, "signed-entry-timestamp", lambda: entry._verify_set(keyring))
    else:
        checks.append(Check("signed-entry-timestamp", None, "bundle has no inclusion promise"))

    def window() -> str:
        for t in times:
            if not cert.not_valid_before_utc <= t.time <= cert.not_valid_after_utc:
                raise ValueError(f"certificate not valid at the signed time {t.time.isoformat()}")
        return times[0].time.isoformat() if times else ""

    if times:
        _run(checks, "signing-time", window)
    else:
        checks.append(Check("signing-time", None, "no signed time"))
    _run(
        checks,
        "dsse-signature",
        lambda: dsse_verify(cast(ec.EllipticCurvePublicKey, cert.public_key()), envelope),
    )
    _run(checks, "log-entry-body", body_step)
    if kind in ("dsse/0.0.1", "hashedrekord/0.0.2"):
        from sigstore.verify import policy

        def library() -> str:
            logging.getLogger("sigstore.verify.policy").setLevel(logging.ERROR)
            verifier.verify_dsse(bundle, policy.UnsafeNoOp())
            return "sigstore's verify_dsse agrees"

        _run(checks, "sigstore-verify-dsse", library)
    else:
        checks.append(Check("sigstore-verify-dsse", None, f"sigstore does not verify rekor {kind} entries"))

    try:
        payload_type = envelope._inner.payload_type
        if payload_type != "application/vnd.in-toto+json":
            raise ValueError(f"payload type {payload_type}")
        stmt = json.loads(bytes(envelope._inner.payload))
        out.statement = stmt if isinstance(stmt, dict) else None
    except ValueError as exc:
        checks.append(Check("statement", False, f"not an in-toto statement: {exc}"))
    check_subject(out, digests)
    return out


def check_subject(out: Verification, digests: Mapping[str, str] | None, name: str | None = None) -> None:
    if not digests:
        out.checks.append(Check("subject-digest", None, "no artifact or digest given"))
        return
    subjects = out.subjects()
    if not subjects:
        out.checks.append(Check("subject-digest", False, "statement has no subject"))
        return
    for sub in subjects:
        sd = sub.get("digest") if isinstance(sub.get("digest"), dict) else {}
        assert isinstance(sd, dict)
        shared = [alg for alg in ("sha512", "sha256") if alg in sd and alg in digests]
        if shared and all(str(sd[a]).lower() == digests[a].lower() for a in shared):
            if name is not None and sub.get("name") != name:
                out.checks.append(Check("subject-digest", False, f"subject name {sub.get('name')!r} is not {name!r}"))
                return
            out.checks.append(Check("subject-digest", True, f"{shared[0]} of {sub.get('name')}"))
            return
    want = ", ".join(f"{a}:{v[:16]}…" for a, v in sorted(digests.items()))
    out.checks.append(Check("subject-digest", False, f"no subject's digest equals the artifact's ({want})"))


# --------------------------------------------------------------------------- inputs


def _read(path: str) -> bytes:
    """A regular file of at most :data:`MAX_BUNDLE_BYTES` (``safeio``: no FIFOs,
    devices or symlinks followed at the last component)."""
    from shipwarden.core.safeio import read_bytes

    return read_bytes(path, limit=MAX_BUNDLE_BYTES)


def parse_documents(raw: bytes, source: str) -> list[tuple[Any, str, dict[str, Any]]]:
    """Every bundle in a file: a Sigstore bundle, a PEP 740 attestation, a PyPI
    provenance object (several attestations with their publisher), or npm's
    attestations response. Returns (sigstore Bundle, media, extra facts)."""
    from sigstore.models import Bundle

    from shipwarden.core.safeio import load_json

    try:
        doc = load_json(raw, what="attestation")
    except ValueError as exc:
        raise BundleError(f"{source}: not JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise BundleError(f"{source}: not a JSON object")
    out: list[tuple[Any, str, dict[str, Any]]] = []
    try:
        if "mediaType" in doc:
            reason = _key_signed(doc)
            if reason:
                out.append((None, "key-signed bundle", {"skipped": reason}))
            else:
                out.append((Bundle.from_json(raw), "", {}))
        elif "envelope" in doc and "verification_material" in doc:
            out.append(_pep740(raw, {}))
        elif "attestation_bundles" in doc:
            for group in doc.get("attestation_bundles") or []:
                publisher = group.get("publisher") if isinstance(group, dict) else None
                for att in (group.get("attestations") or []) if isinstance(group, dict) else []:
                    out.append(_pep740(json.dumps(att).encode(), {"publisher": publisher}))
        elif "attestations" in doc:  # npm registry response
            for att in doc.get("attestations") or []:
                if isinstance(att, dict) and isinstance(att.get("bundle"), dict):
                    extra = {"predicate_type": att.get("predicateType")}
                    reason = _key_signed(att["bundle"])
                    if reason:
                        out.append((None, "key-signed bundle", {**extra, "skipped": reason}))
                        continue
                    out.append((Bundle.from_json(json.dumps(att["bundle"]).encode()), "", extra))
        else:
            raise BundleError(f"{source}: neither a Sigstore bundle nor an attestation")
    except BundleError:
        raise
    except Exception as exc:  # noqa: BLE001 - library parse errors of many kinds
        raise BundleError(f"{source}: unreadable bundle: {exc}") from None
    return out


def _key_signed(bundle: dict[str, Any]) -> str:
    """Why a bundle signed with a plain public key (npm's own publish attestation,
    signed with the registry's key) is not verified here, or '' for a
    certificate-signed bundle."""
    vm = bundle.get("verificationMaterial")
    if not isinstance(vm, dict) or "publicKey" not in vm or "certificate" in vm or "x509CertificateChain" in vm:
        return ""
    hint = vm["publicKey"].get("hint", "?") if isinstance(vm["publicKey"], dict) else "?"
    return (
        f"signed with a registry key (hint {hint}), not a Fulcio certificate: it needs the registry's"
        " published keys, which offline verification does not have; not verified, not judged"
    )


def skipped(source: str, media: str, reason: str) -> Verification:
    return Verification(source=source, kind=media, checks=[Check("bundle", None, reason)], skipped=reason)


def _pep740(raw: bytes, extra: dict[str, Any]) -> tuple[Any, str, dict[str, Any]]:
    from pypi_attestations import Attestation

    att = Attestation.model_validate_json(raw)
    return att.to_bundle(), "PEP 740 attestation", {**extra, "pep740": att}


def verify_file(
    path: str,
    *,
    root: TrustRoot,
    digests: Mapping[str, str] | None = None,
    dist_name: str | None = None,
) -> list[Verification]:
    """Verify every bundle in ``path``; unreadable input is a failed ``bundle`` check."""
    try:
        docs = parse_documents(_read(path), path)
    except (OSError, BundleError) as exc:
        return [Verification(source=path, kind="unreadable", checks=[Check("bundle", False, str(exc))])]
    results = []
    for bundle, media, extra in docs:
        if bundle is None:
            results.append(skipped(path, media, str(extra.get("skipped", ""))))
            continue
        res = verify_bundle(bundle, root=root, digests=digests, source=path, media=media)
        att = extra.get("pep740")
        if att is not None:
            _pep740_cross_check(res, att, root, digests, dist_name)
        results.append(res)
    return results


def _pep740_cross_check(
    res: Verification, att: Any, root: TrustRoot, digests: Mapping[str, str] | None, dist_name: str | None
) -> None:
    """``pypi-attestations``' own verification (subject name and digest, predicate
    type) when the distribution's name and digest are known."""
    from pypi_attestations import Distribution
    from sigstore.verify import policy

    if not digests or not dist_name:
        res.checks.append(Check("pypi-attestations", None, "needs the distribution's file name and digest"))
        return
    if root.name not in ("production", "staging"):
        res.checks.append(Check("pypi-attestations", None, "pypi-attestations only verifies against its own roots"))
        return

    def step() -> str:
        logging.getLogger("sigstore.verify.policy").setLevel(logging.ERROR)
        att.verify(
            policy.UnsafeNoOp(),
            Distribution(name=dist_name, digest=digests["sha256"]),
            staging=root.name == "staging",
            offline=True,
        )
        return "pypi-attestations agrees (subject name, digest, predicate type)"

    _run(res.checks, "pypi-attestations", step)
