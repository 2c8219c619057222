"""``shipwarden deps PATH``: every piece of code that runs when the project's dependencies install."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from shipwarden.api import deps_allowlist_path, deps_settings
from shipwarden.commands.common import (
    EXIT_OK,
    EXIT_USAGE,
    add_attestation_arguments,
    add_output_arguments,
    config_from_args,
    finish,
    unusable_path,
)
from shipwarden.commands.deps_verify import run_verify, write_sbom
from shipwarden.core.config import ConfigError
from shipwarden.core.progress import progress_for
from shipwarden.deps.allowlist import DEFAULT_FILE, Allowlist, AllowlistError, load_allowlist, render_allowlist
from shipwarden.deps.render import render_inventory
from shipwarden.deps.scan import DepsOptions, DepsResult, scan_deps
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
                        help="also run every installed npm package whose install hook is flagged in the bubblewrap "
                        "sandbox with bait (see `shipwarden detonate`), in parallel across cores")
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
    try:
        config = config_from_args(args, root if root.is_dir() else root.parent)
        table = deps_settings(config)
    except ConfigError as exc:
        emit.note(f"shipwarden: error: {exc}")
        return EXIT_USAGE

    allowlist: Allowlist | None = None
    allow_path = deps_allowlist_path(root, table, args.allowlist)
    if args.write_allowlist is None and (args.allowlist is not None or allow_path.is_file()):
        try:
            allowlist = load_allowlist(allow_path)
        except AllowlistError as exc:
            emit.note(f"shipwarden: error: {exc}")
            return EXIT_USAGE

    fetcher = None
    if args.fetch or table.get("fetch", False):
        # lazy for start-up speed: the registry client and its HTTP stack cost ~0.1 s, needed only with --fetch
        from shipwarden.deps.fetch import RegistryFetcher
        from shipwarden.registry import RegistryClient

        client = RegistryClient(cwd=root if root.is_dir() else None)
        client.prepare()  # the npm configuration is read while the lockfiles are parsed
        fetcher = RegistryFetcher(client)

    progress = progress_for(quiet=args.quiet)
    result = scan_deps(root, DepsOptions(allowlist=allowlist, against=args.against, fetcher=fetcher,
                                         excluded=config.is_excluded, fetch_workers=max(1, args.jobs),
                                         progress=progress, root_arg=str(args.path)))
    if not result.lockfiles and not result.hooks and not result.dependencies and not result.report.errors:
        emit.note(f"shipwarden: warning: {args.path}: nothing to judge here (no lockfile, requirements file, "
                  "node_modules or site-packages)")
    verified = None
    if getattr(args, "verify", False):
        code, verified = run_verify(root, result, args)
        if code != EXIT_OK:
            return code
    if fetcher is not None:
        result.report.errors.extend(fetcher.errors)
        result.report.stats["fetched"] = fetcher.fetched
        result.report.stats["looked_up"] = fetcher.looked_up

    if args.write_allowlist is not None:
        target = allow_path if args.write_allowlist is True else Path(args.write_allowlist)
        text = render_allowlist((r.hook for r in result.hooks), result.dependencies)
        try:
            emit.write_file(target, text, "toml")
        except OSError as exc:
            emit.note(f"shipwarden: error: cannot write {target}: {exc}")
            return EXIT_USAGE
        emit.note(f"shipwarden: recorded {len(result.hooks)} install-time hook(s) as reviewed in {target}")
        return EXIT_OK

    if getattr(args, "format", "") == "cyclonedx":
        return write_sbom(result, verified, args)
    if getattr(args, "detonate", False):
        refused = _detonate(root, result)
        if refused is not None:
            return refused

    text_view = (getattr(args, "format", "text") or "text") == "text"
    section = render_inventory(result) if text_view else ""
    return finish(result.report, args, root=root if root.is_dir() else None, preamble=section)


def _detonate(root: Path, result: DepsResult) -> int | None:
    """``--detonate``: dynamic findings joined to the report; an exit code when the sandbox is refused."""
    # lazy for start-up speed: the sandbox and detonation engine cost ~0.15 s, needed only with --detonate
    from shipwarden import sandbox
    from shipwarden.detonate import DetonateOptions, Profile, detonate_hooks

    options = DetonateOptions([], [Profile.LAPTOP, Profile.CI], jobs=os.cpu_count() or 1)
    try:
        dynamic = detonate_hooks(root, list(result.hooks), options)
    except sandbox.SandboxUnavailable as exc:
        emit.note(f"shipwarden: --detonate refused: {exc}")
        return 4
    result.report.findings.extend(dynamic.report.findings)
    result.report.errors.extend(dynamic.report.errors)
    result.report.stats["detonations"] = len(dynamic.observations)
    for note in dynamic.notes:
        emit.note(note)  # emit redacts every note (the one exit)
    return None
