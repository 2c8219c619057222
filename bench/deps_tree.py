#!/usr/bin/env python3
"""Benchmark `shipwarden deps` on a generated installed tree, against GuardDog.

Builds, in a temporary folder, a project with a `package-lock.json` and a
`node_modules` tree of --packages packages (default 2,000): ordinary packages
with a few source files, about 3 % with install hooks of the kinds seen in real
trees (esbuild-style binary fetch, node-gyp, prebuild-install, banners), a few
multi-megabyte minified files (some run at install, some only shipped), the two
inert npm fixtures of tests/deps (a postinstall stealer, a TanStack-style git
optional dependency) and a site-packages folder with the inert `.pth` fixtures.

Then, in one run, prints:

* wall time and peak RSS of a full `deps` run over the tree (median of --repeat);
* per-package time of shipwarden (wall / packages) and of GuardDog
  (`guarddog npm scan DIR` / `guarddog pypi scan DIR` on a --sample of the same
  packages, one process per package as GuardDog is used), and the ratio;
* detection on the inert fixtures: which samples each tool flags;
* `deps --fetch` cold and warm (fresh cache, then the same cache) on a
  yarn.lock of --fetch-packages packages (default 1,400; yarn.lock records no
  script flag, so every package is looked up), served by a local HTTP server on
  127.0.0.1 that answers from recorded responses with --latency ms added to
  each (default 40 ms, about a public registry's round trip seen from here);
  with --fetch-project DIR, also cold/warm on that real project through your
  own registry configuration (network).

GuardDog is installed from the package index into bench/.venv (pip's own
configuration chooses the index). If it cannot be installed, that is said
clearly and shipwarden's own figures are still printed.

Usage: .venv/bin/python bench/deps_tree.py [--packages N] [--sample N] [--repeat N] [--keep] [--no-guarddog]
       [--fetch-packages N] [--latency MS] [--fetch-project DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import string
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FIXTURES = ROOT / "tests" / "deps" / "fixtures" / "projects"
sys.path.insert(0, str(ROOT / "tests" / "deps"))
from localregistry import LocalRegistry, integrity, tgz  # noqa: E402 - the tests' local registry, shared

BENCH_VENV = HERE / ".venv"
GUARDDOG_VERSION = "3.2.0"
REGISTRY = "https://registry.example.invalid/"

# ---------------------------------------------------------------------------- the tree

BANNER = 'console.log("Thank you for using {name}! Consider supporting the project.");\n'
POSTINSTALL_JS = """"use strict";
const fs = require("fs");
const path = require("path");
if (process.env.CI !== "true" && !process.env.{quiet}) {{
  const cfg = path.join(__dirname, "..", "dist", "config.json");
  if (!fs.existsSync(cfg)) fs.writeFileSync(cfg, JSON.stringify({{ created: Date.now() }}));
  console.log("{name}: postinstall done");
}}
"""


def _word(rng: random.Random, n: int = 7) -> str:
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(n))


def minified(rng: random.Random, size: int) -> str:
    """Bundler-like minified JavaScript of about ``size`` characters (benign)."""
    parts: list[str] = ['"use strict";var e=require("path"),t=require("fs");']
    total = len(parts[0])
    i = 0
    while total < size:
        a, b = _word(rng, 2), _word(rng, 3)
        chunk = (
            f'function {b}{i}({a},n){{var r=[],o="{_word(rng, 12)}";for(var s=0;s<{a}.length;s++)'
            f'r.push({a}[s]+o+n);return r.join("-")}}var {a}{i}={b}{i}(["{_word(rng, 5)}","{_word(rng, 6)}"],{i});'
        )
        if i % 50 == 0:
            chunk += f'module.exports.{b}{i}=function(){{return e.join(__dirname,"{_word(rng, 4)}.json")}};'
        parts.append(chunk)
        total += len(chunk)
        i += 1
    return "".join(parts) + "\n"


def _hook_package(rng: random.Random, folder: Path, name: str, kind: str, big: int) -> dict[str, str]:
    scripts: dict[str, str] = {}
    if kind == "esbuild":
        scripts["postinstall"] = "node install.js"
        shutil.copyfile(FIXTURES / "npm-app/node_modules/esbuild/install.js", folder / "install.js")
    elif kind == "gyp":
        (folder / "binding.gyp").write_text('{"targets": [{"target_name": "addon", "sources": ["src/a.cc"]}]}\n')
    elif kind == "prebuild":
        scripts["install"] = "prebuild-install || node-gyp rebuild"
        (folder / "binding.gyp").write_text('{"targets": [{"target_name": "addon", "sources": ["src/a.cc"]}]}\n')
    elif kind == "banner":
        scripts["postinstall"] = "node banner.js || exit 0"
        (folder / "banner.js").write_text(BANNER.format(name=name))
    elif kind == "script":
        scripts["postinstall"] = "node scripts/postinstall.js"
        (folder / "scripts").mkdir()
        (folder / "scripts/postinstall.js").write_text(POSTINSTALL_JS.format(name=name, quiet=name.upper().replace("-", "_") + "_QUIET"))
    elif kind == "minified":
        scripts["postinstall"] = "node dist/install.min.js"
        (folder / "dist").mkdir(exist_ok=True)
        (folder / "dist/install.min.js").write_text(minified(rng, big))
    return scripts


@dataclass
class Tree:
    packages: int
    python_distributions: int
    sample: list[Path]


def build_tree(dest: Path, n: int, seed: int) -> Tree:
    rng = random.Random(seed)
    nm = dest / "node_modules"
    nm.mkdir(parents=True)
    packages: dict[str, object] = {"": {"name": "bench-app", "version": "1.0.0"}}
    hook_kinds = ["esbuild", "gyp", "prebuild", "banner", "script", "banner", "script", "gyp"]
    hook_every = 33  # ~3 % of packages run something at install
    big_hooks = {hook_every * 3, hook_every * 17, hook_every * 41}  # install scripts of 2-3 MB
    big_shipped = {7, 501, 1203}  # large minified files that never run at install
    names: list[str] = []
    sample: list[Path] = []
    for i in range(n):
        scoped = i % 9 == 0
        name = f"@scope{i % 13}/pkg-{i:04d}" if scoped else f"pkg-{i:04d}-{_word(rng, 4)}"
        nested = i % 25 == 24 and names
        base = nm / names[-1] / "node_modules" if nested else nm
        folder = base / name
        folder.mkdir(parents=True)
        version = f"{rng.randint(0, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 20)}"
        files = rng.randint(1, 4)
        for j in range(files):
            (folder / f"lib{j}.js").write_text(
                f'"use strict";\nconst path = require("path");\nmodule.exports = function f{j}(x) {{ return path.join(x, "{_word(rng)}"); }};\n'
                * rng.randint(5, 60)
            )
        (folder / "README.md").write_text(f"# {name}\n\nA package.\n")
        scripts: dict[str, str] = {"test": "node test.js"}
        has_hook = i % hook_every == 0 and i > 0
        if has_hook:
            kind = "minified" if i in big_hooks else hook_kinds[(i // hook_every) % len(hook_kinds)]
            scripts.update(_hook_package(rng, folder, name, kind, rng.randint(2_000_000, 3_000_000)))
        if i in big_shipped:
            (folder / "dist").mkdir(exist_ok=True)
            (folder / "dist/bundle.min.js").write_text(minified(rng, rng.randint(1_500_000, 2_500_000)))
        (folder / "package.json").write_text(json.dumps({"name": name, "version": version, "main": "lib0.js",
                                                          "scripts": scripts, "license": "MIT"}, indent=2))
        rel = folder.relative_to(dest).as_posix()
        entry: dict[str, object] = {"version": version,
                                    "resolved": f"{REGISTRY}{name}/-/{name.rsplit('/', 1)[-1]}-{version}.tgz",
                                    "integrity": "sha512-" + _word(rng, 40)}
        if has_hook or (folder / "binding.gyp").exists():
            entry["hasInstallScript"] = True
        packages[rel] = entry
        if not nested:
            names.append(name)
        if has_hook and len(sample) < 4 or i in (5, 250, 1500) or i in big_shipped and len(sample) < 7:
            sample.append(folder)
    # the inert npm fixtures
    for pkg in ("crypto-helper-fixture", "@tanstack/setup"):
        shutil.copytree(FIXTURES / "npm-app/node_modules" / pkg, nm / pkg)
    fixture_lock = json.loads((FIXTURES / "npm-app/package-lock.json").read_text())["packages"]
    for key in ("node_modules/crypto-helper-fixture", "node_modules/@tanstack/setup"):
        packages[key] = fixture_lock[key]
    (dest / "package.json").write_text(json.dumps({"name": "bench-app", "version": "1.0.0"}))
    (dest / "package-lock.json").write_text(json.dumps({"name": "bench-app", "lockfileVersion": 3,
                                                         "requires": True, "packages": packages}, indent=2))
    # the inert Python fixtures
    shutil.copytree(FIXTURES / "py-env/env", dest / ".venv")
    return Tree(packages=n + 2, python_distributions=5, sample=sample)


# ---------------------------------------------------------------------------- running

_RUNNER = """
import json, sys
from pathlib import Path
from shipwarden.deps.scan import scan_deps
r = scan_deps(Path(sys.argv[1]))
tiers = {}
for f in r.report.findings:
    tiers[f.tier.value] = tiers.get(f.tier.value, 0) + 1
