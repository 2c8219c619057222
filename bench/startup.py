"""Start-up of the shipwarden command: ``--version``, ``--help`` and one workflow scan.

Whole-process wall time, median of 7 runs, same machine, same run. zizmor is
compared on the one-workflow scan when ``bench/.venv`` already has it (see
bench/scan_corpus.py, which installs it); otherwise shipwarden's figures are
printed alone and the output says so. Figures are printed, never asserted.

    .venv/bin/python bench/startup.py
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SHIPWARDEN = Path(sys.executable).parent / "shipwarden"
ZIZMOR = HERE / ".venv" / "bin" / "zizmor"
WORKFLOW = ROOT / "examples" / "vulnerable-release" / ".github" / "workflows" / "release.yml"
RUNS = 7


def median_seconds(argv: list[str]) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "one"
        (repo / ".github" / "workflows").mkdir(parents=True)
        shutil.copy(WORKFLOW, repo / ".github" / "workflows" / WORKFLOW.name)
        rows = [
            ("shipwarden --version", [str(SHIPWARDEN), "--version"]),
            ("shipwarden --help", [str(SHIPWARDEN), "--help"]),
            ("shipwarden scan (one workflow)", [str(SHIPWARDEN), "scan", str(repo), "--fail-on", "none"]),
        ]
        figures = {label: median_seconds(argv) for label, argv in rows}
        for label, seconds in figures.items():
            print(f"{label:<34} {seconds:.3f} s (median of {RUNS})")
        if ZIZMOR.exists():
            zizmor = median_seconds([str(ZIZMOR), "--offline", str(repo)])
            ratio = figures["shipwarden scan (one workflow)"] / zizmor
            print(f"{'zizmor (one workflow)':<34} {zizmor:.3f} s (median of {RUNS}); shipwarden/zizmor {ratio:.2f}x")
        else:
            print("zizmor is not installed in bench/.venv (bench/scan_corpus.py installs it): shipwarden figures alone")


if __name__ == "__main__":
    main()
