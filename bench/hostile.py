"""Benchmark: peak memory and time of every command on the hostile corpus.

Builds each input of ``tests/hostile/hostile_corpus.py`` in a temporary folder, runs
the command line it names in a child process capped at ``--cap`` MiB of
address space and ``--timeout`` seconds, and prints the child's exit code,
wall time and peak RSS (``wait4``'s ``ru_maxrss``, as ``/usr/bin/time -v``
reports it) with the first error note. Target: no input above 300 MB.

    .venv/bin/python bench/hostile.py [--cap 2048] [--timeout 60] [--src DIR] [CASE ...]

``--src DIR`` runs another checkout's ``src`` (e.g. an export of an older
commit) to get "before" figures.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "hostile"))
sys.path.insert(0, str(HERE.parent / "src"))

import hostile_corpus as corpus  # noqa: E402


def run(argv: list[str], cap_mib: int, timeout: float, src: str | None, cwd: Path) -> tuple[int, float, float, str]:
    def limit() -> None:
        cap = cap_mib * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    env = {**os.environ, "PYTHONPATH": src or str(HERE.parent / "src"), "NO_COLOR": "1"}
    cmd = [sys.executable, "-m", "shipwarden", *argv, "--format", "json", "--fail-on", "P0"]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=limit, env=env, cwd=cwd)  # noqa: S603
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
    wall = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    rc = proc.returncode
    note = ""
    try:
        doc = json.loads(out)
        errors = doc.get("errors") or []
        if errors:
            note = f"{errors[0].get('path')}: {errors[0].get('message')}"
    except ValueError:
        note = (err.decode("utf-8", "replace").strip().splitlines() or [""])[-1]
    if corpus.OUTSIDE_MARKER.encode() in out + err:
        note = "LEAKED a file outside the root; " + note
    if wall >= timeout:
        note = f"TIMEOUT after {timeout:.0f}s"
    return rc, wall, usage.ru_maxrss / 1024, note[:90]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cap", type=int, default=2048, help="address-space cap of each child, MiB")
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--src", help="PYTHONPATH of the shipwarden to measure (default: this checkout)")
    parser.add_argument("cases", nargs="*")
    args = parser.parse_args()
    names = args.cases or list(corpus.CASES)
    print(f"{'case':32} {'class':>5} {'exit':>5} {'seconds':>8} {'peak MB':>8}  note")
    worst = 0.0
    with tempfile.TemporaryDirectory(prefix="shipwarden-hostile-") as tmp:
        for name in names:
            base = Path(tmp) / name
            argv = corpus.build(name, base)
            # ru_maxrss of RUSAGE_CHILDREN is the largest child so far: measure each in a fresh helper.
            helper = [sys.executable, __file__, "--one", json.dumps([argv, args.cap, args.timeout, args.src, str(base)])]
            res = subprocess.run(helper, capture_output=True, text=True, check=False)  # noqa: S603
            rc, wall, peak, note = json.loads(res.stdout) if res.returncode == 0 else (-1, 0.0, 0.0, res.stderr[-90:])
            worst = max(worst, peak)
            print(f"{name:32} {corpus.CASES[name].cls:>5} {rc:>5} {wall:>8.2f} {peak:>8.1f}  {note}", flush=True)
    print(f"largest peak RSS: {worst:.1f} MB (target: below 300 MB)")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--one":
        argv, cap, timeout, src, cwd = json.loads(sys.argv[2])
        print(json.dumps(run(argv, cap, timeout, src, Path(cwd))))
    else:
        main()
