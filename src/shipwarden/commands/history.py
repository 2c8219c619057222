"""``shipwarden history [PATH]``: past assessments, and any one of them as a report again."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

NAME = "history"
HELP = "List past assessments of a repository (or of every repository in --db); re-render one as a report."

EXIT_USAGE = 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", nargs="?", default=".", metavar="PATH", help="repository root (default: .)")
    parser.add_argument("--db", metavar="PATH|URL", help="history database (default: as for assess)")
    parser.add_argument("--all", action="store_true", help="every repository in the database, not only PATH's")
    parser.add_argument("--limit", type=int, default=50, metavar="N", help="newest N assessments (default: 50; 0: all)")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="listing format (default: text)")
    parser.add_argument("--id", type=int, metavar="ID", help="the assessment the report options render (default: newest)")
    parser.add_argument("--html", type=Path, metavar="FILE", help="write that assessment's HTML report")
    parser.add_argument("--markdown", type=Path, metavar="FILE", help="write that assessment's Markdown answer")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write that assessment as JSON")
    parser.add_argument("--badge", type=Path, metavar="FILE", help="write that assessment's SVG badge")


def _identity(path: str) -> str:
    from shipwarden.assess.repo import read_repository

    return read_repository(Path(path)).identity


def run(args: argparse.Namespace) -> int:
    from shipwarden.assess.outputs import Outputs, write_reports
    from shipwarden.assess.store import StoreError, database_url, history, load, open_engine
    from shipwarden.reporting import dump_json

    identity = None if args.all else _identity(args.path)
    try:
        engine = open_engine(database_url(args.db, identity or _identity(args.path)))
        outputs = Outputs(args.html, args.markdown, args.json, args.badge)
        if outputs.any():
            assessment = load(engine, args.id, identity if args.id is None else None)
            if assessment is None:
                print("shipwarden: error: no such assessment in this history", file=sys.stderr)
                return EXIT_USAGE
            for written in write_reports(assessment, outputs):
                print(f"wrote {written}")
            return 0
        entries = history(engine, identity, args.limit or None)
    except StoreError as exc:
        print(f"shipwarden: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        print(f"shipwarden: error: cannot write a report: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.format == "json":
        sys.stdout.write(dump_json({"assessments": [e.to_dict() for e in entries]}))
        return 0
    if not entries:
        print("no assessments recorded yet: run shipwarden assess", file=sys.stderr)
        return 0
    lines = [f"{'ID':>5}  {'DATE (UTC)':<16}  {'REPOSITORY':<24}  {'COMMIT':<12}  {'P0':>3} {'P1':>3} {'P2':>4}  "
             f"{'NEW':>4} {'FIXED':>5}  ERR"]
    for e in entries:
        commit = (e.commit or "-")[:12] + ("*" if e.dirty else "")
        lines.append(f"{e.id:>5}  {e.started_at[:16].replace('T', ' '):<16}  {e.repository[:24]:<24}  {commit:<12}  "
                     f"{e.counts['P0']:>3} {e.counts['P1']:>3} {e.counts['P2']:>4}  {e.new:>4} {e.fixed:>5}  "
                     f"{e.errors:>3}")
    sys.stdout.write("\n".join(lines) + "\n")
    return 0
