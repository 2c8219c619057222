"""pnpm's build-script policy read from a repository root (names from pnpm 10's release notes)."""

from __future__ import annotations

from shipwarden.ci.github.loader import _manifest
from shipwarden.ci.github.pnpm import PnpmPolicy, major_of, read_policy


def _policy(files: dict[str, str]) -> PnpmPolicy:
    """The policy of a root holding ``files`` (``package.json`` parsed once, as the loader does)."""

    def read(rel: str) -> bytes | None:
        return files[rel].encode() if rel in files else None

    return read_policy(read, _manifest(read("package.json")))


def test_major() -> None:
    assert major_of("10.14.0") == 10
    assert major_of("^9") == 9
    assert major_of("latest") is None


def test_allowlists_from_both_files() -> None:
    policy = _policy({
        "package.json": '{"packageManager": "pnpm@10.2.0", "pnpm": {"onlyBuiltDependencies": ["sharp"]}}',
        "pnpm-workspace.yaml": "allowBuilds:\n  esbuild: true\n  core-js: false\n",
    })
    assert policy == PnpmPolicy(10, ("esbuild", "sharp"), False)


def test_allow_all_and_npmrc_open_the_policy() -> None:
    assert _policy({"pnpm-workspace.yaml": "dangerouslyAllowAllBuilds: true\n"}).open
    assert _policy({"package.json": '{"pnpm": {"neverBuiltDependencies": []}}'}).open
    assert _policy({".npmrc": "only-built-dependencies[]=esbuild\n"}).open
    assert _policy({"package.json": "[not json"}) == PnpmPolicy()
