"""The built-in port of npm's packlist agrees with `npm pack --dry-run --json --ignore-scripts`."""

from __future__ import annotations

import json
from pathlib import Path

import gatefixtures as gf
import pytest
from gatehelpers import needs_npm

from shipwarden.packaging.npm import npm_pack_dry_run
from shipwarden.packaging.npm_packlist import npm_packlist

# Extra trees that exercise the corners of npm's rules.
EXTRA: dict[str, dict[str, str | bytes]] = {
    "defaults": {
        "package.json": gf.pkg_json(main="./lib/index.js", bin="bin/cli.js"),
        "lib/index.js": "x",
        "bin/cli.js": "x",
        ".npmrc": "x",
        "package-lock.json": "{}",
        "yarn.lock": "",
        ".DS_Store": "x",
        "x.orig": "x",
        ".a.swp": "x",
        "npm-debug.log": "x",
        "node_modules/dep/index.js": "x",
        "lib/node_modules/inner/index.js": "x",
        "CVS/x": "x",
        ".env.production": "x",
        "id_rsa": "x",
        "build/config.gypi": "x",
        "build/keep.js": "x",
        "readme.markdown": "x",
        "LICENCE": "x",
        "COPYING.txt": "x",
        "docs/README.md": "x",
    },
    "files-negation": {
        "package.json": gf.pkg_json(files=["lib", "!lib/internal", "*.md", "./bin/"]),
        "lib/a.js": "x",
        "lib/internal/secret.js": "x",
        "lib/.npmignore": "*.test.js\n",
        "lib/a.test.js": "x",
        "CHANGELOG.md": "x",
        "bin/x": "x",
        "other.js": "x",
        "README": "x",
    },
    "nested-ignores": {
        "package.json": gf.pkg_json(),
        ".npmignore": "# comment\n\n/build\n*.log\n!keep.log\n",
        "a/.gitignore": "*.tmp\n",
        "a/x.tmp": "x",
        "a/y.js": "x",
        "b/.npmignore": "z.js\n",
        "b/.gitignore": "y.js\n",
        "b/y.js": "x",
        "b/z.js": "x",
        "build/out.js": "x",
        "src/build/in.js": "x",
        "keep.log": "x",
        "drop.log": "x",
    },
    "main-forced": {
        "package.json": gf.pkg_json(main="dist/index.js", browser="dist/browser.js"),
        ".npmignore": "dist/\n",
        "dist/index.js": "x",
        "dist/browser.js": "x",
        "dist/other.js": "x",
    },
    "bundled": {
        "package.json": gf.pkg_json(dependencies={"dep": "1.0.0"}, bundleDependencies=["dep"]),
        "index.js": "x",
        "node_modules/dep/package.json": json.dumps({"name": "dep", "version": "1.0.0", "files": ["lib"]}),
        "node_modules/dep/lib/a.js": "x",
        "node_modules/dep/test.js": "x",
        "node_modules/other/package.json": json.dumps({"name": "other", "version": "1.0.0"}),
    },
}


def _build(tmp_path: Path, name: str) -> Path:
    root = tmp_path / name
    root.mkdir()
    if name in gf.NPM_FIXTURES:
        return gf.NPM_FIXTURES[name](root)
    return gf.write(root, EXTRA[name])


ALL = [*gf.NPM_FIXTURES, *EXTRA]


@needs_npm
@pytest.mark.parametrize("name", ALL)
def test_builtin_packlist_matches_npm(tmp_path: Path, name: str) -> None:
    root = _build(tmp_path, name)
    expected = sorted(e.path for e in npm_pack_dry_run(root))
    assert npm_packlist(root) == expected


def test_builtin_packlist_known_answers(tmp_path: Path) -> None:
    """Checked against npm 11 once; keeps the rules covered where npm is absent."""
    got = npm_packlist(_build(tmp_path, "defaults"))
    assert got == sorted(
        [
            ".env.production",
            "COPYING.txt",
            "LICENCE",
            "bin/cli.js",
            "build/keep.js",
            "docs/README.md",
            "id_rsa",
            "lib/index.js",
            "lib/node_modules/inner/index.js",
            "package.json",
            "readme.markdown",
        ]
    )
    # `dist/` in .npmignore does not hold once main/browser force the folder open (npm agrees)
    assert npm_packlist(_build(tmp_path, "main-forced")) == [
        "dist/browser.js",
        "dist/index.js",
        "dist/other.js",
        "package.json",
    ]
    assert npm_packlist(_build(tmp_path, "bundled")) == [
        "index.js",
        "node_modules/dep/lib/a.js",
        "node_modules/dep/package.json",
        "package.json",
    ]
    assert npm_packlist(_build(tmp_path, "npmignore-trap")) == [".env", "index.js", "package.json"]


@needs_npm
def test_npm_pack_never_runs_package_scripts(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    gf.write(
        tmp_path,
        {
            "package.json": gf.pkg_json(scripts={"prepack": f"touch {marker}", "prepare": f"touch {marker}"}),
            "a.js": "x",
        },
    )
    npm_pack_dry_run(tmp_path)
    assert not marker.exists()
