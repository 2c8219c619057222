"""What the scan benches share: the peer (zizmor) and shipwarden as an installed copy runs.

* :func:`ensure_zizmor` installs zizmor into ``bench/.venv`` with pip (the index
  comes from pip's own configuration) unless it is there already.
* :func:`compile_bytecode` writes shipwarden's bytecode before timing. An
  installed wheel has it (pip compiles at install time); an editable checkout
  run with ``PYTHONDONTWRITEBYTECODE`` set would otherwise compile every module
  again in every timed process, which is not what users run.
* :func:`measure` times whole processes, alternating the commands run after
  run so that a change of load on a shared machine hits every command alike.
"""

from __future__ import annotations

import compileall
import importlib.util
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCH_VENV = HERE / ".venv"
ZIZMOR_VERSION = "1.33.1"
SHIPWARDEN = Path(sys.executable).parent / "shipwarden"


def ensure_zizmor() -> Path | None:
    exe = BENCH_VENV / "bin" / "zizmor"
    if not exe.exists():
        try:
            subprocess.run([sys.executable, "-m", "venv", str(BENCH_VENV)], check=True)
            subprocess.run(
                [str(BENCH_VENV / "bin" / "pip"), "install", "--quiet", f"zizmor=={ZIZMOR_VERSION}"], check=True
            )
        except subprocess.CalledProcessError as exc:
            print(f"zizmor could not be installed ({exc}); printing shipwarden figures only")
            return None
    return exe if exe.exists() else None


def zizmor_version(exe: Path) -> str:
    out = subprocess.run([str(exe), "--version"], capture_output=True, text=True, check=False).stdout
    return out.strip() or "zizmor"


def compile_bytecode() -> None:
    spec = importlib.util.find_spec("shipwarden")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        compileall.compile_dir(folder, quiet=1)


def run_once(argv: list[str]) -> tuple[float, float]:
    """Wall and CPU (user + system, children included) seconds of one whole process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def measure(commands: dict[str, list[str]], runs: int) -> dict[str, tuple[float, float]]:
    """Median wall and median CPU seconds of each command over ``runs`` alternated runs
    (one untimed warm-up run each first: file cache, not bytecode)."""
    for argv in commands.values():
        run_once(argv)
    walls: dict[str, list[float]] = {name: [] for name in commands}
    cpus: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, argv in commands.items():
            wall, cpu = run_once(argv)
            walls[name].append(wall)
            cpus[name].append(cpu)
    return {name: (statistics.median(walls[name]), statistics.median(cpus[name])) for name in commands}
