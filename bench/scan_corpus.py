#!/usr/bin/env python3
"""Benchmark `shipwarden scan` on a corpus of workflow repositories against zizmor.

Default corpus: the real workflows in ../shared/corpus/workflows (each entry is a
repository root holding one workflow). `--generate N` builds a synthetic corpus
of N repositories instead. zizmor is installed from the package index into
bench/.venv (the index comes from pip's own configuration) and run with
`--offline` in the same session (bench/peers.py; shipwarden's bytecode is compiled
first, as an installed wheel has it); both tools are timed the same way: wall time of
the whole command, median of --repeat runs alternated between the commands; memory as the peak RSS of the
largest single process and, from one extra sampled run, the peak proportional
set size (PSS) of the whole process tree, workers included.

Prints files per second, peak memory, and the wall-time ratio shipwarden/zizmor,
for `scan` with and without the attack-path search.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from peers import ZIZMOR_VERSION, compile_bytecode, ensure_zizmor

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "workflows"
_PROBE = r"""
import os, resource, subprocess, sys, time

def children(pid):
    out = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                out.extend(int(c) for c in f.read().split())
    except OSError:
        pass
    return out

def tree_pss(root):
    # proportional set size of root and its descendants, KiB: pages shared by
    # forked workers are split between them instead of counted once per process
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            pass
        todo.extend(children(pid))
    return total