print(json.dumps({"stats": r.report.stats, "tiers": tiers, "errors": len(r.report.errors)}))
"""

_PROBE = (
    "import resource, subprocess, sys, time\n"
    "t = time.perf_counter()\n"
    "p = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
    "w = time.perf_counter() - t\n"
    "sys.stderr.write(p.stdout)\n"
    "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(w, u.ru_maxrss, p.returncode, u.ru_utime + u.ru_stime)\n"
)


def timed(cmd: list[str]) -> tuple[float, float, int, int, str]:
    """Wall and CPU seconds, peak RSS (KiB) and exit code of ``cmd`` in a fresh probe process, and its stdout.

    CPU time (user + system) hardly moves with the load others put on the machine; wall time does.
    """
    out = subprocess.run([sys.executable, "-c", _PROBE, *cmd], capture_output=True, text=True, check=True)
    wall, peak, code, cpu = out.stdout.split()
    return float(wall), float(cpu), int(peak), int(code), out.stderr


def run_shipwarden(tree: Path, repeat: int) -> tuple[float, float, int, dict[str, object]]:
    walls, cpus, peaks = [], [], []
    summary: dict[str, object] = {}
    for _ in range(repeat):
        wall, cpu, peak, code, stdout = timed([sys.executable, "-c", _RUNNER, str(tree)])
        if code != 0:
            raise SystemExit(f"shipwarden run failed (exit {code})")
        walls.append(wall)
        cpus.append(cpu)
        peaks.append(peak)
        summary = json.loads(stdout)
    return statistics.median(walls), statistics.median(cpus), max(peaks), summary


def ensure_guarddog() -> Path | None:
    exe = BENCH_VENV / "bin" / "guarddog"
    if exe.exists():
        return exe
    print(f"installing guarddog=={GUARDDOG_VERSION} into {BENCH_VENV} …", flush=True)
    try:
        if not (BENCH_VENV / "bin" / "pip").exists():
            subprocess.run([sys.executable, "-m", "venv", str(BENCH_VENV)], check=True)
        subprocess.run([str(BENCH_VENV / "bin" / "pip"), "install", "--quiet", f"guarddog=={GUARDDOG_VERSION}"],
                       check=True, capture_output=True, timeout=900)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        print(f"GuardDog could NOT be installed ({exc.__class__.__name__}); printing shipwarden figures only")
        return None
    return exe if exe.exists() else None


def guarddog(exe: Path, ecosystem: str, folder: Path) -> tuple[float, bool, str]:
    """Wall time, whether GuardDog flags the package (a risk label other than none), and its label."""
    start = time.perf_counter()
    proc = subprocess.run([str(exe), ecosystem, "scan", str(folder), "--output-format", "json"],
                          capture_output=True, text=True, timeout=600)
    wall = time.perf_counter() - start
    try:
        data = json.loads(proc.stdout)
    except ValueError:
        return wall, False, f"no JSON (exit {proc.returncode})"
    risk = data.get("risk_score") or {}
    label = str(risk.get("label", "")) if isinstance(risk, dict) else ""
    score = risk.get("score", 0) if isinstance(risk, dict) else 0
    flagged = bool(label) and label != "no_risks_detected"
    return wall, flagged, f"{label or 'issues=' + str(data.get('issues'))} {score}"


# ---------------------------------------------------------------------------- detection

# (label, ecosystem, folder under the fixtures, expected malicious, shipwarden package name)
SAMPLES = [
    ("postinstall credential stealer", "npm", "npm-app/node_modules/crypto-helper-fixture", True, "crypto-helper-fixture"),
    ("git optional dep + prepare (TanStack)", "npm", "npm-app/node_modules/@tanstack/setup", True, "@tanstack/setup"),
    ("esbuild-style binary fetch", "npm", "npm-app/node_modules/esbuild", False, "esbuild"),
    ("node-gyp native add-on", "npm", "npm-app/node_modules/native-addon", False, "native-addon"),
    ("sharp-style prebuild || node-gyp", "npm", "npm-app/node_modules/sharp-like", False, "sharp-like"),
    ("package without hooks", "npm", "npm-app/node_modules/lodash", False, "lodash"),
    (".pth exec of base64 (LiteLLM)", "pypi", "litellm_init.pth", True, "litellm"),
    (".pth that only imports a stealer", "pypi", "telemetry_boot.pth", True, "telemetry-boot"),
    ("setuptools distutils-precedence.pth", "pypi", "distutils-precedence.pth", False, "setuptools"),
]
_PY_FILES = {
    "litellm_init.pth": ["litellm_init.pth"],
    "telemetry_boot.pth": ["telemetry_boot.pth", "telemetry_boot_hook.py"],
    "distutils-precedence.pth": ["distutils-precedence.pth", "_distutils_hack"],
}


def shipwarden_verdicts() -> dict[str, tuple[bool, str]]:
    sys.path.insert(0, str(ROOT / "src"))
    from shipwarden.deps.rules import BEHAVIOUR_RULES, PTH_STARTUP_CODE
    from shipwarden.deps.scan import scan_deps

    flagging = set(BEHAVIOUR_RULES) | {PTH_STARTUP_CODE.id}
    out: dict[str, tuple[bool, str]] = {}
    for project in ("npm-app", "py-env"):
        for f in scan_deps(FIXTURES / project).report.findings:
            pkg = str(f.properties.get("package", ""))
            if not pkg:
                continue
            flagged, text = out.get(pkg, (False, ""))
            hit = f.rule_id in flagging and f.tier.rank <= 1
            out[pkg] = (flagged or hit, (text + " " if text else "") + f"{f.tier.value}:{f.rule_id.removeprefix('deps-')}")
    return out


def _mark(flagged: bool, malicious: bool) -> str:
    return ("flagged" if flagged else "clean") + ("" if flagged == malicious else " ✗")


def detection(exe: Path | None, work: Path) -> None:
    ours = shipwarden_verdicts()
    print("\nDetection on the inert fixtures (flagged = P0/P1 behaviour finding / GuardDog risk label):")
    print(f"  {'sample':40} {'expect':9} {'shipwarden':11} {'GuardDog':11} shipwarden rules | GuardDog label")
    right = {"shipwarden": 0, "guarddog": 0}
    for label, eco, rel, bad, pkg in SAMPLES:
        flagged, rules = ours.get(pkg, (False, "no hook"))
        gd_text, gd_flag = "n/a", None
        if exe is not None:
            if eco == "pypi":
                folder = work / "pypi" / rel.replace(".", "_")
                folder.mkdir(parents=True, exist_ok=True)
                site = FIXTURES / "py-env/env/lib/python3.11/site-packages"
                for name in _PY_FILES[rel]:
                    src = site / name
                    (shutil.copytree if src.is_dir() else shutil.copyfile)(src, folder / name)
            else:
                folder = FIXTURES / rel
            _, gd_flag, gd_text = guarddog(exe, eco, folder)
        right["shipwarden"] += flagged == bad
        if gd_flag is not None:
            right["guarddog"] += gd_flag == bad
        print(f"  {label:40} {'malicious' if bad else 'benign':9} {_mark(flagged, bad):11} "
              f"{_mark(gd_flag, bad) if gd_flag is not None else 'n/a':11} {rules[:60]} | {gd_text}")
    total = len(SAMPLES)
    gd = f"{right['guarddog']}/{total}" if exe is not None else "n/a"
    print(f"  correct: shipwarden {right['shipwarden']}/{total}, GuardDog {gd}")


# ---------------------------------------------------------------------------- main


# ---------------------------------------------------------------------------- --fetch


def recorded_registry(n: int, seed: int, base: str) -> tuple[dict[str, bytes], list[str]]:
    """Responses of a registry at ``base`` for ``n`` packages (about 3 % with an install script), and yarn.lock lines."""
    rng = random.Random(seed)
    files: dict[str, bytes] = {}
    lock = ["# yarn lockfile v1", ""]
    for i in range(n):
        name = f"{_word(rng)}-{i}" if i % 5 else f"@{_word(rng, 5)}/{_word(rng)}-{i}"
        tail = f"{name}/-/{name.rsplit('/', 1)[-1]}-1.0.0.tgz"
        manifest: dict[str, object] = {"name": name, "version": "1.0.0", "description": _word(rng, 30)}
        dist: dict[str, str] = {"tarball": base + tail}
        if rng.random() < 0.03:
            manifest["scripts"] = {"postinstall": "node install.js"}
            data = tgz({"package.json": json.dumps(manifest), "install.js": POSTINSTALL_JS.format(name=name, quiet="Q")})
            dist["integrity"] = integrity(data)
            files["/" + tail] = data
        files[f"/{name.replace('/', '%2f')}/1.0.0"] = json.dumps({**manifest, "dist": dist}).encode()
        lock += [f'"{name}@^1.0.0":', '  version "1.0.0"', f'  resolved "{base}{tail}"', ""]
    return files, lock


def fetch_run(project: Path, cache: Path, env: dict[str, str]) -> tuple[float, dict[str, object]]:
    t = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "shipwarden", "deps", str(project), "--fetch", "--quiet",
                          "--format", "json", "--fail-on", "none"],
                         capture_output=True, text=True, env={**os.environ, **env, "SHIPWARDEN_CACHE_DIR": str(cache)})
    wall = time.perf_counter() - t
    data = json.loads(out.stdout) if out.stdout.strip() else {}
    return wall, data


def _fetch_line(label: str, wall: float, data: dict[str, object]) -> str:
    stats = data.get("stats", {}) if isinstance(data, dict) else {}
    cov = data.get("coverage", []) if isinstance(data, dict) else []
    unknown = sum(c.get("unknown", 0) for c in cov) if isinstance(cov, list) else "?"
    errors = data.get("summary", {}).get("errors") if isinstance(data.get("summary"), dict) else "?"  # type: ignore[union-attr]
    return (f"  {label:5} {wall:6.2f}s  looked up {stats.get('looked_up', 0)}, tarballs read {stats.get('fetched', 0)}, "  # type: ignore[union-attr]
            f"packages still unknown {unknown}, errors {errors}")


def fetch_bench(work: Path, n: int, seed: int, latency_ms: float, project: Path | None) -> None:
    if n > 0:
        with LocalRegistry(latency_ms / 1000) as registry:
            base = registry.base
            recorded, lock = recorded_registry(n, seed, base)
            registry.files.update(recorded)
            app = work / "fetch-app"
            app.mkdir()
            (app / "yarn.lock").write_text("\n".join(lock))
            cache = work / "fetch-cache"
            env = {"NPM_CONFIG_REGISTRY": base, "npm_config_registry": base}
            print(f"\nshipwarden deps --fetch on a yarn.lock of {n} packages, local recorded registry on 127.0.0.1 "
                  f"(+{latency_ms:g} ms per response):")
            for label in ("cold", "warm"):
                wall, data = fetch_run(app, cache, env)
                print(_fetch_line(label, wall, data))
    if project is not None:
        cache = work / "project-cache"
        print(f"\nshipwarden deps --fetch on {project} through your registry configuration (network):")
        for label in ("cold", "warm"):
            wall, data = fetch_run(project, cache, {})
            print(_fetch_line(label, wall, data))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--packages", type=int, default=2000)
    parser.add_argument("--sample", type=int, default=8, help="packages GuardDog scans for the per-package time")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--keep", action="store_true", help="keep the generated tree and print its path")
    parser.add_argument("--no-guarddog", action="store_true")
    parser.add_argument("--fetch-packages", type=int, default=1400, help="packages of the --fetch run (0: skip it)")
    parser.add_argument("--latency", type=float, default=40.0, help="ms added to each recorded response")
    parser.add_argument("--fetch-project", type=Path, help="also time --fetch on this real project (network)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="shipwarden-deps-bench-"))
    try:
        tree = work / "app"
        t0 = time.perf_counter()
        info = build_tree(tree, args.packages, args.seed)
        size = sum(p.stat().st_size for p in tree.rglob("*") if p.is_file())
        print(f"generated {info.packages} npm packages + {info.python_distributions} Python distributions "
              f"({size / 1e6:.0f} MB) in {time.perf_counter() - t0:.1f}s")

        load = os.getloadavg()[0]
        wall, cpu, peak, summary = run_shipwarden(tree, args.repeat)
        stats: dict[str, int] = summary["stats"]  # type: ignore[assignment]
        per_pkg = wall / info.packages
        print(f"\nshipwarden deps (full run, median of {args.repeat}): {wall:.2f}s wall, {cpu:.2f}s CPU, "
              f"peak RSS {peak / 1024:.0f} MiB (1-min load average before: {load:.2f} on {os.cpu_count()} CPUs)")
        print(f"  installed packages {stats['installed_packages']}, hooks {stats['install_hooks']}, "
              f"files analysed {stats['files_analysed']}, findings by tier {summary['tiers']}, errors {summary['errors']}")
        print(f"  per package: {per_pkg * 1000:.2f} ms")

        exe = None if args.no_guarddog else ensure_guarddog()
        if exe is None and args.no_guarddog:
            print("GuardDog skipped (--no-guarddog)")
        if exe is not None:
            sample = info.sample[: args.sample]
            times = []
            for folder in sample:
                t, _, _ = guarddog(exe, "npm", folder)
                times.append(t)
            gd_per = statistics.mean(times)
            print(f"\nGuardDog {GUARDDOG_VERSION} `npm scan` on {len(sample)} of the same packages: "
                  f"{gd_per:.2f}s per package (min {min(times):.2f}s, max {max(times):.2f}s)")
            print(f"  shipwarden is {gd_per / per_pkg:.0f}x faster per package "
                  f"(target: at least 20x); GuardDog over the whole tree would take ~{gd_per * info.packages / 60:.0f} min")
        detection(exe, work)
        if args.fetch_packages > 0 or args.fetch_project is not None:
            fetch_bench(work, args.fetch_packages, args.seed, args.latency, args.fetch_project)
        if args.keep:
            print(f"\ntree kept at {tree}")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
