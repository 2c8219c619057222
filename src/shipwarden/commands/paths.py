"""``shipwarden paths PATH``: the attack paths alone, as findings or as a graph."""

from __future__ import annotations

import argparse
from pathlib import Path

from shipwarden import api
from shipwarden.commands.common import (
    EXIT_USAGE,
    add_fetch_actions_arguments,
    add_output_arguments,
    config_from_args,
    finish,
    repository_roots,
)
from shipwarden.core.progress import progress_for

NAME = "paths"
HELP = "Show every path from an outsider to a publish capability or a secret, across workflows."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", default=["."], metavar="PATH", help="repository roots (default: .)")
    parser.add_argument("--all-branches", action="store_true", help="also read workflows of every git branch")
    add_fetch_actions_arguments(parser)
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress output on stderr")
    add_output_arguments(parser, graph_formats=True)


def run(args: argparse.Namespace) -> int:
    roots = repository_roots(args.paths)
    if roots is None:
        return EXIT_USAGE
    root = Path(roots[0]) if len(roots) == 1 else None
    options = api.PathsOptions(
        roots=tuple(Path(r) for r in roots),
        all_branches=args.all_branches,
        fetch_actions=args.fetch_actions,
        action_server=args.action_server,
        config=config_from_args(args, root),
        progress=progress_for(quiet=args.quiet),
        pipeline=False,  # finish() selects, suppresses and baselines as for every command
    )
    return finish(api.paths(options).report, args, root=root)
