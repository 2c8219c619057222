"""The build claims a verified bundle makes: Fulcio certificate extensions and the
SLSA predicate, as one plain record the intent rules read."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from cryptography import x509

from shipwarden.core.tables import load_table

FULCIO_ARC = "1.3.6.1.4.1.57264.1."


def _oids() -> dict[str, tuple[str, bool]]:
    """OID suffix → (claim field, DER-encoded) from ``data/fulcio_oids.toml``."""
    data = load_table("shipwarden.provenance", "fulcio_oids.toml")
    return {str(k): (str(v["field"]), bool(v.get("der", True))) for k, v in data["oids"].items()}


@dataclass(slots=True)
class Claims:
    """Who built the artifact, from what, how: each field as the certificate says."""

    identity: str = ""  # the SAN (workflow URI or e-mail)
    issuer: str = ""
    build_signer_uri: str = ""  # workflow file@ref that signed
    build_signer_digest: str = ""
    runner_environment: str = ""  # github-hosted | self-hosted
    source_repository_uri: str = ""
    source_repository_digest: str = ""  # commit
    source_repository_ref: str = ""
    source_repository_identifier: str = ""  # immutable repository id
    source_repository_owner_uri: str = ""
    source_repository_owner_identifier: str = ""
    build_config_uri: str = ""  # workflow file@ref that the run started from
    build_config_digest: str = ""
    build_trigger: str = ""  # event name
    run_invocation_uri: str = ""
    source_repository_visibility: str = ""
    # from the SLSA predicate, when there is one
    predicate_type: str = ""
    slsa_workflow_path: str = ""
    slsa_workflow_ref: str = ""
    slsa_workflow_repository: str = ""
    slsa_event_name: str = ""
    slsa_repository_id: str = ""
    slsa_repository_owner_id: str = ""
    subjects: list[str] = field(default_factory=list)

    @property
    def repository(self) -> str:
        """``owner/name`` of the source repository (from the URI), or ''."""
        uri = self.source_repository_uri or self.slsa_workflow_repository
        parts = uri.rstrip("/").split("/")
        return "/".join(parts[-2:]) if len(parts) >= 2 and "://" in uri else ""

    @property
    def _workflow_uri(self) -> str:
        uri = self.build_config_uri or self.build_signer_uri or self.identity
        return uri if "://" in uri else ""

    @property
    def is_ci(self) -> bool:
        """The signer is a CI workflow (a URI identity), not a person's e-mail."""
        return bool(self._workflow_uri)

    @property
    def workflow_path(self) -> str:
        """Path of the workflow file in its repository (``.github/workflows/x.yml``)."""
        uri = self._workflow_uri
        if self.slsa_workflow_path and not uri:
            return self.slsa_workflow_path
        path = uri.split("@", 1)[0]
        marker = "/.github/workflows/"
        if marker in path:
            return ".github/workflows/" + path.split(marker, 1)[1]
        if "//" in path:  # GitLab: host/group/project//path/to/.gitlab-ci.yml
            return path.split("//", 2)[-1]
        return self.slsa_workflow_path

    @property
    def workflow_ref(self) -> str:
        uri = self._workflow_uri
        return uri.split("@", 1)[1] if "@" in uri else self.slsa_workflow_ref

    @property
    def trigger(self) -> str:
        return self.build_trigger or self.slsa_event_name

    @property
    def ref(self) -> str:
        return self.source_repository_ref or self.slsa_workflow_ref

    @property
    def commit(self) -> str:
        return self.source_repository_digest

    @property
    def repository_id(self) -> str:
        return self.source_repository_identifier or self.slsa_repository_id

    @property
    def owner_id(self) -> str:
        return self.source_repository_owner_identifier or self.slsa_repository_owner_id

    def to_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in asdict(self).items() if v}
        data.update(
            {
                "repository": self.repository,
                "workflow_path": self.workflow_path,
                "workflow_ref": self.workflow_ref,
                "trigger": self.trigger,
                "ref": self.ref,
            }
        )
        return {k: v for k, v in data.items() if v}


