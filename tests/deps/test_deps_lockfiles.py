"""Every lockfile format is parsed: names, versions, sources, script flags, lines."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from depsdata import LOCKFILES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shipwarden.deps.lockfiles import is_lockfile, parse_lockfile, reader_for
from shipwarden.deps.model import Dependency, Lockfile, LockfileError, SourceKind
from shipwarden.deps.sources import classify_npm, classify_python

TANSTACK_COMMIT = "79ac49eedf774dd4b0cfa308722bc463cfe5885c"


def load(rel: str) -> Lockfile:
    path = LOCKFILES / rel
    return parse_lockfile(path.name if "/" not in rel else rel, path.read_text("utf-8"))


def by_name(lock: Lockfile) -> dict[str, Dependency]:
    return {d.name: d for d in lock.dependencies}


@pytest.mark.parametrize(
    ("rel", "fmt", "version"),
    [
        ("npm-v1/package-lock.json", "package-lock", "1"),
        ("npm-v2/package-lock.json", "package-lock", "2"),
        ("npm-v3/package-lock.json", "package-lock", "3"),
        ("shrinkwrap/npm-shrinkwrap.json", "npm-shrinkwrap", "3"),
        ("pnpm-v6/pnpm-lock.yaml", "pnpm-lock", "6.0"),
        ("pnpm-v9/pnpm-lock.yaml", "pnpm-lock", "9.0"),
        ("pnpm-v11/pnpm-lock.yaml", "pnpm-lock", "9.0"),
        ("yarn-v1/yarn.lock", "yarn-v1", "1"),
        ("yarn-berry/yarn.lock", "yarn-berry", "8"),
        ("bun/bun.lock", "bun-lock", "1"),
        ("pip/requirements.txt", "requirements", ""),
        ("poetry/poetry.lock", "poetry-lock", "2.0"),
        ("uv/uv.lock", "uv-lock", "1"),
        ("pylock/pylock.toml", "pylock", "1.0"),
    ],
)
def test_every_format_parses(rel: str, fmt: str, version: str) -> None:
    lock = load(rel)
    assert lock.format == fmt
    assert lock.version == version
    assert lock.dependencies
    for dep in lock.dependencies:
        assert dep.name
        assert dep.origin.path == rel
        assert dep.origin.line > 0, f"{dep.name} has no line in {rel}"


@pytest.mark.parametrize(
    "rel",
    ["npm-v1/package-lock.json", "npm-v3/package-lock.json", "pnpm-v6/pnpm-lock.yaml", "pnpm-v9/pnpm-lock.yaml",
     "yarn-v1/yarn.lock", "yarn-berry/yarn.lock", "bun/bun.lock"],
)
def test_git_dependency_is_a_git_source(rel: str) -> None:
    dep = by_name(load(rel))["@tanstack/setup"]
    assert dep.source.kind is SourceKind.GIT
    assert TANSTACK_COMMIT in dep.source.url


def test_npm_lockfile_records_install_scripts() -> None:
    deps = by_name(load("npm-v3/package-lock.json"))
    assert deps["esbuild"].install_script is True
    assert deps["lodash"].install_script is False
    assert deps["lodash"].dev is True
    assert deps["@tanstack/setup"].optional is True
    assert deps["inner"].install_path == "node_modules/wrapper/node_modules/inner"
    assert deps["tarball-dep"].source.kind is SourceKind.URL
    assert deps["local-ui"].source.kind is SourceKind.WORKSPACE
    assert deps["esbuild"].hashes == ("sha512-AAAAesbuildfixture==",)


def test_npm_v1_nests_and_says_nothing_about_scripts() -> None:
    deps = by_name(load("npm-v1/package-lock.json"))
    assert deps["inner"].install_path == "node_modules/wrapper/node_modules/inner"
    assert all(d.install_script is None for d in deps.values())
    assert deps["@tanstack/setup"].optional is True


def test_pnpm_v6_requires_build_and_v9_says_nothing() -> None:
    v6 = by_name(load("pnpm-v6/pnpm-lock.yaml"))
    assert v6["esbuild"].install_script is True
    assert v6["lodash"].install_script is False
    assert v6["react-dom"].version == "18.2.0"  # peer suffix stripped
    v9 = by_name(load("pnpm-v9/pnpm-lock.yaml"))
    assert v9["esbuild"].install_script is None
    assert v9["@tanstack/setup"].optional is True  # from snapshots
    assert v9["git-dep"].source.kind is SourceKind.GIT


def test_pnpm_11_two_documents_are_both_read() -> None:
    """pnpm 11+ writes an env document (config dependencies, pnpm itself) before the project's lockfile."""
    lock = load("pnpm-v11/pnpm-lock.yaml")
    deps = by_name(lock)
    text = (LOCKFILES / "pnpm-v11/pnpm-lock.yaml").read_text("utf-8").splitlines()
    # the project document's packages, at their lines in the whole file
    assert deps["esbuild"].install_script is None
    assert text[deps["esbuild"].origin.line - 1].strip() == "esbuild@0.25.0:"
    assert deps["git-dep"].source.kind is SourceKind.GIT
    # a config dependency is a real package; the package manager's own binaries are not the project's
    assert text[deps["@example/pnpm-config"].origin.line - 1].strip() == "'@example/pnpm-config@1.2.0':"
    assert "pnpm" not in deps and "@pnpm/exe.linux-x64" not in deps


