"""``shipwarden scan PATH...``: the workflow rules over one or more repositories."""

from __future__ import annotations

import argparse
from pathlib import Path

from shipwarden import api
from shipwarden.commands.common import EXIT_USAGE, add_output_arguments, config_from_args, finish, repository_roots
from shipwarden.scan import default_jobs

NAME = "scan"
HELP = "Scan repositories' GitHub Actions workflows, GitLab CI files and Jenkinsfiles for release-surface risks."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", default=["."], metavar="PATH", help="repository roots (default: .)")
    parser.add_argument(
        "--all-branches",
        action="store_true",
        help="also read the workflows of every branch in the repository's git refs (no checkout)",
    )
    parser.add_argument("--jobs", "-j", type=int, default=0, help=f"worker processes (default: {default_jobs()})")
    parser.add_argument("--no-paths", action="store_true", help="skip the cross-workflow attack-path search")
    add_output_arguments(parser)


def run(args: argparse.Namespace) -> int:
    roots = repository_roots(args.paths)
    if roots is None:
        return EXIT_USAGE
    root = Path(roots[0]) if len(roots) == 1 else None
    options = api.ScanOptions(
        roots=tuple(Path(r) for r in roots),
        all_branches=args.all_branches,
        jobs=args.jobs or None,
        attack_paths=not args.no_paths,
        config=config_from_args(args, root),
        pipeline=False,  # finish() selects, suppresses and baselines as for every command
    )
    return finish(api.scan(options).report, args, root=root)