def _decode(raw: bytes, der: bool) -> str:
    if der and len(raw) >= 2 and raw[0] in (0x0C, 0x16, 0x13):  # UTF8String, IA5String, PrintableString
        length = raw[1]
        start = 2
        if length & 0x80:
            n = length & 0x7F
            length = int.from_bytes(raw[2 : 2 + n], "big")
            start = 2 + n
        return raw[start : start + length].decode("utf-8", "replace")
    return raw.decode("utf-8", "replace")


def certificate_claims(cert: x509.Certificate) -> Claims:
    claims = Claims()
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = san.get_values_for_type(x509.UniformResourceIdentifier) or san.get_values_for_type(x509.RFC822Name)
        claims.identity = names[0] if names else ""
    except x509.ExtensionNotFound:
        pass
    table = _oids()
    legacy: dict[str, str] = {}
    for ext in cert.extensions:
        dotted = ext.oid.dotted_string
        if not dotted.startswith(FULCIO_ARC):
            continue
        suffix = dotted[len(FULCIO_ARC) :]
        if suffix not in table or not isinstance(ext.value, x509.UnrecognizedExtension):
            continue
        name, der = table[suffix]
        value = _decode(ext.value.value, der)
        if name.startswith("legacy_"):
            legacy[name] = value
        elif hasattr(claims, name):
            setattr(claims, name, value)
    # certificates before the v2 extensions (2023) carry only the legacy ones
    claims.issuer = claims.issuer or legacy.get("legacy_issuer", "")
    claims.build_trigger = claims.build_trigger or legacy.get("legacy_trigger", "")
    claims.source_repository_digest = claims.source_repository_digest or legacy.get("legacy_sha", "")
    claims.source_repository_ref = claims.source_repository_ref or legacy.get("legacy_ref", "")
    if not claims.source_repository_uri and legacy.get("legacy_repository"):
        claims.source_repository_uri = "https://github.com/" + legacy["legacy_repository"]
    return claims



def add_statement(claims: Claims, statement: dict[str, Any] | None) -> Claims:
    """Read the SLSA provenance predicate (v0.2 or v1) and the subjects."""
    if not statement:
        return claims
    claims.predicate_type = str(statement.get("predicateType") or "")
    for sub in statement.get("subject") or []:
        if isinstance(sub, dict) and isinstance(sub.get("name"), str):
            claims.subjects.append(sub["name"])
    pred = statement.get("predicate")
    if not isinstance(pred, dict):
        return claims
    bd = pred.get("buildDefinition")
    if isinstance(bd, dict):  # SLSA v1 (npm provenance, GitHub artifact attestations)
        ext = _table(bd, "externalParameters")
        wf = _table(ext, "workflow")
        internal = _table(bd, "internalParameters")
        gh = _table(internal, "github")
        claims.slsa_workflow_path = str(wf.get("path") or "")
        claims.slsa_workflow_ref = str(wf.get("ref") or "")
        claims.slsa_workflow_repository = str(wf.get("repository") or "")
        claims.slsa_event_name = str(gh.get("event_name") or "")
        claims.slsa_repository_id = str(gh.get("repository_id") or "")
        claims.slsa_repository_owner_id = str(gh.get("repository_owner_id") or "")
        return claims
    inv = pred.get("invocation")
    if isinstance(inv, dict):  # SLSA v0.2
        cs = _table(inv, "configSource")
        env = _table(inv, "environment")
        claims.slsa_workflow_path = str(cs.get("entryPoint") or "")
        uri = str(cs.get("uri") or "")
        if uri.startswith("git+"):
            uri = uri[4:]
        claims.slsa_workflow_repository, _, claims.slsa_workflow_ref = uri.partition("@")
        claims.slsa_event_name = str(env.get("github_event_name") or "")
        claims.slsa_repository_id = str(env.get("github_repository_id") or "")
        claims.slsa_repository_owner_id = str(env.get("github_repository_owner_id") or "")
    return claims


def _table(parent: Any, key: str) -> dict[str, Any]:
    value = parent.get(key) if isinstance(parent, dict) else None
    return value if isinstance(value, dict) else {}
