"""``shipwarden provenance TARGET``: verify an artifact's attestations offline and
judge how it was built (claims, policy, previous versions, the pipeline at the
attested commit)."""

from __future__ import annotations

import argparse
from pathlib import Path

from shipwarden import api
from shipwarden.commands.common import (
    EXIT_USAGE,
    add_attestation_arguments,
    add_output_arguments,
    config_from_args,
    finish,
)
from shipwarden.core.config import ConfigError
from shipwarden.core.progress import progress_for
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


def run(args: argparse.Namespace) -> int:
    try:
        result = api.provenance(
            api.ProvenanceOptions(
                target=args.target,
                bundles=tuple(args.bundle),
                digest=args.digest,
                policy=args.policy,
                trusted_root=args.trusted_root,
                staging=args.staging,
                repo=args.repo,
                workflow=args.workflow,
                repository=args.repository,
                default_branch=args.default_branch,
                offline=args.offline,
                progress=progress_for(quiet=args.quiet),
                config=config_from_args(args, None),
                pipeline=False,  # finish() selects, suppresses and baselines as for every command
            )
        )
    except (ConfigError, ValueError, OSError) as exc:
        emit.note(f"shipwarden: error: {exc}")
        return EXIT_USAGE
    for note in result.notes:
        emit.note(f"shipwarden: note: {note}")
    for line in result.summary():
        emit.note(line)
    return finish(result.report, args, root=None)
