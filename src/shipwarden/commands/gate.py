"""``shipwarden gate TARGET``: review what a release would publish, before ``npm publish``/``twine upload``."""

from __future__ import annotations

import argparse
from pathlib import Path

from shipwarden import api
from shipwarden.commands.common import (
    EXIT_USAGE,
    add_cache_dir_argument,
    add_output_arguments,
    config_from_args,
    fail_on,
    finish,
    reportable,
    unusable_path,
)
from shipwarden.core.config import ConfigError
from shipwarden.core.progress import progress_for
from shipwarden.packaging.gate import config_root
from shipwarden.packaging.verdict import render_verdict
from shipwarden.reporting import emit

NAME = "gate"
HELP = (
    "Review the files a release would publish (npm package, tarball, wheel, sdist): source maps, secrets, "
    "never-ship files, install-time code, non-registry dependencies, and the diff against the last release."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "target",
        nargs="?",
        default=".",
        metavar="TARGET",
        help="package directory, .tgz, .whl, sdist, or a folder of them (default: .)",
    )
    parser.add_argument(
        "--against",
        metavar="PREVIOUS",
        help="previous release to diff with: a tarball, wheel, sdist, folder, or npm:NAME@TAG / pypi:NAME==VERSION "
        "(fetched through your configured registry; the only network use)",
    )
    parser.add_argument(
        "--build",
        action="store_true",
        help="build a Python project's sdist and wheel with `python -m build` inside a bubblewrap sandbox "
        "(no network, no home, cleared env, limits; refused when the sandbox is unavailable) and review those; "
        "this runs the project's build backend",
    )
    parser.add_argument(
        "--packlist",
        choices=("auto", "npm", "builtin"),
        default="auto",
        help="how to list an npm package's files: `npm pack --dry-run --ignore-scripts` when npm is installed "
        "(auto), always npm, or the built-in port of npm's rules",
    )
    add_cache_dir_argument(parser)
    parser.add_argument("--quiet", "-q", action="store_true", help="do not print the verdict on stderr")
    parser.add_argument("--sbom", type=Path, metavar="FILE",
                        help="also write a CycloneDX 1.6 JSON SBOM of the reviewed artifact(s) to FILE")
    parser.add_argument(
        "--low-confidence-secrets",
        action="store_true",
        help="also report generic `token = …` guesses in minified code (config: gate.low-confidence-secrets)",
    )
    add_output_arguments(parser, default_fail_on="P1")


def run(args: argparse.Namespace) -> int:
    target = Path(args.target)
    problem = unusable_path(str(args.target), files=True, what="package folder")
    if problem is not None:
        emit.note(f"shipwarden: error: {problem}")
        return EXIT_USAGE
    root = config_root(target)
    try:
        config = config_from_args(args, root)
        gated = api.gate(
            api.GateOptions(
                target=target,
                against=args.against,
                build=args.build,
                packlist=args.packlist,
                cache_dir=args.cache_dir,
                low_confidence_secrets=args.low_confidence_secrets,
                progress=progress_for(quiet=args.quiet),
                config=config,
                pipeline=False,  # finish() selects, suppresses and baselines as for every command
            )
        )
    except ConfigError as exc:
        emit.note(f"shipwarden: error: {exc}")
        return EXIT_USAGE
    result = gated.run
    assert result is not None
    code = finish(result.report, args, root=root)
    if getattr(args, "sbom", None) is not None:
        from shipwarden.packaging.sbom import write_gate_sbom

        if not write_gate_sbom(result, args.sbom):
            return EXIT_USAGE
    if not args.quiet and code != EXIT_USAGE and getattr(args, "write_baseline", None) is None:
        kept = reportable(result.report, args, root=root).findings  # what finish() reported
        emit.note(render_verdict(result, kept, fail_on(args, config)), end="")
    return code

