"""Benchmark: review a release shaped like the leaked Claude Code package.

Builds (in a temporary folder) an npm tarball with a bundled ``dist/cli.js``
and a ~60 MB ``dist/cli.js.map`` whose ``sourcesContent`` holds ~1,900
generated TypeScript files (~510,000 lines), then runs ``shipwarden gate`` on
it in a child process and prints the wall time and peak memory (the child's
maximum RSS, and the Python heap peak from tracemalloc in a second run).

Then builds a second package of minified bundle chunks (98 MB unpacked by
default, the shapes of real bundles: names with ``token``/``key`` in them,
header names, a public DSN, a documentation JWT, and one planted token) and
times the secret scan on it.

    .venv/bin/python bench/gate_large.py [--files 1900] [--lines 270] [--bundle-mb 98]
    .venv/bin/python bench/gate_large.py --package /tmp/x/next-16.5.0.tgz [--package …] [--runs 3]

``--package`` times ``gate`` (whole process, median wall and CPU) on real packed
packages instead. The child imports this checkout's ``src`` unless PYTHONPATH
names another tree (to compare two versions with the same script).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

WORDS = [
    "const",
    "let",
    "return",
    "await",
    "async",
    "function",
    "export",
    "import",
    "from",
    "type",
    "interface",
    "if",
    "else",
    "for",
    "of",
    "new",
    "this",
    "null",
    "undefined",
    "string",
    "number",
    "boolean",
    "Promise",
]


def _pool(rng: random.Random, size: int = 40_000) -> list[str]:
    idents = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 12))) for _ in range(6000)]
    lines = []
    for _ in range(size):
        indent = "  " * rng.randint(0, 4)
        body = " ".join(
            rng.choice(WORDS) if rng.random() < 0.35 else rng.choice(idents) for _ in range(rng.randint(3, 11))
        )
        tail = rng.choice([";", " {", "", ");", " = {", ","])
        lines.append(f"{indent}{body}{tail}")
    return lines


def build(directory: Path, files: int, lines: int) -> Path:
    rng = random.Random(1)
    pool = _pool(rng)
    map_path = directory / "cli.js.map"
    with map_path.open("w", encoding="utf-8") as out:
        out.write('{"version":3,"file":"cli.js","sources":')
        json.dump([f"../src/{'components' if i % 3 else 'services'}/module{i}.ts" for i in range(files)], out)
        out.write(',"sourcesContent":[')
        for i in range(files):
            text = "\n".join(rng.choice(pool) for _ in range(lines))
            if i == 7:
                text += (
                    '\nconst GITHUB_TOKEN = "ghp_'
                    + "".join(rng.choice("ABCDEFGHabcdefgh0123456789") for _ in range(36))
                    + '";'
                )
            out.write(("," if i else "") + json.dumps(text))
        out.write('],"names":[],"mappings":"')
        for _ in range(files * lines // 4):
            out.write("AAAA,SAAS,EAAE,GAAG;" * 10)
        out.write('"}')
    bundle = ("".join(rng.choice(pool) for _ in range(200_000))).encode() + b"\n//# sourceMappingURL=cli.js.map\n"
    package_json = json.dumps({"name": "@bench/cli", "version": "2.1.88", "bin": {"cli": "dist/cli.js"}}).encode()
    tgz = directory / "bench-cli-2.1.88.tgz"
    with tarfile.open(tgz, "w:gz") as tar:
        for name, data in (("package/package.json", package_json), ("package/dist/cli.js", bundle)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        tar.add(map_path, arcname="package/dist/cli.js.map")
    map_path.unlink()
    return tgz


def review(path: str, trace: bool) -> None:
    import tracemalloc

    from shipwarden.packaging.gate import GateOptions, run_gate

    if trace:
        tracemalloc.start()
    start = time.perf_counter()
    result = run_gate(GateOptions(Path(path)))
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] if trace else 0
    leak = next(f for f in result.report.findings if f.rule_id == "gate-source-map-content")
    print(
        json.dumps(
            {
                "seconds": round(elapsed, 2),
                "python_heap_peak_mb": round(peak / 1e6, 1),
                "findings": sorted({f.rule_id for f in result.report.findings}),
                "map_files": leak.properties["files"],
                "map_lines": leak.properties["lines"],
                "unpacked_mb": round(result.report.stats["bytes"] / 1e6, 1),
                "notes": result.notes,
            }
        )
    )


# -- a real-bundle-shaped package: the secret scan on minified code ------------------------------------

#: Shapes real bundles are full of (reduced from next 16.5, wrangler 4.86 and aws-cdk 2.1149 dist files):
#: names with `token`/`key`/`secret` in them, header names, a public error-reporting DSN, a public key,
#: a documentation JWT. None is a secret.
BUNDLE_SHAPES = [
    "exports2.TokenIterator = exports2.SourceMap;",
    "var apiKey=e.apiKey||n.apiKey,secretName=t.secretName;",
    'const TOKEN_HEADER="x-amz-security-token",AUTH="authorization";',
    "this.token=e.token;this.accessKeyId=r.accessKeyId;",
    'n.headers["X-Auth-Token-V2"]=i;',
    'var dsn="https://3f2a9c1d7e5b4a60@o123456.ingest.sentry.io/4504";',
    "/** @example eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIn0.sig */",
    "function(e,t){return e.password===t.password2}",
    'let url=`${proto}://${host}:${port}/`;',
    "for(var s=0;s<a.length;s++)o.push(a[s].key);",
]


def build_bundle(directory: Path, megabytes: int) -> Path:
    rng = random.Random(2)
    pool = _pool(rng, 8000)
    filler = [line.strip() for line in pool]
    secret = "ghp_" + "".join(rng.choice("ABCDEFGHabcdefgh0123456789") for _ in range(36))
    tgz = directory / "bench-bundle-1.0.0.tgz"
    per_file = 6 * 1024 * 1024
    files = max(1, megabytes * 1024 * 1024 // per_file)
    with tarfile.open(tgz, "w:gz", compresslevel=1) as tar:
        manifest = json.dumps({"name": "@bench/bundle", "version": "1.0.0", "main": "dist/index.js"}).encode()
        for name, data in (("package/package.json", manifest),):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for i in range(files):
            parts: list[str] = []
            size = 0
            while size < per_file:
                # minified: ~20 kB lines of statements joined by ';'
                line = ";".join(rng.choice(filler) if rng.random() < 0.9 else rng.choice(BUNDLE_SHAPES)
                                for _ in range(400))
                parts.append(line)
                size += len(line) + 1
            if i == files // 2:
                parts.insert(len(parts) // 2, f'const GH="{secret}";')
            data = "\n".join(parts).encode()
            info = tarfile.TarInfo(f"package/dist/chunk-{i}.js")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return tgz


def review_bundle(path: str) -> None:
    from shipwarden.packaging.gate import GateOptions, run_gate
    from shipwarden.packaging.policy import GatePolicy
    from shipwarden.secrets.prefilter import engine_name

    policy = GatePolicy(secret_scan_budget=1 << 30, secret_scan_file_limit=64 << 20)
    start = time.perf_counter()
    cpu = time.process_time()
    result = run_gate(GateOptions(Path(path), policy=policy))
    elapsed = time.perf_counter() - start
    secrets = [f for f in result.report.findings if f.rule_id == "gate-secret"]
    print(json.dumps({
        "seconds": round(elapsed, 2),
        "cpu_seconds": round(time.process_time() - cpu, 2),
        "engine": engine_name(),
        "unpacked_mb": round(result.report.stats["bytes"] / 1e6, 1),
        "secrets": {t: sum(1 for f in secrets if f.tier.value == t) for t in ("P0", "P1", "P2")},
        "notes": result.notes,
    }))


def bundle_main(megabytes: int) -> None:
    with tempfile.TemporaryDirectory(prefix="shipwarden-bench-") as tmp:
        t0 = time.perf_counter()
        tgz = build_bundle(Path(tmp), megabytes)
        with tarfile.open(tgz) as tar:
            unpacked = sum(m.size for m in tar.getmembers())
        print(f"built {tgz.name}: minified bundle chunks, {unpacked / 1e6:.1f} MB unpacked in {time.perf_counter() - t0:.1f} s")
        env = _src_env()
        out = subprocess.run([sys.executable, __file__, "--review-bundle", str(tgz)], capture_output=True, text=True,
                             env=env, check=True)
        stats = json.loads(out.stdout)
        print(f"gate secret scan of the bundle: {stats['seconds']:.2f} s wall, {stats['cpu_seconds']:.2f} s CPU "
              f"({stats['engine']} prefilter), {stats['unpacked_mb']} MB; secrets found by tier {stats['secrets']} "
              "(one planted ghp_ token; the name, header, DSN, JWT-example shapes must not be reported)")
        for note in stats["notes"]:
            print(f"note: {note}")


def _src_env() -> dict[str, str]:
    """The environment of the timed child: this checkout's ``src`` unless PYTHONPATH names another
    (to compare two trees with the same script)."""
    default = str(Path(__file__).resolve().parents[1] / "src")
    return {**os.environ, "PYTHONPATH": os.environ.get("PYTHONPATH") or default}


def packages_main(paths: list[str], runs: int) -> None:
    """``gate`` on real packed packages (``npm pack --ignore-scripts`` / ``pip download --no-deps``
    output): median wall and CPU time of ``runs`` whole-process runs each, and the findings by tier."""
    env = _src_env()
    for path in paths:
        walls: list[float] = []
        cpus: list[float] = []
        tiers: dict[str, int] = {}
        for _ in range(runs):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-m", "shipwarden", "gate", path, "--format", "json", "--quiet"],
                capture_output=True, text=True, env=env, check=False,
            )
            walls.append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
            if done.returncode not in (0, 1):
                print(f"{Path(path).name}: gate exited {done.returncode}: {done.stderr.strip()[-300:]}")
                break
            tiers = {}
            for finding in json.loads(done.stdout)["findings"]:
                tiers[finding["tier"]] = tiers.get(finding["tier"], 0) + 1
        if walls:
            print(
                f"gate {Path(path).name}: {statistics.median(walls):.2f} s wall, {statistics.median(cpus):.2f} s CPU "
                f"(median of {len(walls)}); findings {dict(sorted(tiers.items()))}"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=1900)
    parser.add_argument("--lines", type=int, default=270)
    parser.add_argument("--review", help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--bundle-mb", type=int, default=98, help="size of the minified-bundle package (0: skip)")
    parser.add_argument("--review-bundle", help=argparse.SUPPRESS)
    parser.add_argument("--package", action="append", default=[],
                        help="a packed package to time gate on (repeatable); only these are run")
    parser.add_argument("--runs", type=int, default=3, help="runs per --package (the median is printed)")
    args = parser.parse_args()
    if args.package:
        packages_main(args.package, args.runs)
        return 0
    if args.review_bundle:
        review_bundle(args.review_bundle)
        return 0
    if args.review:
        review(args.review, args.trace)
        return 0
    with tempfile.TemporaryDirectory(prefix="shipwarden-bench-") as tmp:
        t0 = time.perf_counter()
        tgz = build(Path(tmp), args.files, args.lines)
        with tarfile.open(tgz) as tar:
            unpacked = sum(m.size for m in tar.getmembers())
        print(
            f"built {tgz.name}: {tgz.stat().st_size / 1e6:.1f} MB compressed, {unpacked / 1e6:.1f} MB unpacked "
            f"in {time.perf_counter() - t0:.1f} s"
        )
        env = _src_env()
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        timed = subprocess.run(
            [sys.executable, __file__, "--review", str(tgz)], capture_output=True, text=True, env=env, check=True
        )
        rss_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        stats = json.loads(timed.stdout)
        traced = json.loads(
            subprocess.run(
                [sys.executable, __file__, "--review", str(tgz), "--trace"],
                capture_output=True,
                text=True,
                env=env,
                check=True,
            ).stdout
        )
        print(
            f"gate review: {stats['seconds']:.2f} s, peak RSS {max(rss_kb, before) / 1024:.0f} MB "
            f"(whole interpreter), Python heap peak {traced['python_heap_peak_mb']:.1f} MB"
        )
        print(
            f"found: {', '.join(stats['findings'])}; the map gives away {stats['map_files']:,} files, "
            f"{stats['map_lines']:,} lines"
        )
        for note in stats["notes"]:
            print(f"note: {note}")
    if args.bundle_mb:
        bundle_main(args.bundle_mb)
    return 0


if __name__ == "__main__":
    sys.exit(main())
