"""``shipwarden history [PATH]``: past assessments, and any one of them as a report again."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING

from shipwarden.reporting import emit

if TYPE_CHECKING:
    from shipwarden.assess.listing import HistoryEntry

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
    from shipwarden.assess.listing import ENV_VAR, StoreError, database_url, quick_history

    # the repository's identity is read with git: only when it is needed (its history, or its default database)
    own = _identity(args.path) if not args.all or not (args.db or os.environ.get(ENV_VAR)) else None
    identity = None if args.all else own
    reports = any((args.html, args.markdown, args.json, args.badge))
    try:
        url = database_url(args.db, own)
        # a plain listing of an SQLite history reads it without SQLAlchemy (its import costs more than the list)
        entries = None if reports else quick_history(url, identity, args.limit or None)
        if entries is None:
            entries = _through_store(args, url, identity, reports)
            if entries is None:
                return 0 if reports else EXIT_USAGE
    except StoreError as exc:
        emit.note(f"shipwarden: error: {exc}")
        return EXIT_USAGE
    except OSError as exc:
        emit.note(f"shipwarden: error: cannot write a report: {exc}")
        return EXIT_USAGE
    return _print(entries, args.format)


def _through_store(
    args: argparse.Namespace, url: str, identity: str | None, reports: bool
) -> list[HistoryEntry] | None:
    """The listing, or (``reports``) the chosen assessment's reports written: ``None`` then, or raises StoreError."""
    from shipwarden.assess.outputs import Outputs, write_reports
    from shipwarden.assess.store import StoreError, history, load, open_engine

    engine = open_engine(url)
    if reports:
        assessment = load(engine, args.id, identity if args.id is None else None)
        if assessment is None:
            raise StoreError("no such assessment in this history")
        for written in write_reports(assessment, Outputs(args.html, args.markdown, args.json, args.badge)):
            emit.out(f"wrote {written}\n")
        return None
    return history(engine, identity, args.limit or None)


def _print(entries: list[HistoryEntry], fmt: str) -> int:
    if fmt == "json":
        from shipwarden.reporting import dump_json

        emit.out(dump_json({"assessments": [e.to_dict() for e in entries]}), "json")
        return 0
    if not entries:
        emit.note("no assessments recorded yet: run shipwarden assess")
        return 0
    lines = [f"{'ID':>5}  {'DATE (UTC)':<16}  {'REPOSITORY':<24}  {'COMMIT':<12}  {'P0':>3} {'P1':>3} {'P2':>4}  "
             f"{'NEW':>4} {'FIXED':>5}  ERR"]
    for e in entries:
        commit = (e.commit or "-")[:12] + ("*" if e.dirty else "")
        lines.append(f"{e.id:>5}  {e.started_at[:16].replace('T', ' '):<16}  {e.repository[:24]:<24}  {commit:<12}  "
                     f"{e.counts['P0']:>3} {e.counts['P1']:>3} {e.counts['P2']:>4}  {e.new:>4} {e.fixed:>5}  "
                     f"{e.errors:>3}")
    emit.out("\n".join(lines) + "\n")
    return 0
