"""``shipwarden detonate TARGET…``: run install-time code in the sandbox with bait, and report what it did."""

from __future__ import annotations

import argparse

from shipwarden import api
from shipwarden.commands.common import (
    EXIT_USAGE,
    add_cache_dir_argument,
    add_output_arguments,
    config_from_args,
    finish,
)
from shipwarden.core.config import ConfigError
from shipwarden.reporting import emit

NAME = "detonate"
HELP = (
    "Run a package's install scripts inside a bubblewrap sandbox with a fake home and environment full of "
    "canaries, a network sink and strace, and report credential reads, canaries sent, persistence and publishes."
)
#: when the sandbox cannot be set up (bubblewrap, namespaces or strace missing)
EXIT_REFUSED = 4


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "targets", nargs="+", metavar="TARGET",
        help="npm package folder or tarball (.tgz), Python sdist (.tar.gz) or source tree, wheel, site-packages folder "
        "with .pth files, npm:NAME@VERSION or NAME==VERSION (fetched through your npm or pip configuration)",
    )
    parser.add_argument(
        "--as", dest="profiles", action="append", choices=("laptop", "ci"), default=None,
        help="bait profile: a developer laptop (default) or a CI runner (GITHUB_ACTIONS, runner tokens, a decoy "
        "Runner.Worker process); repeat for both",
    )
    parser.add_argument("--timeout", type=float, default=120.0, metavar="SECONDS",
                        help="wall-clock budget per package and profile (default: 120)")
    parser.add_argument("--memory", type=int, default=8192, metavar="MIB",
                        help="address-space limit per process in MiB (default: 8192)")
    parser.add_argument("--jobs", "-j", type=int, default=1, metavar="N", help="packages detonated in parallel")
    parser.add_argument(
        "--with-deps", action="store_true",
        help="first install the package's dependencies beside it with `npm install --ignore-scripts` (outside the "
        "sandbox, through your npm configuration; fetches code, runs none), so its install script finds them",
    )
    add_cache_dir_argument(parser)
    parser.add_argument("--quiet", "-q", action="store_true", help="do not print what ran on stderr")
    add_output_arguments(parser, default_fail_on="P1")


def run(args: argparse.Namespace) -> int:
    try:
        result = api.detonate(
            api.DetonateOptions(
                targets=tuple(args.targets),
                profiles=tuple(args.profiles or ["laptop"]),
                timeout=args.timeout,
                memory_mib=args.memory,
                jobs=args.jobs,
                cache_dir=args.cache_dir,
                with_deps=args.with_deps,
                config=config_from_args(args, None),
                pipeline=False,  # finish() selects, suppresses and baselines as for every command
            )
        )
    except (ConfigError, ValueError) as exc:
        emit.note(f"shipwarden: error: {exc}")
        return EXIT_USAGE
    except RuntimeError as exc:
        # lazy for start-up speed: the sandbox is imported only when the detonation reached it
        from shipwarden.sandbox import SandboxUnavailable

        if not isinstance(exc, SandboxUnavailable):
            raise
        emit.note(f"shipwarden: detonate refused: {exc}")
        return EXIT_REFUSED
    if not args.quiet:
        for note in result.notes:
            emit.note(note)  # redacted by the API
    return finish(result.report, args, root=None)
