"""``shipwarden provenance TARGET``: verify an artifact's attestations offline and
judge how it was built (claims, policy, previous versions, the pipeline at the
attested commit)."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

from shipwarden.commands.common import EXIT_USAGE, add_attestation_arguments, add_output_arguments, finish
from shipwarden.core.findings import Report, ScanError
from shipwarden.reporting import emit

NAME = "provenance"
HELP = (
    "Verify an artifact's Sigstore/PEP 740 attestations offline and judge its build: trigger, ref, runner, "
    "workflow and repository against policy and earlier versions, and attack paths into the signing workflow."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "target",
        metavar="TARGET",
        help="npm tarball, wheel or sdist file, or name@version (npm) / name==version (PyPI)",
    )
    parser.add_argument(
        "--bundle",
        action="append",
        type=Path,
        default=[],
        metavar="FILE",
        help="attestation file: Sigstore bundle, PEP 740 attestation or provenance, npm attestations response "
        "(repeatable; without it the attestations are fetched through your configured registry)",
    )
    parser.add_argument("--digest", metavar="ALG:HEX", help="the artifact's digest when the file is not at hand")
    add_attestation_arguments(parser)
    parser.add_argument(
        "--staging", action="store_true", help="verify against the Sigstore staging root (shipped with sigstore)"
    )
    parser.add_argument(
        "--repo", type=Path, metavar="PATH",
        help="the source repository (a git checkout): check the attested commit and tag, and find attack paths "
        "into the signing workflow at that commit",
    )
    parser.add_argument("--workflow", metavar="PATH", help="the workflow file releases must come from")
    parser.add_argument("--repository", metavar="OWNER/NAME", help="the repository releases must come from")
    parser.add_argument("--default-branch", metavar="NAME", help="the repository's default branch (default: main or master)")
    parser.add_argument("--offline", action="store_true", help="never use the network (bundles must be given)")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress output on stderr")
    add_output_arguments(parser)


POLICY_KEYS = frozenset({"repository", "repository-id", "workflow", "default-branch", "require-provenance"})


def load_policy(path: Path | None, args: argparse.Namespace | None = None) -> Any:
    """The ``[provenance]`` table of a TOML file, overridden by options."""
    from shipwarden.core.config import ConfigError
    from shipwarden.provenance.intent import Policy

    table: dict[str, Any] = {}
    if path is not None:
        from shipwarden.core.safeio import load_toml, read_text

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
    pol = Policy(
        repository=str(table.get("repository", "")),
        repository_id=str(table.get("repository-id", "")),
        workflow=str(table.get("workflow", "")),
        default_branch=str(table.get("default-branch", "")),
        require_provenance=tuple(req),
    )
    if args is not None:
        pol.workflow = getattr(args, "workflow", None) or pol.workflow
        pol.repository = getattr(args, "repository", None) or pol.repository
        pol.default_branch = getattr(args, "default_branch", None) or pol.default_branch
    return pol


def _quiet() -> None:
    for name in ("sigstore", "pypi_attestations", "tuf"):
        logging.getLogger(name).setLevel(logging.ERROR)


def summary_lines(results: list[Any]) -> list[str]:
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
            c = res.claims
            lines.append(
                f"    claims: {c.repository or c.identity} {c.workflow_path} {c.ref} {c.commit[:12]}"
                f" trigger={c.trigger or '?'} runner={c.runner_environment or '?'}"
            )
        lines.extend(f"    note: {n}" for n in res.notes)
    return lines


def run(args: argparse.Namespace) -> int:
    from shipwarden.core.config import ConfigError
    from shipwarden.core.progress import progress_for
    from shipwarden.provenance.check import check, parse_target
    from shipwarden.provenance.verify import trust_root
    from shipwarden.registry import RegistryError

    _quiet()
    try:
        target = parse_target(args.target)
        policy = load_policy(args.policy, args)
        root = trust_root("staging" if args.staging else "production", str(args.trusted_root) if args.trusted_root else None)
    except (ConfigError, ValueError, OSError) as exc:
        emit.note(f"shipwarden: error: {exc}")
        return EXIT_USAGE
    if args.digest:
        alg, _, hexd = args.digest.partition(":")
        if alg not in ("sha256", "sha512") or not hexd:
            emit.note("shipwarden: error: --digest must be sha256:HEX or sha512:HEX")
            return EXIT_USAGE
        target.digests[alg] = hexd.lower()
    report = Report(command="provenance", roots=[args.target])
    docs: list[tuple[bytes, str]] = []
    for b in args.bundle:
        try:
            from shipwarden.provenance.verify import _read

            docs.append((_read(str(b)), str(b)))
        except (OSError, ValueError) as exc:
            report.errors.append(ScanError(str(b), str(exc), "read"))
    history = None
    previous: dict[str, Any] = {}
    fetching = not args.bundle and not args.offline
    task = progress_for(quiet=args.quiet).task("Fetching and verifying attestations", 2 if fetching else 1)
    try:
        if fetching:
            try:
                docs, history, previous = _from_registry(target, root)
            except RegistryError as exc:
                report.errors.append(ScanError(args.target, str(exc), "registry"))
            task.advance()
        missing = not docs and not report.errors
        result = check(target, docs, root=root, policy=policy, history=history, previous_claims=previous, repo=args.repo)
        task.advance()
    finally:
        task.done()
    if missing:
        emit.note("shipwarden: note: no attestation found for the target")
    report.findings = result.findings
    report.stats.update(
        {
            "bundles": len(result.verifications),
            "verified": sum(1 for v in result.verifications if v.verified),
            "checks_run": sum(1 for v in result.verifications for c in v.checks if c.ok is not None),
        }
    )
    for line in summary_lines([result]):
        emit.note(line)
    return finish(report, args, root=None)


def _from_registry(target: Any, root: Any) -> tuple[list[tuple[bytes, str]], list[Any], dict[str, Any]]:
    """Attestations of the target and of the latest earlier version that had them."""
    from shipwarden.provenance import fetch
    from shipwarden.provenance.check import Target, claims_of, verify_documents
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
    previous: dict[str, Any] = {}
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
