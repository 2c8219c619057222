#!/usr/bin/env python3
"""Files per second of `shipwarden scan` on the GitLab CI and Jenkins corpora, next to the
GitHub Actions corpus (all read in place from ../shared/corpus).

Each corpus is scanned as one command over all its repository roots (worker processes as
`scan` chooses); the figure is files read (the report's `stats.files`: root files, local
includes, Jenkinsfiles, workflows) over the median wall time of --repeat runs.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parent.parent / "shared" / "corpus"


def run(roots: list[str], repeat: int) -> tuple[float, int, int, int]:
    cmd = [str(Path(sys.executable).parent / "shipwarden"), "scan", "--format", "json", "--fail-on", "none", *roots]
    walls: list[float] = []
    report: dict[str, object] = {}
    for _ in range(repeat):
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        walls.append(time.perf_counter() - start)
        report = json.loads(proc.stdout)
    stats = report.get("stats", {})
    assert isinstance(stats, dict)
    findings = report.get("findings", [])
    errors = report.get("errors", [])
    return (
        statistics.median(walls),
        int(stats.get("files", 0)),
        len(findings) if isinstance(findings, list) else 0,
        len(errors) if isinstance(errors, list) else 0,
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    if not CORPUS.is_dir():
        print(f"corpus not found: {CORPUS}")
        return 2
    print(f"corpus: {CORPUS}, {os.cpu_count()} cores, median of {args.repeat} runs")
    for name in ("workflows", "gitlab-ci", "jenkins"):
        base = CORPUS / name
        roots = sorted(str(p) for p in base.iterdir() if p.is_dir())
        wall, files, findings, errors = run(roots, args.repeat)
        print(
            f"{name:<10} {len(roots):4d} roots {files:5d} files  {wall:6.2f} s  {files / wall:7.1f} files/s"
            f"  {findings} findings, {errors} errors"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
