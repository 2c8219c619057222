#!/usr/bin/env python3
"""Benchmark the text report: the rich-free renderer against rich's, and text against JSON.

Default input: the real workflows in ../shared/corpus/workflows, scanned once
in this process (2,069 findings when this was written). Prints, as the median
of --repeat runs (CPU seconds of this process, so other load on the machine
counts less):

* ``render_text`` (``shipwarden.reporting.layout``, no rich) and the rich
  renderer it replaced (``bench/rich_renderer.py``), without and with colour;
* the whole ``render`` of the report as ``text`` and as ``json`` (redaction and
  neutralisation included);
* what importing the text path costs against importing rich's console, table and text
  (each in a fresh interpreter that already imported what both need);
* the whole command ``shipwarden scan <corpus> --fail-on none -j 2 -q`` with
  ``--format text`` and ``--format json`` (wall seconds, bytecode compiled first).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from peers import compile_bytecode, run_once

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "workflows"
DOCS = "https://docs.example.invalid/rules"


def _cpu(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return statistics.median(times)


def _import_ms(statement: str, repeat: int, before: str = "pass") -> float:
    """Milliseconds ``statement`` takes in a fresh interpreter that already ran ``before``."""
    probe = f"import time; {before}; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    runs = [float(subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout)
            for _ in range(repeat)]
    return statistics.median(runs) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-cli", action="store_true", help="skip timing the whole scan command")
    args = parser.parse_args()
    if not args.corpus.is_dir():
        sys.exit(f"no corpus at {args.corpus}")
    compile_bytecode()

    from shipwarden import api
    from shipwarden.reporting import RenderOptions, render
    from shipwarden.reporting.emit import clean_report
    from shipwarden.reporting.text import render_text

    roots = tuple(sorted(p for p in args.corpus.iterdir() if not p.name.startswith(".")))
    report = api.scan(api.ScanOptions(roots=roots)).report
    cleaned = clean_report(report, terminal=True)
    print(f"corpus: {len(roots)} roots, {len(report.findings)} findings")

    try:
        from rich_renderer import render_text_rich
    except ImportError:  # rich missing: only the new figures
        render_text_rich = None

    for color in (False, True):
        options = RenderOptions(color=color, docs_url=DOCS)
        new = _cpu(lambda options=options: render_text(cleaned, options), args.repeat)
        line = f"render_text, colour {'on ' if color else 'off'}: {new:.3f} s"
        if render_text_rich is not None:
            old = _cpu(lambda options=options: render_text_rich(cleaned, options), args.repeat)
            line += f"; with rich {old:.3f} s ({old / new:.1f}x)"
        print(line)

    options = RenderOptions(docs_url=DOCS)
    text = _cpu(lambda: render(report, "text", options), args.repeat)
    json = _cpu(lambda: render(report, "json", options), args.repeat)
    print(f"render(report) as text {text:.3f} s, as json {json:.3f} s")

    shared = "import shipwarden.reporting, shipwarden.core.findings, shipwarden.core.matrix"
    ours = _import_ms("import shipwarden.reporting.text", args.repeat, shared)
    theirs = _import_ms("import rich.console, rich.table, rich.text", args.repeat, shared)
    print(f"import on top of shipwarden.reporting: text path {ours:.1f} ms; rich console+table+text {theirs:.1f} ms")

    if not args.no_cli:
        exe = str(Path(sys.executable).with_name("shipwarden"))
        base = [exe, "scan", *map(str, roots), "--fail-on", "none", "-j", "2", "-q"]
        walls: dict[str, list[float]] = {"text": [], "json": []}
        for _ in range(args.repeat):
            for fmt in walls:
                walls[fmt].append(run_once([*base, "--format", fmt])[0])
        print(
            f"scan <corpus> -j 2 -q: --format text {statistics.median(walls['text']):.2f} s, "
            f"--format json {statistics.median(walls['json']):.2f} s (wall, median of {args.repeat})"
        )


if __name__ == "__main__":
    main()
