#!/usr/bin/env python3
"""Benchmark provenance verification.

1. Time per bundle: each real fixture in ../shared/fixtures/provenance verified
   offline (median of --repeat runs after one warm-up), by bundle kind.
2. A lockfile update of --packages packages (default 500): a git project whose
   package-lock.json moves every package from 1.0.0 to 1.0.1, and a loopback
   HTTP server on 127.0.0.1 serving recorded registry responses (packuments and
   attestation documents built from the real `sigstore@1.0.0` bundles). Prints
   the wall time of `shipwarden deps --against HEAD --verify` with a cold and a
   warm registry cache, per package, and the peak RSS of the run.

Usage: .venv/bin/python bench/provenance.py [--packages N] [--repeat N]
"""

from __future__ import annotations

import argparse
import base64
import http.server
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FIXTURES = ROOT.parent / "shared" / "fixtures" / "provenance"
SHA512 = (
    "7bea9f6e7ff37f5fab0b36bf061200fff03099fd2fd696b91d04bc5e4f225eb9"
    "fd6e0cadcad54ba980f43fb352a99e8810b4e0abeb5c0ef2cf9108cd1f258b36"
)
PYPI_SHA256 = "9bb1add04b1b4e182be6b0b80931593f7a291eb49d69b4fd728a5d4cbcdc4bd3"
PUBLISH = "https://github.com/npm/attestation/tree/main/specs/publish/v0.1"


def per_bundle(repeat: int) -> None:
    from shipwarden.provenance.verify import trust_root, verify_file

    cases = [
        ("bundleV03-dsse.sigstore", {"sha512": SHA512}, None),
        ("bundleV03-intoto.sigstore", {"sha512": SHA512}, None),
        ("bundleV02-intoto.sigstore", {"sha512": SHA512}, None),
        ("bundleV01-intoto-with-proof.sigstore", {"sha512": SHA512}, None),
        ("pypi_attestations-0.0.19.tar.gz.publish.attestation", {"sha256": PYPI_SHA256}, "pypi_attestations-0.0.19.tar.gz"),
    ]
    root = trust_root()
    print("time per bundle (offline, median of", repeat, "after one warm-up)")
    for name, digests, dist in cases:
        path = str(FIXTURES / name)
        verify_file(path, root=root, digests=digests, dist_name=dist)
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            res = verify_file(path, root=root, digests=digests, dist_name=dist)
            times.append(time.perf_counter() - t0)
        kind = res[0].kind.split("·")[-1].strip()
        ok = "verified" if res[0].verified else "NOT VERIFIED"
        print(f"  {name:55} {kind:22} {statistics.median(times) * 1000:7.1f} ms  {ok}")


class Server:
    def __init__(self, routes: dict[str, bytes]) -> None:
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                body = routes.get(self.path)
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                self.wfile.write(body or b"")

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


def _lock(n: int, version: str, integrity: str) -> str:
    pkgs: dict[str, Any] = {"": {"name": "app", "version": "1.0.0"}}
    for i in range(n):
        pkgs[f"node_modules/pkg-{i}"] = {
            "version": version,
            "resolved": f"https://registry.example.invalid/pkg-{i}/-/pkg-{i}-{version}.tgz",
            "integrity": integrity,
        }
    return json.dumps({"name": "app", "lockfileVersion": 3, "packages": pkgs})


def lockfile_update(n: int) -> None:
    sri = "sha512-" + base64.b64encode(bytes.fromhex(SHA512)).decode()
    new = json.loads((FIXTURES / "bundleV03-intoto.sigstore").read_text())
    old = json.loads((FIXTURES / "bundleV03-dsse.sigstore").read_text())
    routes: dict[str, bytes] = {}
    for i in range(n):
        name = f"pkg-{i}"
        routes[f"/npm/{name}"] = json.dumps(
            {
                "name": name,
                "versions": {
                    v: {"dist": {"integrity": sri, "attestations": {"url": f"/npm/-/npm/v1/attestations/{name}@{v}"}},
                        "_npmUser": {"name": f"maintainer-{i}"}}
                    for v in ("1.0.0", "1.0.1")
                },
                "time": {"1.0.0": "2025-01-01T00:00:00.000Z", "1.0.1": f"2025-02-{1 + i % 27:02d}T00:00:00.000Z"},
            }
        ).encode()
        for v, b in (("1.0.0", old), ("1.0.1", new)):
            routes[f"/npm/-/npm/v1/attestations/{name}@{v}"] = json.dumps(
                {"attestations": [{"predicateType": PUBLISH, "bundle": b}]}
            ).encode()
    server = Server(routes)
    with tempfile.TemporaryDirectory() as tmp:
        proj = Path(tmp) / "app"
        proj.mkdir()
        (proj / "package.json").write_text('{"name":"app","version":"1.0.0"}')
        (proj / "package-lock.json").write_text(_lock(n, "1.0.0", sri))
        git = ["git", "-C", str(proj), "-c", "user.name=b", "-c", "user.email=b@example.invalid", "-c", "commit.gpgsign=false"]
        subprocess.run(["git", "init", "-q", str(proj)], check=True)
        subprocess.run([*git, "add", "-A"], check=True)
        subprocess.run([*git, "commit", "-qm", "before"], check=True)
        (proj / "package-lock.json").write_text(_lock(n, "1.0.1", sri))
        env = {**os.environ, "npm_config_registry": server.url + "/npm/", "SHIPWARDEN_CACHE_DIR": str(Path(tmp) / "cache")}
        exe = shutil.which("shipwarden", path=str(Path(sys.executable).parent)) or "shipwarden"
        cmd = [exe, "deps", str(proj), "--against", "HEAD", "--verify", "--format", "json", "--fail-on", "none"]
        print(f"lockfile update of {n} packages (each: 2 attestation documents fetched and verified)")
        for label in ("cold cache", "warm cache"):
            t0 = time.perf_counter()
            out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
            wall = time.perf_counter() - t0
            stats = json.loads(out.stdout)["stats"] if out.stdout.startswith("{") else {}
            print(
                f"  {label}: {wall:6.2f} s wall, {wall / n * 1000:6.1f} ms per package;"
                f" verified {stats.get('verify_verified')}/{stats.get('verify_updates')}"
            )
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"  peak RSS of a run: {rss:.0f} MiB")
    server.httpd.shutdown()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--packages", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()
    if not FIXTURES.is_dir():
        print(f"the shared fixtures are absent ({FIXTURES}); nothing to measure")
        return
    import logging

    for name in ("sigstore", "pypi_attestations", "tuf"):
        logging.getLogger(name).setLevel(logging.ERROR)
    print(f"cpu: {os.cpu_count()} cores visible")
    per_bundle(args.repeat)
    lockfile_update(args.packages)


if __name__ == "__main__":
    main()
