"""``shipwarden deps PATH``: every piece of code that runs when the project's dependencies install."""

from __future__ import annotations

import argparse
from pathlib import Path

from shipwarden import api
from shipwarden.commands.common import (
    EXIT_INCOMPLETE,
    EXIT_OK,
    EXIT_USAGE,
    add_attestation_arguments,
    add_output_arguments,
    config_from_args,
    finish,
    unusable_path,
)
from shipwarden.commands.deps_verify import write_sbom
from shipwarden.core.config import ConfigError
from shipwarden.core.progress import progress_for
from shipwarden.deps.allowlist import DEFAULT_FILE, AllowlistError, render_allowlist
from shipwarden.reporting import emit

NAME = "deps"
HELP = "Inventory and judge the code your dependencies run at install time (npm scripts, .pth files, builds)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", nargs="?", default=".", metavar="PATH",
                        help="project folder, node_modules or site-packages to read (default: .)")
    parser.add_argument("--allowlist", type=Path, metavar="FILE",
                        help=f"reviewed install-time code to compare with (default: {DEFAULT_FILE} in PATH when present)")
    parser.add_argument("--write-allowlist", nargs="?", const=True, default=None, metavar="FILE",
                        help=f"record the current install-time code as reviewed in FILE (default: PATH/{DEFAULT_FILE}) and exit")
    parser.add_argument("--against", metavar="GIT_REF",
                        help="also compare the lockfiles with their state at GIT_REF (read with git show)")
    parser.add_argument("--fetch", action="store_true",
                        help="read scripts of locked versions nothing local describes from your configured registry (cached)")
    parser.add_argument("--jobs", type=int, default=16, metavar="N",
                        help="concurrent registry look-ups with --fetch (default: 16)")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress output on stderr")
    parser.add_argument("--detonate", action="store_true",
                        help="also run, in the bubblewrap sandbox with bait (see `shipwarden detonate`), every installed "
                        "npm package whose install hook is flagged, every Python sdist the inventory builds from source "
                        "(fetched through your index, checked against the lock's hashes) and every .pth start-up file "
                        "not known to be benign, in parallel across cores")
    verify = parser.add_argument_group("provenance of updates (with --against)")
    verify.add_argument("--verify", action="store_true",
                        help="verify the attestations of every package whose locked version changed since --against "
                             "(fetched through your configured registry) and judge them (docs/commands/provenance.md)")
    add_attestation_arguments(verify)
    add_output_arguments(parser, extra_formats=("cyclonedx",))


def run(args: argparse.Namespace) -> int:
    if getattr(args, "verify", False) and not args.against:
        emit.note("shipwarden: error: --verify needs --against REF")
        return EXIT_USAGE
    root = Path(args.path)
    problem = unusable_path(str(args.path), files=True, what="project folder")
    if problem is not None:
        emit.note(f"shipwarden: error: {problem}")
        return EXIT_USAGE
    writing = args.write_allowlist is not None
    sbom = getattr(args, "format", "") == "cyclonedx"
    try:
        result = api.deps(
            api.DepsOptions(
                path=root,
                allowlist=args.allowlist,
                use_allowlist=not writing,
                against=args.against,
                fetch=True if args.fetch else None,
                fetch_workers=args.jobs,
                verify=bool(getattr(args, "verify", False)),
                policy=getattr(args, "policy", None),
                trusted_root=getattr(args, "trusted_root", None),
                detonate=bool(getattr(args, "detonate", False)) and not writing and not sbom,
                progress=progress_for(quiet=args.quiet),
                config=config_from_args(args, root if root.is_dir() else root.parent),
                pipeline=False,  # finish() selects, suppresses and baselines as for every command
            )
        )
    except (ConfigError, AllowlistError, ValueError) as exc:
        emit.note(f"shipwarden: error: {exc}")
        return EXIT_USAGE
    except RuntimeError as exc:
        # lazy for start-up speed: the sandbox is imported only when --detonate reached it
        from shipwarden.sandbox import SandboxUnavailable

        if not isinstance(exc, SandboxUnavailable):
            raise
        emit.note(f"shipwarden: --detonate refused: {exc}")
        return EXIT_INCOMPLETE
    if result.empty:
        emit.note(f"shipwarden: warning: {args.path}: nothing to judge here (no lockfile, requirements file, "
                  "node_modules or site-packages)")
    for note in result.notes:
        emit.note(note)

    if writing:
        target = result.allowlist_path if args.write_allowlist is True else Path(args.write_allowlist)
        text = render_allowlist((r.hook for r in result.hooks), result.dependencies)
        try:
            emit.write_file(target, text, "toml")
        except OSError as exc:
            emit.note(f"shipwarden: error: cannot write {target}: {exc}")
            return EXIT_USAGE
        emit.note(f"shipwarden: recorded {len(result.hooks)} install-time hook(s) as reviewed in {target}")
        return EXIT_OK
    if sbom:
        return write_sbom(result, result.verified, args)
    text_view = (getattr(args, "format", "text") or "text") == "text"
    return finish(result.report, args, root=root if root.is_dir() else None,
                  preamble=result.inventory() if text_view else "")
