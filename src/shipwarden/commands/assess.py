"""``shipwarden assess [PATH…]``: every analysis that applies, its scope as data, history and reports."""

from __future__ import annotations

import argparse
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from shipwarden.core.config import FAIL_ON_CHOICES, ConfigError
from shipwarden.reporting import emit

NAME = "assess"
HELP = ("Assess a repository's release pipeline with every analysis that applies; record the date, the scope "
        "and the findings in a history; write HTML, Markdown, JSON and a badge.")

EXIT_USAGE = 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", default=["."], metavar="PATH", help="repository roots (default: .)")
    parser.add_argument("--all-branches", action="store_true", help="also read the workflows of every git branch")
    parser.add_argument("--build", action="store_true",
                        help="build Python projects in gate's isolated build to review their artifacts "
                             "(runs the project's build backend); without it only dist/ is reviewed")
    parser.add_argument("--fetch", action="store_true",
                        help="deps: read locked versions nothing local describes from your configured registry")
    parser.add_argument("--packlist", choices=("auto", "npm", "builtin"), default="auto",
                        help="how to list npm packages' files: npm pack --dry-run --ignore-scripts (auto: up to 12 "
                             "packages), or gate's built-in port of npm's rules")
    parser.add_argument("--endpoint", action="store_true",
                        help="also sweep this machine's credential stores (a home directory and the environment: "
                             "never on by default)")
    parser.add_argument("--home", type=Path, metavar="HOME", help="the home directory --endpoint sweeps (default: yours)")
    parser.add_argument("--db", metavar="PATH|URL",
                        help="history database: an SQLite file or postgresql://… (default: $SHIPWARDEN_DB, else "
                             "one SQLite file per repository in your data directory)")
    parser.add_argument("--no-history", action="store_true", help="do not read or write the history database")
    parser.add_argument("--html", type=Path, metavar="FILE", help="write the self-contained HTML report")
    parser.add_argument("--markdown", type=Path, metavar="FILE", help="write the Markdown answer")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the assessment as JSON (docs/assess-schema.md)")
    parser.add_argument("--badge", type=Path, metavar="FILE", help="write an SVG badge (date, worst open tier)")
    parser.add_argument("--fail-on", choices=FAIL_ON_CHOICES,
                        type=lambda s: "none" if s.lower() == "none" else s.upper(), default="P1",
                        help="exit 1 when an open finding of this tier or worse remains (default: P1)")
    parser.add_argument("--config", type=Path, metavar="FILE", help="configuration file (default: in each root)")
    parser.add_argument("--jobs", "-j", type=int, default=0, metavar="N",
                        help="repositories assessed at once (default: every core)")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress on stderr")


@dataclass(slots=True)
class _Task:
    root: str
    args: dict[str, object]
    multi: bool


@dataclass(slots=True)
class _Outcome:
    root: str
    code: int
    summary: str = ""
    written: list[str] = field(default_factory=list)
    error: str = ""


def _one(task: _Task) -> _Outcome:
    """Assess, store (one transaction) and report one repository: the unit of work."""
    from shipwarden import api
    from shipwarden.assess.listing import StoreError
    from shipwarden.core.progress import progress_for

    a = task.args
    options = api.AssessOptions(
        root=Path(task.root),
        all_branches=bool(a["all_branches"]),
        build=bool(a["build"]),
        fetch=True if a["fetch"] else None,
        endpoint=bool(a["endpoint"]),
        home=Path(str(a["home"])).expanduser() if a["home"] else None,
        config=Path(str(a["config"])) if a["config"] else None,
        packlist=str(a["packlist"]),
        record=not a["no_history"],
        db=str(a["db"]) if a["db"] else None,
        progress=progress_for(quiet=bool(a["quiet"]) or task.multi),
    )
    try:
        result = api.assess(options)
        written = result.write(**{k: Path(str(a[k])) if a[k] else None for k in ("html", "markdown", "json", "badge")},
                               per_repository=task.multi)
    except ConfigError as exc:
        return _Outcome(task.root, EXIT_USAGE, error=f"{task.root}: {exc}")
    except StoreError as exc:
        return _Outcome(task.root, EXIT_USAGE, error=str(exc))
    except OSError as exc:
        return _Outcome(task.root, EXIT_USAGE, error=f"{task.root}: cannot write a report: {exc}")
    return _Outcome(task.root, result.exit_code(str(a["fail_on"])), result.summary(), [str(p) for p in written])


def run(args: argparse.Namespace) -> int:
    roots: list[str] = []
    for raw in args.paths:
        if not Path(raw).is_dir():
            emit.note(f"shipwarden: error: {raw}: not a directory")
            return EXIT_USAGE
        roots.append(raw)
    keys = ("all_branches", "build", "fetch", "endpoint", "home", "db", "no_history", "html", "markdown", "json", "badge",
            "fail_on", "config", "quiet", "packlist")
    shared = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items() if k in keys}
    multi = len(roots) > 1
    tasks = [_Task(root, shared, multi) for root in roots]
    jobs = args.jobs or len(os.sched_getaffinity(0))
    outcomes: list[_Outcome] = []
    if multi and jobs > 1:
        with ProcessPoolExecutor(max_workers=min(jobs, len(tasks))) as pool:
            for done, outcome in enumerate(pool.map(_one, tasks), 1):
                if not args.quiet:
                    emit.note(f"shipwarden: assessed {done}/{len(tasks)}: {outcome.root}")
                outcomes.append(outcome)
    else:
        for done, task in enumerate(tasks, 1):
            outcomes.append(_one(task))
            if multi and not args.quiet:
                emit.note(f"shipwarden: assessed {done}/{len(tasks)}: {task.root}")
    code = 0
    for outcome in outcomes:
        if outcome.error:
            emit.note(f"shipwarden: error: {outcome.error}")
        emit.out(outcome.summary)
        for path in outcome.written:
            emit.out(f"  wrote {path}\n")
        code = EXIT_USAGE if EXIT_USAGE in (code, outcome.code) else code | outcome.code
    sys.stdout.flush()
    return code
