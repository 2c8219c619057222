"""Benchmark ``shipwarden assess`` and ``shipwarden history``.

Prints, for whole processes (``python -m shipwarden``, median of N runs, peak RSS
of the process from ``wait4``):

* ``assess`` of the bundled example, and of a large real monorepo given with
  ``--monorepo PATH`` (a checkout; skipped when not given);
* ``history`` (the listing) and ``history --html`` (the newest report, with the
  trend over every stored assessment) on a database holding ``--stored`` (1,000)
  assessments of one repository, 40 findings each, made with the real store.

Targets (issue 14): listing under 0.2 s, rendering under 1 s, with 1,000 stored.

Usage: python bench/assess.py [--monorepo PATH] [--stored N] [--runs N]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from shipwarden.api import AssessOptions, assess  # noqa: E402
from shipwarden.assess import store  # noqa: E402
from shipwarden.assess.model import Assessment, OpenFinding  # noqa: E402

#: Forks and execs the command from a small process, so that the child's peak RSS (which counts the pages
#: it had before exec) is the command's own, not this benchmark's; prints wall, maxrss KiB, code, cpu.
_LAUNCHER = """
import os, sys, time
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    fd = os.open(os.devnull, os.O_WRONLY)
    os.dup2(fd, 1); os.dup2(fd, 2)
    os.execv(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
print(time.perf_counter() - start, usage.ru_maxrss, os.waitstatus_to_exitcode(status),
      usage.ru_utime + usage.ru_stime)
"""


def run(argv: list[str], cwd: Path | None = None) -> tuple[float, int, int, float]:
    """Wall seconds, peak RSS (MiB), exit code and CPU seconds (user + system) of one ``shipwarden`` process."""
    out = subprocess.run([sys.executable, "-S", "-c", _LAUNCHER, sys.executable, "-m", "shipwarden", *argv],
                         cwd=cwd, capture_output=True, text=True, check=True).stdout.split()
    return float(out[0]), int(out[1]) // 1024, int(out[2]), float(out[3])


def measure(label: str, argv: list[str], runs: int, cwd: Path | None = None) -> None:
    results = [run(argv, cwd) for _ in range(runs)]
    walls = [r[0] for r in results]
    peak = max(r[1] for r in results)
    cpu = statistics.median(r[3] for r in results)
    print(f"{label:<52} median {statistics.median(walls):7.3f} s  (min {min(walls):.3f}, cpu {cpu:.3f})  "
          f"peak RSS {peak:5d} MiB  exit {results[0][2]}")


def fill(db: Path, stored: int) -> None:
    """``stored`` assessments of the example, one minute apart, 40 findings each, a few changing each time."""
    base = assess(AssessOptions(root=ROOT / "examples" / "vulnerable-release")).assessment
    engine = store.open_engine(store.database_url(str(db), None))
    findings = base.findings
    while len(findings) < 40:
        findings = findings + [dataclasses.replace(i, finding=dataclasses.replace(
            i.finding, key=f"{i.finding.key}#{len(findings)}")) for i in base.findings]
    findings = findings[:40]
    for n in range(stored):
        day, minute = divmod(n, 1440)
        stamp = f"2026-{1 + day // 28:02d}-{1 + day % 28:02d}T{minute // 60:02d}:{minute % 60:02d}:00Z"
        scope = dataclasses.replace(base.scope, started_at=stamp, finished_at=stamp)
        keep = [OpenFinding(i.finding, i.analysis, "", True) for k, i in enumerate(findings) if (k + n) % 7]
        store.record(engine, Assessment(scope=scope, findings=keep))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--monorepo", type=Path, help="a checkout of a large monorepo to assess")
    parser.add_argument("--stored", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="shipwarden-bench-") as tmp:
        out = Path(tmp)
        example = str(ROOT / "examples" / "vulnerable-release")
        measure("assess example (no history)", ["assess", example, "--no-history", "-q", "--fail-on", "none"],
                args.runs)
        measure("assess example (+ SQLite history, HTML, Markdown)",
                ["assess", example, "--db", str(out / "ex.sqlite3"), "-q", "--fail-on", "none", "--html",
                 str(out / "ex.html"), "--markdown", str(out / "ex.md")], args.runs)
        if args.monorepo is not None:
            mono = args.monorepo.resolve()
            files = subprocess.run(["git", "-C", str(mono), "ls-files"], capture_output=True, text=True).stdout
            print(f"monorepo {mono.name}: {len(files.splitlines())} tracked files")
            measure(f"assess {mono.name} (history, HTML)",
                    ["assess", ".", "--db", str(out / "mono.sqlite3"), "-q", "--fail-on", "none", "--html",
                     str(out / "mono.html")], max(1, args.runs // 2), cwd=mono)
        else:
            print("assess monorepo: skipped (give --monorepo PATH, a checkout of a large monorepo)")

        db = out / "history.sqlite3"
        start = time.perf_counter()
        fill(db, args.stored)
        print(f"stored {args.stored} assessments in {time.perf_counter() - start:.1f} s "
              f"({db.stat().st_size / 1048576:.1f} MiB)")
        measure(f"history --all (list {args.stored})", ["history", "--all", "--db", str(db), "--limit", "0"],
                args.runs)
        measure("history --all --limit 50 (default listing)", ["history", "--all", "--db", str(db)], args.runs)
        measure(f"history --html (newest, trend of {args.stored})",
                ["history", "--all", "--db", str(db), "--html", str(out / "h.html")], args.runs)
        engine = store.open_engine(store.database_url(str(db), None))
        start = time.perf_counter()
        entries = store.history(engine)
        listed = time.perf_counter() - start
        from shipwarden.assess.report.html import render_html

        start = time.perf_counter()
        loaded = store.load(engine)
        assert loaded is not None
        render_html(loaded)
        rendered = time.perf_counter() - start
        print(f"in process: list {len(entries)} in {listed * 1000:.1f} ms; load + render newest (trend of "
              f"{len(loaded.trend)}) in {rendered * 1000:.1f} ms")


if __name__ == "__main__":
    main()
