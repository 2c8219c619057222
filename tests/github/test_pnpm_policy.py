"""pnpm's build-script policy read from a repository root (names from pnpm 10's release notes)."""

from __future__ import annotations

from shipwarden.ci.github.pnpm import PnpmPolicy, major_of, read_policy


def _reader(files: dict[str, str]):  # type: ignore[no-untyped-def]
    def read(rel: str) -> bytes:
        if rel not in files:
            raise FileNotFoundError(rel)
        return files[rel].encode()

    return read


def test_major() -> None:
    assert major_of("10.14.0") == 10
    assert major_of("^9") == 9
    assert major_of("latest") is None


def test_allowlists_from_both_files() -> None:
    policy = read_policy(_reader({
        "package.json": '{"packageManager": "pnpm@10.2.0", "pnpm": {"onlyBuiltDependencies": ["sharp"]}}',
        "pnpm-workspace.yaml": "allowBuilds:\n  esbuild: true\n  core-js: false\n",
    }))
    assert policy == PnpmPolicy(10, ("esbuild", "sharp"), False)


def test_allow_all_and_npmrc_open_the_policy() -> None:
    assert read_policy(_reader({"pnpm-workspace.yaml": "dangerouslyAllowAllBuilds: true\n"})).open
    assert read_policy(_reader({"package.json": '{"pnpm": {"neverBuiltDependencies": []}}'})).open
    assert read_policy(_reader({".npmrc": "only-built-dependencies[]=esbuild\n"})).open
    assert read_policy(_reader({"package.json": "[not json"})) == PnpmPolicy()
