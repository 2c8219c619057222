"""``provenance``: an artifact's attestations, verified offline, and how it was built
(see :mod:`shipwarden.api`)."""

from __future__ import annotations

from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING

from shipwarden.api._shapes import Options, Result, finish_report, load_options_config
from shipwarden.core.findings import Report, ScanError
from shipwarden.core.structs import struct

if TYPE_CHECKING:  # the analyses are imported when called: each command starts with only its own
    from shipwarden.core.progress import Progress
    from shipwarden.provenance.check import Result as CheckResult
    from shipwarden.provenance.claims import Claims
    from shipwarden.provenance.intent import Release


@struct(frozen=True, kw_only=True, slots=False)
class ProvenanceOptions(Options):
    """``provenance``: verify a release's Sigstore / PEP 740 attestations and judge its build.

    ``target`` is an npm tarball, a wheel or sdist file, or ``name@version`` (npm) /
    ``name==version`` (PyPI). ``bundles`` are attestation files (a Sigstore bundle,
    a PEP 740 attestation or provenance, an npm attestations response); without them,
    and unless ``offline``, the attestations are read through the configured registry
    (the only network use). ``digest`` (``sha256:HEX`` / ``sha512:HEX``) stands for
    the artifact when the file is not at hand. ``policy`` is a TOML file with a
    ``[provenance]`` table; ``workflow``, ``repository`` and ``default_branch``
    override it. ``repo`` is a git checkout of the source: the attested commit and
    tag are checked there, and attack paths into the signing workflow at that commit
    are searched. ``trusted_root`` replaces the shipped Sigstore root; ``staging``
    uses Sigstore's staging root. The configuration is looked up in the working
    directory.
    """

    target: str
    bundles: tuple[Path, ...] = ()
    digest: str | None = None
    policy: Path | None = None
    trusted_root: Path | None = None
    staging: bool = False
    repo: Path | None = None
    workflow: str | None = None
    repository: str | None = None
    default_branch: str | None = None
    offline: bool = False
    #: progress of fetching and verifying (default: silent)
    progress: Progress | None = None


@struct
class ProvenanceResult(Result):
    #: what was verified, the claims of the attestations, notes (``None`` only before the check ran)
    checked: CheckResult | None = None
    #: no attestation was found for the target (given or fetched)
    missing: bool = False
    notes: list[str] = field(default_factory=list)

    def summary(self) -> list[str]:
        """What was verified, check by check, and the claims (the lines ``shipwarden provenance`` prints)."""
        from shipwarden.provenance.run import summary_lines

        return summary_lines([self.checked]) if self.checked is not None else []


def provenance(options: ProvenanceOptions) -> ProvenanceResult:
    """Verify the attestations of ``options.target`` offline and judge its build::

        result = api.provenance(api.ProvenanceOptions(
            target="dist/demo-1.0.0.tgz", bundles=(Path("demo.sigstore.json"),), offline=True))
        print("\\n".join(result.summary()))
        for f in result.findings:
            print(f.tier.value, f.rule_id, f.message)

    Raises :class:`ValueError` for a target or digest it cannot read,
    :class:`~shipwarden.core.config.ConfigError` for an invalid policy or
    configuration, :class:`OSError` for an unreadable trusted root. An unreadable
    bundle or a registry failure is an error of the result, not an exception.
    """
    # the Sigstore stack and the registry client are imported when called (start-up)
    from shipwarden.core.progress import SILENT
    from shipwarden.provenance.check import check, parse_target, stable_name
    from shipwarden.provenance.run import from_registry, load_policy, quiet_logs
    from shipwarden.provenance.verify import _read, trust_root
    from shipwarden.registry import RegistryError

    quiet_logs()
    config = load_options_config(options, Path.cwd())
    target = parse_target(options.target)
    policy = load_policy(
        options.policy, workflow=options.workflow, repository=options.repository,
        default_branch=options.default_branch,
    )
    root = trust_root("staging" if options.staging else "production",
                      str(options.trusted_root) if options.trusted_root else None)
    if options.digest:
        alg, _, hexd = options.digest.partition(":")
        if alg not in ("sha256", "sha512") or not hexd:
            raise ValueError("the digest must be sha256:HEX or sha512:HEX")
        target.digests[alg] = hexd.lower()
    report = Report(command="provenance", roots=[options.target])
    docs: list[tuple[bytes, str]] = []
    typed: dict[str, str] = {}  # stable name -> as typed (the first way it was typed)
    for bundle in options.bundles:
        name = stable_name(bundle)
        typed.setdefault(name, str(bundle))
        try:
            docs.append((_read(str(bundle)), name))
        except (OSError, ValueError) as exc:
            report.errors.append(ScanError(name, str(exc), "read"))
    history: list[Release] | None = None
    previous: dict[str, Claims] = {}
    fetching = not options.bundles and not options.offline
    task = (options.progress or SILENT).task("Fetching and verifying attestations", 2 if fetching else 1)
    try:
        if fetching:
            try:
                docs, history, previous = from_registry(target, root)
            except RegistryError as exc:
                report.errors.append(ScanError(options.target, str(exc), "registry"))
            task.advance()
        missing = not docs and not report.errors
        checked = check(target, docs, root=root, policy=policy, history=history, previous_claims=previous,
                        repo=options.repo, typed=typed)
        task.advance()
    finally:
        task.done()
    report.findings = checked.findings
    report.stats.update(
        {
            "bundles": len(checked.verifications),
            "verified": sum(1 for v in checked.verifications if v.verified),
            "checks_run": sum(1 for v in checked.verifications for c in v.checks if c.ok is not None),
        }
    )
    notes = ["no attestation found for the target"] if missing else []
    return ProvenanceResult(finish_report(report, options, config, None), config, checked=checked, missing=missing,
                            notes=notes)
