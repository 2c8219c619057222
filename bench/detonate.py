"""Benchmark ``shipwarden detonate``: seconds per package and peak memory, sequential and parallel.

Packages are npm tarballs of real packages with install hooks, fetched with
``npm pack NAME --ignore-scripts`` through your npm configuration into a
temporary folder (or read from ``--dir``). Each one's dependencies are
installed beside it first (``--with-deps``, outside the timing), then its
install scripts are detonated in the laptop profile:

* sequentially, one package at a time: wall seconds per package;
* in parallel, ``--jobs`` (default: the number of cores) at a time: total wall seconds.

Peak memory is the largest sum of RSS over every process below this one (the
sandboxes, strace, the sink and the package's own processes), sampled every
50 ms. GuardDog's static scan of the same unpacked packages is timed for
comparison when it can be installed into bench/.venv (see bench/deps_tree.py).

``--sdist-dir DIR`` adds the Python sdists (``*.tar.gz``) in DIR: each one's
build requirements are fetched as wheels first (outside the timing), then pip's
build, install and interpreter start-up are detonated. Fetch sdists without
running them, e.g. ``shipwarden``'s own registry client, never ``pip download``
(which runs an sdist's build backend to read its metadata).

Usage: .venv/bin/python bench/detonate.py [--dir DIR] [--sdist-dir DIR] [--jobs N] [--timeout S] [--no-guarddog]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from shipwarden import sandbox  # noqa: E402
from shipwarden.detonate.bait import Profile  # noqa: E402
from shipwarden.detonate.package import Package, fetch_build_wheels, install_dependencies, prepare  # noqa: E402
from shipwarden.detonate.rules import judge  # noqa: E402
from shipwarden.detonate.run import detonate  # noqa: E402

PACKAGES = ["esbuild", "@swc/core", "prisma", "@prisma/engines", "puppeteer", "core-js", "sharp@0.32.6", "bcrypt",
            "electron", "cypress", "@sentry/cli", "nx"]


def _children_rss(root: int) -> int:
    """Sum of RSS (bytes) of every process descending from ``root``."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                fields = fh.read().rsplit(b")", 1)[1].split()
            parents[int(entry)] = int(fields[1])
            rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    total, stack = 0, [root]
    kids: dict[int, list[int]] = {}
    for pid, ppid in parents.items():
        kids.setdefault(ppid, []).append(pid)
    while stack:
        pid = stack.pop()
        for child in kids.get(pid, []):
            total += rss.get(child, 0)
            stack.append(child)
    return total


class PeakSampler(threading.Thread):
    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = 0
        self.stop = threading.Event()

    def run(self) -> None:
        me = os.getpid()
        while not self.stop.is_set():
            self.peak = max(self.peak, _children_rss(me))
            time.sleep(0.05)


def fetch(names: list[str], dest: Path) -> list[Path]:
    for name in names:
        subprocess.run(["npm", "pack", name, "--ignore-scripts", "--silent"], cwd=dest, capture_output=True,
                       timeout=300, check=False)
    return sorted(dest.glob("*.tgz"))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", type=Path, help="folder of npm tarballs (default: npm pack the list into a temp dir)")
    ap.add_argument("--sdist-dir", type=Path, help="folder of Python sdists (.tar.gz) to detonate as well")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--no-guarddog", action="store_true")
    args = ap.parse_args()
    sandbox.check_available()
    tmp = Path(tempfile.mkdtemp(prefix="bench-detonate-"))
    tarballs = sorted(args.dir.glob("*.tgz")) if args.dir else fetch(PACKAGES, tmp)
    limits = sandbox.Limits(wall_seconds=args.timeout, cpu_seconds=int(args.timeout), memory_bytes=8 << 30,
                            processes=512, output_bytes=96 << 20)
    packages: list[Package] = []
    for i, tarball in enumerate(tarballs):
        work = tmp / f"w{i}"
        work.mkdir()
        pkg = prepare(tarball, work)
        if not pkg.scripts:
            print(f"{tarball.name}: no install scripts, skipped")
            continue
        install_dependencies(pkg, tarball, work)
        packages.append(pkg)
    for i, sdist in enumerate(sorted(args.sdist_dir.glob("*.tar.gz")) if args.sdist_dir else []):
        work = tmp / f"s{i}"
        work.mkdir()
        pkg = prepare(sdist, work)
        fetch_build_wheels(pkg, work)
        packages.append(pkg)
    print(f"{len(packages)} packages with install hooks; {os.cpu_count()} cores; budget {args.timeout:g} s each\n")

    print("sequential (laptop profile)")
    print(f"{'package':34} {'seconds':>8} {'peak MiB':>9}  exit  findings")
    total = 0.0
    overall = 0
    for pkg in packages:
        sampler = PeakSampler()
        sampler.start()
        start = time.perf_counter()
        obs = detonate(pkg, Profile.LAPTOP, limits)
        wall = time.perf_counter() - start
        sampler.stop.set()
        sampler.join()
        total += wall
        overall = max(overall, sampler.peak)
        tiers = sorted(f"{f.tier.value} {f.rule_id}" for f in judge(obs))
        codes = ",".join(str(c) for c in obs.statuses.values()) or ("timeout" if obs.timed_out else "-")
        print(f"{pkg.name + '@' + pkg.version:34} {wall:8.1f} {sampler.peak / 2**20:9.0f}  {codes:4}  "
              f"{'; '.join(tiers) or 'none'}")
    print(f"{'total':34} {total:8.1f} {overall / 2**20:9.0f}  (mean {total / max(1, len(packages)):.1f} s/package)\n")

    sampler = PeakSampler()
    sampler.start()
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        list(pool.map(lambda p: detonate(p, Profile.LAPTOP, limits), packages))
    wall = time.perf_counter() - start
    sampler.stop.set()
    sampler.join()
    print(f"parallel, {args.jobs} at a time: {wall:.1f} s for {len(packages)} packages "
          f"({wall / max(1, len(packages)):.1f} s/package), peak {sampler.peak / 2**20:.0f} MiB\n")

    if not args.no_guarddog:
        try:
            from deps_tree import ensure_guarddog, guarddog
        except ImportError:
            print("GuardDog comparison unavailable (bench/deps_tree.py not importable)")
            return 0
        exe = ensure_guarddog()
        if exe is not None:
            gd_total = 0.0
            for pkg in packages:
                ecosystem = "npm" if pkg.ecosystem == "npm" else "pypi"
                gd_wall, flagged, label = guarddog(exe, ecosystem, pkg.source)
                gd_total += gd_wall
                print(f"guarddog {ecosystem:4} scan {pkg.name:28} {gd_wall:6.1f} s  {label}{' (flagged)' if flagged else ''}")
            print(f"guarddog total {gd_total:.1f} s (mean {gd_total / max(1, len(packages)):.1f} s/package)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