def test_pnpm_env_document_alone_is_read() -> None:
    text = (LOCKFILES / "pnpm-v11/pnpm-lock.yaml").read_text("utf-8")
    env_only = text[: text.index("\n---\n", text.index("---") + 3) + 5]
    deps = by_name(parse_lockfile("pnpm-lock.yaml", env_only))
    assert set(deps) == {"@example/pnpm-config"}


def test_pnpm_yaml_error_line_counts_from_the_top_of_the_file() -> None:
    text = (LOCKFILES / "pnpm-v11/pnpm-lock.yaml").read_text("utf-8") + "  bad: [\n"
    with pytest.raises(LockfileError) as info:
        parse_lockfile("pnpm-lock.yaml", text)
    assert info.value.line > 42


def test_yarn_berry_skips_workspaces_and_unwraps_patches() -> None:
    deps = by_name(load("yarn-berry/yarn.lock"))
    assert "fixture-app" not in deps
    assert deps["resolve"].source.kind is SourceKind.REGISTRY
    assert deps["lodash"].version == "4.17.21"


def test_bun_lock_accepts_comments_and_trailing_commas() -> None:
    deps = by_name(load("bun/bun.lock"))
    assert deps["esbuild"].version == "0.25.0"
    assert deps["url-dep"].source.kind is SourceKind.URL
    assert deps["@tanstack/setup"].optional is True


def test_requirements_no_binary_names_what_pip_builds_from_source() -> None:
    """``--no-binary`` (global, later options win, ``:all:``/``:none:``): pip builds those pins' sdists."""
    text = ("--no-binary Alpha_Pkg,beta\nalpha-pkg==1.0\nbeta==2.0\ngamma==3.0\n--only-binary beta\n"
            "delta @ git+https://git.example.invalid/d.git\n")
    deps = {d.name: d.builds_from_source for d in parse_lockfile("requirements.txt", text).dependencies}
    assert deps == {"alpha-pkg": True, "beta": None, "gamma": None, "delta": True}
    every = {d.name: d.builds_from_source
             for d in parse_lockfile("requirements.txt", "--no-binary=:all:\na==1\n--only-binary b\nb==1\n").dependencies}
    assert every == {"a": True, "b": None}
    assert parse_lockfile("requirements.txt", "--no-binary :all:\n--no-binary :none:\na==1\n").dependencies[0].builds_from_source is None


def test_requirements_hashes_editables_vcs_urls_and_includes() -> None:
    text = (LOCKFILES / "pip/requirements.txt").read_text()
    includes = {"pip/requirements-dev.txt": (LOCKFILES / "pip/requirements-dev.txt").read_text()}
    lock = parse_lockfile("pip/requirements.txt", text, includes)
    deps = by_name(lock)
    assert deps["requests"].version == "2.32.3"
    assert len(deps["requests"].hashes) == 2
    assert deps["requests"].origin.line == 4  # continuation lines joined, first line kept
    assert deps["localpkg"].source.kind is SourceKind.FILE and deps["localpkg"].builds_from_source
    assert deps["vcs-pkg"].source.kind is SourceKind.GIT and deps["vcs-pkg"].builds_from_source
    assert deps["tarball-pkg"].source.kind is SourceKind.URL and deps["tarball-pkg"].builds_from_source
    assert deps["pytest"].origin.path == "pip/requirements-dev.txt"
    assert lock.indexes == ["https://pypi.example.invalid/simple"]


