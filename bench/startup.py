"""Start-up of the shipwarden command: ``--version``, ``--help``, and a scan of one
workflow and of one repository against zizmor in the same run.

Whole-process wall time, median of --runs (default 9) runs alternated between the
commands, same machine, same run; CPU time (user + system) beside it, which moves
less than wall time when the machine is shared. zizmor is installed into
``bench/.venv`` by the bench itself (see bench/peers.py) and runs with
``--offline``; both tools write their default text report. shipwarden's bytecode
is compiled first, as an installed wheel has it. Figures are printed, never
asserted.

    .venv/bin/python bench/startup.py [--runs N] [--no-zizmor]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from peers import SHIPWARDEN, compile_bytecode, ensure_zizmor, measure, zizmor_version

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE.parent / "examples" / "vulnerable-release"
WORKFLOW = EXAMPLE / ".github" / "workflows" / "release.yml"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--no-zizmor", action="store_true")
    args = ap.parse_args()
    compile_bytecode()
    zizmor = None if args.no_zizmor else ensure_zizmor()
    with tempfile.TemporaryDirectory() as tmp:
        one = Path(tmp) / "one"
        (one / ".github" / "workflows").mkdir(parents=True)
        shutil.copy(WORKFLOW, one / ".github" / "workflows" / WORKFLOW.name)
        repo = Path(tmp) / "repo"
        shutil.copytree(EXAMPLE, repo)
        count = len(list((repo / ".github" / "workflows").iterdir()))
        commands = {
            "shipwarden --version": [str(SHIPWARDEN), "--version"],
            "shipwarden --help": [str(SHIPWARDEN), "--help"],
            "shipwarden scan (one workflow)": [str(SHIPWARDEN), "scan", str(one), "--fail-on", "none"],
            f"shipwarden scan (example, {count} workflows)": [str(SHIPWARDEN), "scan", str(repo), "--fail-on", "none"],
        }
        peers = {}
        if zizmor:
            peers = {
                "shipwarden scan (one workflow)": ("zizmor (one workflow)", [str(zizmor), "--offline", str(one)]),
                f"shipwarden scan (example, {count} workflows)": (
                    f"zizmor (example, {count} workflows)",
                    [str(zizmor), "--offline", str(repo)],
                ),
            }
            commands.update(dict(peers.values()))
        figures = measure(commands, args.runs)
    width = max(len(label) for label in figures)
    print(f"median of {args.runs} runs, whole processes" + (f"; {zizmor_version(zizmor)}" if zizmor else ""))
    for label, (wall, cpu) in figures.items():
        print(f"{label:<{width}}  wall {wall:.3f} s  cpu {cpu:.3f} s")
    for ours, (label, _argv) in peers.items():
        wall, cpu = figures[ours]
        z_wall, z_cpu = figures[label]
        print(f"{ours}: shipwarden/zizmor {wall / z_wall:.2f}x wall, {cpu / z_cpu:.2f}x cpu")
    if not zizmor:
        print("zizmor is not installed in bench/.venv: shipwarden figures alone")


if __name__ == "__main__":
    main()
