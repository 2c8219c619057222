"""``shipwarden endpoint [HOME]``: credential stores a supply-chain worm would harvest."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from shipwarden import api
from shipwarden.commands.common import EXIT_USAGE, add_output_arguments, config_from_args, finish, unusable_path
from shipwarden.core.config import ConfigError
from shipwarden.core.progress import progress_for
from shipwarden.endpoint.files import home_reader
from shipwarden.reporting import emit

NAME = "endpoint"
HELP = "Find the credentials a supply-chain worm would harvest from this machine (read-only)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "home", nargs="?", default=None, metavar="HOME", help="home directory to sweep (default: your own)"
    )
    parser.add_argument(
        "--include",
        action="append",
        default=[],
        metavar="DIR",
        help="also search this project tree for .env files (repeatable)",
    )
    parser.add_argument(
        "--no-env", action="store_true", help="do not inspect the environment variables of this process"
    )
    parser.add_argument(
        "--fix-permissions",
        action="store_true",
        help="chmod 600 the credential files you own that others can read (the only write this command makes)",
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress output on stderr")
    add_output_arguments(parser)


def run(args: argparse.Namespace) -> int:
    home = Path(args.home).expanduser() if args.home else Path.home()
    problem = unusable_path(str(args.home) if args.home else str(home), what="home directory")
    if problem is not None:
        emit.note(f"shipwarden: error: {problem}")
        return EXIT_USAGE
    # Configuration comes from the working directory (a home is not a project);
    # inline ignore comments are read from the files under the home.
    try:
        config = config_from_args(args, None)
    except ConfigError as exc:
        emit.note(f"shipwarden: error: {exc}")
        return EXIT_USAGE
    result = api.endpoint(
        api.EndpointOptions(
            home=home,
            include=tuple(Path(p).expanduser() for p in args.include),
            env=None if args.no_env else dict(os.environ),
            fix_permissions=args.fix_permissions,
            progress=progress_for(quiet=args.quiet),
            config=config,
            pipeline=False,  # finish() selects, suppresses and baselines as for every command
        )
    )
    return finish(result.report, args, root=None, source_reader=home_reader(home))