sample = sys.argv[1] == "1"
t = time.perf_counter()
p = subprocess.Popen(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
peak_tree = 0
if sample:
    while p.poll() is None:
        peak_tree = max(peak_tree, tree_pss(p.pid))
        time.sleep(0.01)
p.wait()
w = time.perf_counter() - t
u = resource.getrusage(resource.RUSAGE_CHILDREN)
print(w, u.ru_maxrss, peak_tree, p.returncode, u.ru_utime + u.ru_stime)
"""


#: Runs ``shipwarden`` in this process and prints the CPU seconds of the process itself
#: and of its worker processes (see :func:`cpu_split`). The figures are printed by an
#: ``atexit`` function: ``scan`` ends the process itself once its report is out
#: (``cli._end`` runs the ``atexit`` functions, then ``os._exit``).
_SPLIT = r"""
import atexit, os, resource, sys
from shipwarden.cli import main

def split():
    own, workers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    print(own.ru_utime + own.ru_stime, workers.ru_utime + workers.ru_stime, file=sys.stderr)

atexit.register(split)
sys.stdout = open(os.devnull, "w")
sys.exit(main())
"""


def cpu_split(args: list[str], repeat: int) -> tuple[float, float]:
    """Median CPU seconds of the shipwarden process itself and of its workers over ``repeat``
    runs of ``shipwarden ARGS``. The process's own share is the serial part of a scan of
    several roots (start-up, root discovery, the report), besides reading the workers'
    results while they run."""
    own: list[float] = []
    workers: list[float] = []
    for _ in range(repeat):
        done = subprocess.run([sys.executable, "-c", _SPLIT, *args], capture_output=True, text=True)
        if done.returncode & 2 or done.returncode < 0:  # bits 1 and 4 (findings, unreadable files) are a scan's
            raise RuntimeError(f"shipwarden exited {done.returncode}: {done.stderr[-2000:]}")
        mine, theirs = done.stderr.split()[-2:]
        own.append(float(mine))
        workers.append(float(theirs))
    return statistics.median(own), statistics.median(workers)


def timed(cmd: list[str], sample: bool = False) -> tuple[float, int, int, int, float]:
    """Wall seconds, peak RSS (KiB) of the largest single process, peak PSS of the whole
    process tree (workers included; only when ``sample``, polled every 10 ms), exit code,
    CPU seconds (user + system) of the whole process tree.

    A fresh probe process runs the command so that peaks of earlier runs never leak in.
    """
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, "1" if sample else "0", *cmd], capture_output=True, text=True, check=True
    )
    wall, peak, tree, code, cpu = out.stdout.split()
    return float(wall), int(peak), int(tree), int(code), float(cpu)


def measure(commands: dict[str, list[str]], repeat: int) -> dict[str, tuple[float, int, int, float]]:
    """Median wall time and largest-process peak of each command over ``repeat`` plain
    runs, alternated between the commands round after round (a change of load on a
    shared machine then hits every command alike), then one more run of each sampled
    for the process tree's memory (sampling costs CPU, so it is kept out of the
    timed runs)."""
    walls: dict[str, list[float]] = {name: [] for name in commands}
    cpus: dict[str, list[float]] = {name: [] for name in commands}
    peaks: dict[str, list[int]] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, cmd in commands.items():
            wall, peak, _tree, _code, cpu = timed(cmd)
            walls[name].append(wall)
            cpus[name].append(cpu)
            peaks[name].append(peak)
    out = {}
    for name, cmd in commands.items():
        _wall, _peak, tree, _code, _cpu = timed(cmd, sample=True)
        out[name] = (statistics.median(walls[name]), max(peaks[name]), tree, statistics.median(cpus[name]))
    return out


def roots_of(corpus: Path) -> list[Path]:
    return sorted(p for p in corpus.iterdir() if (p / ".github" / "workflows").is_dir())


def generate(n: int, source: Path, dest: Path) -> None:
    """A synthetic corpus: N repositories, each a real corpus workflow with shuffled names."""
    real = [f for r in roots_of(source) for f in (r / ".github" / "workflows").iterdir()]
    rng = random.Random(1234)
    for i in range(n):
        src = rng.choice(real)
        target = dest / f"repo{i:05d}" / ".github" / "workflows"
        target.mkdir(parents=True)
        shutil.copyfile(src, target / src.name)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--generate", type=int, default=0, metavar="N", help="scan N generated repositories instead")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--no-zizmor", action="store_true")
    args = ap.parse_args()

    tmp = None
    corpus: Path = args.corpus
    if args.generate:
        tmp = tempfile.mkdtemp(prefix="shipwarden-bench-")
        corpus = Path(tmp)
        generate(args.generate, args.corpus, corpus)
    if not corpus.is_dir():
        print(f"corpus not found: {corpus}")
        return 2
    compile_bytecode()
    roots = [str(r) for r in roots_of(corpus)]
    files = sum(1 for r in roots for _ in (Path(r) / ".github" / "workflows").iterdir())
    shipwarden = [str(Path(sys.executable).parent / "shipwarden"), "scan", "--format", "json", "--fail-on", "none"]
    print(f"corpus: {corpus} ({len(roots)} repositories, {files} workflow files), {os.cpu_count()} cores")

    commands = {
        "shipwarden scan": [*shipwarden, *roots],
        "shipwarden scan --no-paths": [*shipwarden, "--no-paths", *roots],
    }
    zizmor = None if args.no_zizmor else ensure_zizmor()
    if zizmor:
        commands[f"zizmor {ZIZMOR_VERSION} --offline"] = [
            str(zizmor), "--offline", "--format", "json", "--no-exit-codes", str(corpus)
        ]
    load = os.getloadavg()[0]
    results = measure(commands, args.repeat)
    width = max(len(k) for k in results)
    print(f"load average: {load:.2f} before, {os.getloadavg()[0]:.2f} after (on a loaded machine compare CPU seconds)")
    for name, (wall, peak, tree, cpu) in results.items():
        print(
            f"{name:<{width}}  {wall:6.3f} s  cpu {cpu:6.3f} s  {files / wall:8.1f} files/s"
            f"  peak {peak / 1024:6.1f} MiB (largest process), {tree / 1024:6.1f} MiB (process tree, PSS)"
        )
    own, workers = cpu_split(commands["shipwarden scan"][1:], args.repeat)
    print(f"shipwarden scan CPU: {own:.3f} s in its own process (start, roots, report), {workers:.3f} s in workers")
    with_paths = results["shipwarden scan"][0]
    without = results["shipwarden scan --no-paths"][0]
    print(f"path search cost: {with_paths / without:.2f}x scan without paths")
    if zizmor:
        z = results[f"zizmor {ZIZMOR_VERSION} --offline"]
        print(f"wall-time ratio shipwarden/zizmor: {with_paths / z[0]:.2f} (below 1.0 is faster)")
        print(f"CPU-time ratio shipwarden/zizmor: {results['shipwarden scan'][3] / z[3]:.2f}")
    if tmp:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
