"""``shipwarden scan PATH...``: the workflow rules over one or more repositories."""

from __future__ import annotations

import argparse
from pathlib import Path

from shipwarden import api
from shipwarden.ci.github.scan import default_jobs
from shipwarden.commands.common import (
    EXIT_USAGE,
    add_fetch_actions_arguments,
    add_output_arguments,
    config_from_args,
    finish,
    reportable,
    repository_roots,
)
from shipwarden.core.baseline import BaselineError
from shipwarden.core.config import ConfigError
from shipwarden.core.findings import Report
from shipwarden.core.progress import progress_for
from shipwarden.reporting import emit

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
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress output on stderr")
    fix = parser.add_argument_group("fixes")
    fix.add_argument(
        "--fix",
        nargs="?",
        const="safe",
        choices=("safe", "unsafe"),
        help="edit the workflows to remove findings: safe fixes keep what the workflow does; "
        "--fix=unsafe also applies fixes that need a human look; then report what remains",
    )
    fix.add_argument(
        "--diff",
        action="store_true",
        help="with or without --fix: print the fixes as a unified diff and write nothing (exit 1 when there is one)",
    )
    add_fetch_actions_arguments(parser)
    add_output_arguments(parser)


def run(args: argparse.Namespace) -> int:
    roots = repository_roots(args.paths)
    if roots is None:
        return EXIT_USAGE
    root = Path(roots[0]) if len(roots) == 1 else None
    options = api.ScanOptions(
        roots=tuple(Path(r) for r in roots),
        all_branches=args.all_branches,
        fetch_actions=args.fetch_actions,
        action_server=args.action_server,
        jobs=args.jobs or None,
        attack_paths=not args.no_paths,
        config=config_from_args(args, root),
        progress=progress_for(quiet=args.quiet),
        pipeline=False,  # finish() selects, suppresses and baselines as for every command
    )
    report = api.scan(options).report
    if args.fix or args.diff:
        return _fix(report, options, root, args)
    return finish(report, args, root=root)


def _fix(report: Report, options: api.ScanOptions, root: Path | None, args: argparse.Namespace) -> int:
    from shipwarden.fix import FixLevel, plan_fixes  # only `scan --fix` pays for the fixers' imports
    from shipwarden.fix.summary import render_fix_summary, safe_diff

    try:
        wanted = reportable(report, args, root=root)
    except (ConfigError, BaselineError) as exc:
        emit.note(f"shipwarden: error: {exc}")
        return EXIT_USAGE
    level = FixLevel(args.fix or "safe")
    plan = plan_fixes(wanted, root, level)
    if args.diff:
        emit.out(safe_diff(plan))
        emit.note(render_fix_summary(plan, level, written=False), end="")
        return 1 if plan.files else 0
    plan.write()
    emit.note(render_fix_summary(plan, level, written=True), end="")
    return finish(api.scan(options).report, args, root=root)
