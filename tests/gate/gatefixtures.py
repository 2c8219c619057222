"""Fixture packages for the gate tests, built at run time (nothing real is committed).

Secret-looking values are generated here with a seeded RNG so that no token,
real or fake, is stored in the repository.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import random
import string
import tarfile
import zipfile
from pathlib import Path

REGISTRY = "https://registry.example.invalid/"
INDEX = "https://pypi.example.invalid/simple/"

_ALNUM = string.ascii_letters + string.digits


def token(prefix: str, length: int, seed: int = 7) -> str:
    rng = random.Random(seed)
    return prefix + "".join(rng.choice(_ALNUM) for _ in range(length))


def npm_token() -> str:
    return token("npm_", 36)


def pypi_token() -> str:
    """Shaped like an upload token (macaroon prefix), random body."""
    return token("pypi-AgE", 80, seed=11)


def github_token() -> str:
    return token("ghp_", 36, seed=5)


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def pkg_json(**fields: object) -> str:
    data = {"name": "fixture-pkg", "version": "1.0.0", **fields}
    return json.dumps(data, indent=2) + "\n"


def source_map(n_files: int = 3, lines: int = 40, with_content: bool = True, file: str = "cli.js") -> str:
    sources = [f"../src/module{i}.ts" for i in range(n_files)] + ["../node_modules/leftpad/index.js"]
    contents = ["\n".join(f'export const v{i}_{j} = "line {j}";' for j in range(lines)) for i in range(n_files)] + [
        "module.exports = function leftpad() {}\n"
    ]
    data: dict[str, object] = {"version": 3, "file": file, "sources": sources, "names": [], "mappings": "AAAA;AACA"}
    if with_content:
        data["sourcesContent"] = contents
    return json.dumps(data)


# -- npm packages --------------------------------------------------------------


def npm_bundle_with_map(root: Path) -> Path:
    """The Claude Code shape: a bundled dist/cli.js, its .map with sourcesContent, no `files`."""
    return write(
        root,
        {
            "package.json": pkg_json(bin={"fixture": "dist/cli.js"}),
            "README.md": "# fixture\n",
            "dist/cli.js": "#!/usr/bin/env node\nconsole.log('hi')\n//# sourceMappingURL=cli.js.map\n",
            "dist/cli.js.map": source_map(),
            "src/module0.ts": "export const a = 1\n",
            ".gitignore": "node_modules\n",
        },
    )


def npmignore_replaces_gitignore(root: Path) -> Path:
    """.gitignore lists .env, but a .npmignore exists, so .gitignore is ignored and .env ships."""
    return write(
        root,
        {
            "package.json": pkg_json(main="index.js"),
            "index.js": "module.exports = 1\n",
            ".gitignore": ".env\nnode_modules\n",
            ".npmignore": "test/\n*.log\n",
            ".env": f"NPM_TOKEN={npm_token()}\nDEBUG=1\n",
            "test/index.test.js": "// test\n",
        },
    )


def files_dist_ships_maps(root: Path) -> Path:
    """files: ["dist"] — the root .npmignore/.gitignore `*.map` no longer applies."""
    return write(
        root,
        {
            "package.json": pkg_json(main="dist/index.js", files=["dist"]),
            "dist/index.js": "exports.a=1\n//# sourceMappingURL=index.js.map\n",
            "dist/index.js.map": source_map(2, 10, file="index.js"),
            ".npmignore": "*.map\n",
            ".gitignore": "*.map\n",
        },
    )


def clean_package(root: Path) -> Path:
    return write(
        root,
        {
            "package.json": pkg_json(main="dist/index.js", files=["dist"], license="MIT"),
            "README.md": "# clean\n",
            "LICENSE": "MIT License\n",
            "dist/index.js": "'use strict';\nexports.add = (a, b) => a + b;\n",
            "dist/index.d.ts": "export declare const add: (a: number, b: number) => number;\n",
            "src/index.ts": "export const add = (a: number, b: number) => a + b\n",
            ".gitignore": "node_modules\n.env\n",
            ".env": "LOCAL=1\n",
        },
    )


def inline_map_package(root: Path) -> Path:
    inline = base64.b64encode(source_map(2, 25, file="cli.mjs").encode()).decode()
    return write(
        root,
        {
            "package.json": pkg_json(files=["cli.mjs"], bin={"x": "cli.mjs"}),
            "cli.mjs": "console.log(1)\n//# sourceMappingURL=data:application/json;charset=utf-8;base64,"
            + inline
            + "\n",
        },
    )


def install_time_package(root: Path) -> Path:
    """postinstall, and an optional dependency pinned to a git commit (the TanStack delivery)."""
    return write(
        root,
        {
            "package.json": pkg_json(
                files=["index.js"],
                main="index.js",
                scripts={"postinstall": "node setup.js", "test": "node --test"},
                dependencies={"left-pad": "^1.3.0", "tool": "github:someone/tool"},
                optionalDependencies={
                    "@fixture/setup": "github:fixture/router#79ac49eedf774dd4b0cfa308722bc463cfe5885c"
                },
            ),
            "index.js": "module.exports = 1\n",
        },
    )


NPM_FIXTURES = {
    "bundle-with-map": npm_bundle_with_map,
    "npmignore-trap": npmignore_replaces_gitignore,
    "files-dist-maps": files_dist_ships_maps,
    "clean": clean_package,
    "inline-map": inline_map_package,
    "install-time": install_time_package,
}


def npm_tarball(path: Path, files: dict[str, str | bytes], top: str = "package") -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for rel, content in files.items():
            data = content.encode() if isinstance(content, str) else content
            info = tarfile.TarInfo(f"{top}/{rel}")
            info.size = len(data)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
    return path


# -- Python distributions --------------------------------------------------------


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def wheel(
    path: Path,
    files: dict[str, str | bytes],
    name: str = "fixture",
    version: str = "1.0.0",
    requires: list[str] | None = None,
    console_scripts: dict[str, str] | None = None,
) -> Path:
    dist_info = f"{name}-{version}.dist-info"
    meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    for req in requires or []:
        meta += f"Requires-Dist: {req}\n"
    all_files: dict[str, bytes] = {k: v.encode() if isinstance(v, str) else v for k, v in files.items()}
    all_files[f"{dist_info}/METADATA"] = meta.encode()
    all_files[f"{dist_info}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: fixture\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    )
    if console_scripts:
        body = "[console_scripts]\n" + "".join(f"{k} = {v}\n" for k, v in console_scripts.items())
        all_files[f"{dist_info}/entry_points.txt"] = body.encode()
    record = [_record_line(n, d) for n, d in all_files.items()] + [f"{dist_info}/RECORD,,"]
    all_files[f"{dist_info}/RECORD"] = ("\n".join(record) + "\n").encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for rel, data in all_files.items():
            zf.writestr(rel, data)
    return path


def malicious_pth_wheel(directory: Path) -> Path:
    payload = base64.b64encode(b"import os\n# would steal os.environ here\n").decode()
    pth = f"import base64; exec(base64.b64decode('{payload}'))\n"
    return wheel(
        directory / "fixture-1.0.0-py3-none-any.whl",
        {"fixture/__init__.py": "", "fixture_init.pth": pth},
    )


def harmless_pth_wheel(directory: Path) -> Path:
    return wheel(
        directory / "fixture-1.0.0-py3-none-any.whl",
        {"fixture/__init__.py": "", "fixture-paths.pth": "fixture_vendor\n# a comment\n\n"},
    )


def hatchling_project(root: Path) -> Path:
    """A hatchling project whose .env is not git-ignored: hatchling's sdist takes it."""
    return write(
        root,
        {
            "pyproject.toml": (
                '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n\n'
                '[project]\nname = "fixture"\nversion = "1.0.0"\n\n'
                '[tool.hatch.build.targets.wheel]\npackages = ["src/fixture"]\n'
            ),
            "src/fixture/__init__.py": "__version__ = '1.0.0'\n",
            ".env": f"PYPI_TOKEN={pypi_token()}\n",
            "README.md": "# fixture\n",
        },
    )


def sdist_tar(path: Path, files: dict[str, str | bytes], top: str = "fixture-1.0.0") -> Path:
    files = {"PKG-INFO": "Metadata-Version: 2.1\nName: fixture\nVersion: 1.0.0\n", **files}
    return npm_tarball(path, files, top=top)


# -- hostile archives -------------------------------------------------------------


class _Zeros(io.RawIOBase):
    def __init__(self, n: int) -> None:
        self.n = n

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[no-untyped-def]
        k = min(len(b), self.n)
        b[:k] = bytes(k)
        self.n -= k
        return k


def tar_bomb(path: Path, size: int = 300 * 1024 * 1024) -> Path:
    with tarfile.open(path, "w:gz", compresslevel=1) as tar:
        tar.addfile(tarfile.TarInfo("package/package.json"), io.BytesIO(b""))
        info = tarfile.TarInfo("package/zeros.bin")
        info.size = size
        tar.addfile(info, io.BufferedReader(_Zeros(size)))
    return path


def traversal_tar(path: Path) -> Path:
    return npm_tarball(path, {"package.json": pkg_json(), "../../evil.sh": "echo pwned\n"})
