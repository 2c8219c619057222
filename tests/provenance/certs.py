"""A test-only CA that issues Fulcio-shaped certificates with chosen claims.

Used for the policy layer only (claims → findings); the cryptographic layer is
tested on real, production-signed bundles."""

from __future__ import annotations

import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

ARC = "1.3.6.1.4.1.57264.1."
FIELDS = {
    "issuer": "8",
    "build_signer_uri": "9",
    "runner_environment": "11",
    "source_repository_uri": "12",
    "source_repository_digest": "13",
    "source_repository_ref": "14",
    "source_repository_identifier": "15",
    "source_repository_owner_identifier": "17",
    "build_config_uri": "18",
    "build_trigger": "20",
    "run_invocation_uri": "21",
}


def _utf8(text: str) -> bytes:
    raw = text.encode()
    if len(raw) < 0x80:
        return bytes([0x0C, len(raw)]) + raw
    n = (len(raw).bit_length() + 7) // 8
    return bytes([0x0C, 0x80 | n]) + len(raw).to_bytes(n, "big") + raw


def github_claims(
    repo: str = "acme/widget",
    workflow: str = ".github/workflows/release.yml",
    ref: str = "refs/tags/v1.0.0",
    commit: str = "0" * 40,
    trigger: str = "push",
    runner: str = "github-hosted",
    repo_id: str = "1001",
) -> dict[str, str]:
    base = f"https://github.com/{repo}"
    wf = f"{base}/{workflow}@{ref}"
    return {
        "issuer": "https://token.actions.example.invalid",
        "build_signer_uri": wf,
        "runner_environment": runner,
        "source_repository_uri": base,
        "source_repository_digest": commit,
        "source_repository_ref": ref,
        "source_repository_identifier": repo_id,
        "source_repository_owner_identifier": "77",
        "build_config_uri": wf,
        "build_trigger": trigger,
        "run_invocation_uri": f"{base}/actions/runs/1/attempts/1",
    }


def issue(claims: dict[str, str], *, san: str | None = None, legacy_trigger: str | None = None) -> x509.Certificate:
    ca_key = ec.generate_private_key(ec.SECP256R1())
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "shipwarden test CA")]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(minutes=10))
        .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), critical=False)
        .add_extension(
            x509.SubjectAlternativeName([x509.UniformResourceIdentifier(san or claims.get("build_config_uri", ""))]),
            critical=True,
        )
    )
    for name, value in claims.items():
        oid = x509.ObjectIdentifier(ARC + FIELDS[name])
        builder = builder.add_extension(x509.UnrecognizedExtension(oid, _utf8(value)), critical=False)
    if legacy_trigger is not None:  # 2022-style raw bytes
        builder = builder.add_extension(
            x509.UnrecognizedExtension(x509.ObjectIdentifier(ARC + "2"), legacy_trigger.encode()), critical=False
        )
    return builder.sign(ca_key, hashes.SHA256())
