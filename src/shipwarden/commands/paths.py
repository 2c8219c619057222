"""``shipwarden paths PATH``: the attack paths alone, as findings or as a graph."""

from __future__ import annotations

import argparse
from pathlib import Path

from shipwarden.commands.common import EXIT_USAGE, add_output_arguments, finish, repository_roots
from shipwarden.findings import Report
from shipwarden.scan import scan_roots

NAME = "paths"
HELP = "Show every path from an outsider to a publish capability or a secret, across workflows."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", default=["."], metavar="PATH", help="repository roots (default: .)")
    parser.add_argument("--all-branches", action="store_true", help="also read workflows of every git branch")
    add_output_arguments(parser, graph_formats=True)


def run(args: argparse.Namespace) -> int:
    roots = repository_roots(args.paths)
    if roots is None:
        return EXIT_USAGE
    full = scan_roots(roots, all_branches=args.all_branches)
    report = Report(command="paths", roots=full.roots, errors=full.errors, stats=dict(full.stats))
    report.findings = [f for f in full.findings if f.rule_id == "attack-path"]
    report.stats["paths"] = len(report.findings)
    return finish(report, args, root=Path(roots[0]) if len(roots) == 1 else None)
