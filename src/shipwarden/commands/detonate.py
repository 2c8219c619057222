"""``shipwarden detonate TARGET…``: run install-time code in the sandbox with bait, and report what it did."""

from __future__ import annotations

import argparse

from shipwarden.commands.common import EXIT_USAGE, add_cache_dir_argument, add_output_arguments, finish
from shipwarden.reporting import emit
from shipwarden.secrets.redactor import redact_text as redact_secrets

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
    from shipwarden import sandbox
    from shipwarden.detonate import DetonateOptions, Profile, run_detonate

    profiles = [Profile(p) for p in dict.fromkeys(args.profiles or ["laptop"])]
    limits = sandbox.Limits(
        wall_seconds=args.timeout, cpu_seconds=int(args.timeout), memory_bytes=args.memory << 20,
        processes=512, output_bytes=96 << 20,
    )
    if args.timeout <= 0 or args.memory <= 0 or args.jobs <= 0:
        emit.note("shipwarden: error: --timeout, --memory and --jobs must be positive")
        return EXIT_USAGE
    try:
        result = run_detonate(DetonateOptions(list(args.targets), profiles, limits, args.jobs, args.cache_dir, args.with_deps))
    except sandbox.SandboxUnavailable as exc:
        emit.note(f"shipwarden: detonate refused: {exc}")
        return EXIT_REFUSED
    if not args.quiet:
        for note in result.notes:
            emit.note(redact_secrets(note))
    return finish(result.report, args, root=None)
