"""Benchmark ``shipwarden endpoint`` on a home with 100,000 ordinary files.

Builds the home in a temporary directory (ordinary files spread over projects,
caches and dotfiles, plus a handful of real-format credential stores with fake
tokens), then times two sweeps and prints wall time and peak memory:

* the default sweep (catalogued stores only), and
* the sweep with ``--include HOME``, which walks the whole tree for .env files.

Usage: python bench/endpoint_home.py [--files N] [--keep]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from shipwarden.endpoint import sweep  # noqa: E402
from shipwarden.secrets.fakes import fake_token  # noqa: E402


def build_home(root: Path, n_files: int) -> None:
    """``n_files`` ordinary files in nested directories, and a few stores."""
    per_dir = 50
    for i in range(n_files):
        d = root / f"proj{i // 5000:02d}" / f"pkg{(i // per_dir) % 100:02d}" / f"mod{(i // per_dir):04d}"
        if i % per_dir == 0:
            d.mkdir(parents=True, exist_ok=True)
        (d / f"file{i}.txt").write_text("ordinary content\n")
    stores = {
        ".npmrc": f"//registry.example.invalid/:_authToken={fake_token('npm-token')}\n",
        ".claude.json": json.dumps({"primaryApiKey": fake_token("anthropic-api-key")}),
        ".config/gh/hosts.yml": f"github.com:\n  oauth_token: {fake_token('github-oauth-token')}\n",
        ".aws/credentials": f"[default]\naws_access_key_id = {fake_token('aws-access-key-id')}\n",
        ".ssh/id_ed25519": fake_token("ssh-private-key"),
        ".bash_history": "ls\n" * 20_000 + f"export GH_TOKEN={fake_token('github-pat')}\n",
        "proj00/.env": f"OPENAI_API_KEY={fake_token('openai-api-key')}\n",
    }
    for rel, text in stores.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        path.chmod(0o600)


def measure(label: str, home: Path, include: list[Path]) -> None:
    """Wall time of an untraced sweep, then peak Python memory of a traced one."""
    start = time.perf_counter()
    report = sweep(home, include=include, env={})
    wall = time.perf_counter() - start
    tracemalloc.start()
    sweep(home, include=include, env={})
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"{label:<28} {wall:7.3f} s   peak {peak / 1e6:6.1f} MB (tracemalloc)   "
        f"{len(report.findings)} findings, {report.stats.get('files_examined', 0)} store files read"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the generated home")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="shipwarden-bench-home-"))
    try:
        start = time.perf_counter()
        build_home(tmp, args.files)
        print(f"built a home of {args.files:,} ordinary files + 7 stores in {time.perf_counter() - start:.1f} s ({tmp})")
        measure("sweep (catalogue)", tmp, [])
        measure("sweep --include HOME", tmp, [tmp])
        try:
            import resource

            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            scale = 1 if sys.platform == "darwin" else 1024
            print(f"process max RSS {rss * scale / 1e6:.1f} MB (includes building the home)")
        except ImportError:  # pragma: no cover - Windows
            pass
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