@pytest.mark.parametrize("rel", ["poetry/poetry.lock", "uv/uv.lock", "pylock/pylock.toml"])
def test_python_locks_know_source_builds(rel: str) -> None:
    deps = by_name(load(rel))
    assert deps["requests"].builds_from_source is False
    assert deps["sdist-only"].builds_from_source is True
    assert deps["vcs-pkg"].source.kind is SourceKind.GIT
    assert deps["vcs-pkg"].builds_from_source is True
    assert "fixture-app" not in deps  # uv's editable project itself


def test_lockfile_names() -> None:
    for name in ("package-lock.json", "npm-shrinkwrap.json", "pnpm-lock.yaml", "yarn.lock", "bun.lock",
                 "requirements.txt", "requirements-dev.txt", "dev-requirements.txt", "requirements/base.txt",
                 "poetry.lock", "uv.lock", "pylock.toml", "pylock.dev.toml", "bun.lockb"):
        assert is_lockfile(name), name
    for name in ("package.json", "pyproject.toml", "notes.txt", "yarn.lock.bak"):
        assert not is_lockfile(name), name


@pytest.mark.parametrize(
    ("spec", "kind"),
    [
        ("https://registry.example.invalid/a/-/a-1.0.0.tgz", SourceKind.REGISTRY),
        ("https://downloads.example.invalid/a.tgz", SourceKind.URL),
        ("git+ssh://git@github.com/o/r.git#abc", SourceKind.GIT),
        ("github:o/r#abc", SourceKind.GIT),
        ("o/r#abc", SourceKind.GIT),
        ("https://codeload.github.com/o/r/tar.gz/abc", SourceKind.GIT),
        ("https://github.com/o/r.git#commit=abc", SourceKind.GIT),
        ("file:../local", SourceKind.FILE),
        ("workspace:packages/a", SourceKind.WORKSPACE),
        ("1.2.3", SourceKind.REGISTRY),
        ("npm:other@1.0.0", SourceKind.REGISTRY),
    ],
)
def test_npm_source_spellings(spec: str, kind: SourceKind) -> None:
    assert classify_npm(spec).kind is kind


def test_python_source_spellings() -> None:
    assert classify_python("git+https://git.example.invalid/o/r.git@abc").kind is SourceKind.GIT
    assert classify_python("./pkg").kind is SourceKind.FILE
    assert classify_python("https://downloads.example.invalid/x.whl").kind is SourceKind.URL
    assert classify_python("").kind is SourceKind.REGISTRY


@pytest.mark.parametrize("name", ["package-lock.json", "pnpm-lock.yaml", "yarn.lock", "bun.lock", "poetry.lock",
                                  "uv.lock", "pylock.toml", "requirements.txt"])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=400))
def test_hostile_lockfiles_raise_only_lockfile_error(name: str, text: str) -> None:
    with contextlib.suppress(LockfileError):
        parse_lockfile(name, text)


@pytest.mark.parametrize("name", ["package-lock.json", "pnpm-lock.yaml", "yarn.lock", "bun.lock", "uv.lock"])
def test_wrong_shapes_are_lockfile_errors(name: str) -> None:
    for text in ("[]", "42", '"x"', "{]"):
        try:
            lock = parse_lockfile(name, text)
        except LockfileError:
            continue
        assert isinstance(lock, Lockfile)


def test_reader_for_unknown() -> None:
    assert reader_for("Cargo.lock") is None
    assert Path("x")  # keep Path import used


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(packages=st.dictionaries(st.sampled_from(["", "node_modules/a", "node_modules/@s/b", "x", "node_modules/a/node_modules/c"]), _json, max_size=5),
       deps=_json)
def test_structurally_odd_json_lockfiles(packages: dict, deps: object) -> None:
    import json

    for name in ("package-lock.json", "bun.lock"):
        text = json.dumps({"lockfileVersion": 3, "packages": packages, "dependencies": deps})
        with contextlib.suppress(LockfileError):
            parse_lockfile(name, text)


@settings(max_examples=150, deadline=None)
@given(packages=st.dictionaries(st.text(max_size=30), _json, max_size=5), snapshots=_json)
def test_structurally_odd_yaml_lockfiles(packages: dict, snapshots: object) -> None:
    import yaml

    text = yaml.safe_dump({"lockfileVersion": "9.0", "packages": packages, "snapshots": snapshots})
    with contextlib.suppress(LockfileError):
        parse_lockfile("pnpm-lock.yaml", text)
    berry = yaml.safe_dump({"__metadata": {"version": 8}, **{str(k): v for k, v in packages.items()}})
    with contextlib.suppress(LockfileError):
        parse_lockfile("yarn.lock", berry)
