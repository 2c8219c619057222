"""One provenance check of one target, as :func:`shipwarden.api.provenance` runs it:
the policy file, the attestations read from files or through the user's configured
registry (with the latest earlier version that had them), and the summary lines."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shipwarden.core.config import ConfigError
from shipwarden.core.safeio import load_toml, read_text
from shipwarden.provenance.check import Result, Target, claims_of, verify_documents
from shipwarden.provenance.claims import Claims
from shipwarden.provenance.intent import Policy, Release

if TYPE_CHECKING:
    from shipwarden.provenance.verify import TrustRoot

#: Keys of the ``[provenance]`` table of a policy file.
POLICY_KEYS = frozenset({"repository", "repository-id", "workflow", "default-branch", "require-provenance"})


def load_policy(
    path: Path | None, *, workflow: str | None = None, repository: str | None = None, default_branch: str | None = None
) -> Policy:
    """The ``[provenance]`` table of a TOML file (or ``[tool.shipwarden.provenance]``),
    overridden by the given values. Raises :class:`ConfigError`."""
    table: dict[str, Any] = {}
    if path is not None:
        try:
            doc = load_toml(read_text(path), what="policy")
        except (OSError, ValueError) as exc:
            raise ConfigError(f"{path}: {exc}") from None
        table = doc.get("provenance", doc.get("tool", {}).get("shipwarden", {}).get("provenance", {}))
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: [provenance] must be a table")
        unknown = sorted(set(table) - POLICY_KEYS)
        if unknown:
            raise ConfigError(f"{path}: [provenance]: unknown key {unknown[0]!r}")
    req = table.get("require-provenance", [])
    if not isinstance(req, list) or not all(isinstance(x, str) for x in req):
        raise ConfigError("[provenance] require-provenance must be a list of name prefixes")
    return Policy(
        repository=repository or str(table.get("repository", "")),
        repository_id=str(table.get("repository-id", "")),
        workflow=workflow or str(table.get("workflow", "")),
        default_branch=default_branch or str(table.get("default-branch", "")),
        require_provenance=tuple(req),
    )


def quiet_logs() -> None:
    """Silence the chatty loggers of the Sigstore libraries (their warnings are our findings)."""
    for name in ("sigstore", "pypi_attestations", "tuf"):
        logging.getLogger(name).setLevel(logging.ERROR)


def summary_lines(results: list[Result]) -> list[str]:
    """What was verified, check by check, and the claims: the lines ``provenance`` prints on stderr."""
    lines = []
    for res in results:
        for v in res.verifications:
            state = "verified" if v.verified else ("signature valid" if v.signature_valid else "NOT VERIFIED")
            if v.skipped:
                state = "skipped"
            lines.append(f"{res.target.name}@{res.target.version}: {v.source} [{v.kind}]: {state} — {v.skipped or v.reason}")
            for c in v.checks:
                mark = {True: "pass", False: "FAIL", None: "not run"}[c.ok]
                lines.append(f"    {mark:8} {c.name}{': ' + c.detail if c.detail else ''}")
        if res.claims is not None:
            claims = res.claims
            lines.append(
                f"    claims: {claims.repository or claims.identity} {claims.workflow_path} {claims.ref}"
                f" {claims.commit[:12]} trigger={claims.trigger or '?'} runner={claims.runner_environment or '?'}"
            )
        lines.extend(f"    note: {n}" for n in res.notes)
    return lines


def from_registry(
    target: Target, root: TrustRoot
) -> tuple[list[tuple[bytes, str]], list[Release], dict[str, Claims]]:
    """Attestations of the target and of the latest earlier version that had them,
    through the user's configured registry. Raises ``RegistryError``."""
    from shipwarden.provenance import fetch
    from shipwarden.registry import RegistryClient

    client = RegistryClient()
    if target.ecosystem == "npm":
        pub = fetch.npm_published(client, target.name, target.version)
    else:
        pub = fetch.pypi_published(client, target.name, target.version, target.filename)
    target.version = pub.version
    if not target.digests and pub.digests:
        target.digests.update({k: v for k, v in pub.digests.items() if v})
    target.filename = target.filename or pub.filename
    docs = [(pub.attestations, pub.attestations_url)] if pub.attestations else []
    previous: dict[str, Claims] = {}
    earlier = [r for r in pub.history if r.version != pub.version and r.has_provenance]
    if earlier and target.ecosystem == "npm":
        last = earlier[-1]
        prev_pub = fetch.npm_published(client, target.name, last.version)
        if prev_pub.attestations:
            vs = verify_documents([(prev_pub.attestations, prev_pub.attestations_url)], Target("npm", target.name, last.version), root)
            ok = [v for v in vs if v.signature_valid]
            if ok:
                c = claims_of(sorted(ok, key=lambda v: 0 if "slsa" in str((v.statement or {}).get("predicateType")) else 1)[0])
                if c is not None:
                    previous[last.version] = c
    history = list(pub.history)
    cut = next((i for i, r in enumerate(history) if r.version == pub.version), len(history))
    return docs, history[: cut + 1], previous
