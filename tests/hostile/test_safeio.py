"""The reading layer itself: roots, file kinds, byte limits and depth measured without parsing."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shipwarden.core import safeio

_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='ab[]{}"\\,: '),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(alphabet="[]{}k\"", max_size=3), inner, max_size=3),
    max_leaves=30,
)


def _depth(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    return 0


@settings(max_examples=200, deadline=None)
@given(_json_values)
def test_json_depth_is_the_real_depth_whatever_the_strings_hold(value: Any) -> None:
    assert safeio.json_depth(json.dumps(value)) == _depth(value)


def _reachable(text: str) -> int:
    """The most levels a JSON parser can open in ``text``: it reads strings as JSON does
    and stops, at the latest, at a backslash outside a string."""
    depth = most = 0
    in_string = escaped = False
    for c in text:
        if in_string:
            escaped, in_string = (False, True) if escaped else (c == "\\", c != '"')
        elif c == '"':
            in_string = True
        elif c == "\\":
            break
        elif c in "[{":
            depth += 1
            most = max(most, depth)
        elif c in "]}":
            depth -= 1
    return most


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet='[]{}"\\,:1a ', max_size=40))
def test_json_depth_never_counts_fewer_levels_than_a_parser_reaches(text: str) -> None:
    assert max(safeio.json_depth(text), 0) >= _reachable(text)  # (-1 for a text of closers alone)


def test_toml_depth_ignores_brackets_in_strings_and_comments() -> None:
    text = 'a = "[[[["\nb = \'{{{{\'\nc = """\n[[[\n"""\n# [[[[[[\nd = [[1], {x = [2]}]\n[table]\n'
    assert safeio.toml_depth(text) == 3


@pytest.mark.parametrize("text", ["x: " + "[" * 300 + "]" * 300, "".join("  " * i + "- \n" for i in range(300)) + "x"])
def test_deep_yaml_is_refused_before_composition(text: str) -> None:
    with pytest.raises(safeio.ReadRefused) as info:
        safeio.load_yaml(text)
    assert info.value.kind == "too-deep"


def test_a_shallow_yaml_with_many_flow_mappings_is_accepted() -> None:
    text = "packages:\n" + "".join(f"  p{i}: {{resolution: {{integrity: x}}}}\n" for i in range(500))
    assert len(safeio.load_yaml(text)["packages"]) == 500


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=" \t-?:\n\ra[{", max_size=60), st.integers(4, 12))
def test_yaml_shallow_looks_for_a_deep_prefix_at_every_line_start(text: str, limit: int) -> None:
    """The same answer as one multi-line search for the prefix (``^`` after every newline
    and at the start, not after a lone carriage return)."""
    deep_line = re.search(rf"^[ \t\-?:]{{{limit // 2 - 1}}}", text, re.M) is not None
    assert safeio.yaml_shallow(text, limit) == (safeio._cheap_bound(text) <= limit and not deep_line)


def test_reads_stop_one_byte_past_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x" * 11)
    assert safeio.read_bytes(path, limit=11) == b"x" * 11
    with pytest.raises(safeio.ReadRefused, match="over the 10-byte limit") as info:
        safeio.read_bytes(path, limit=10)
    assert info.value.kind == "too-large"
    assert safeio.read_head(path, limit=4) == b"xxxx"


def test_only_regular_files_inside_the_root_are_opened(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (tmp_path / "secret").write_text("s")
    (root / "out").symlink_to(tmp_path / "secret")
    (root / "zero").symlink_to("/dev/zero")
    os.mkfifo(root / "fifo")
    (root / "in").write_text("ok")
    (root / "link-in").symlink_to(root / "in")
    for name in ("out", "zero", "../secret", str(tmp_path / "secret")):
        with pytest.raises(safeio.ReadRefused, match=safeio.OUTSIDE_NOTE):
            safeio.read_bytes(name, root=root)
    with pytest.raises(safeio.ReadRefused, match="FIFO") as info:
        safeio.read_bytes("fifo", root=root)
    assert info.value.kind == "not-regular"
    with pytest.raises(safeio.ReadRefused, match="character device"):
        safeio.read_bytes("/dev/zero")
    assert safeio.read_text("link-in", root=root) == "ok"
    with pytest.raises(FileNotFoundError):
        safeio.read_bytes("missing", root=root)


def _outcome(resolve: Any, rel: str) -> str:
    try:
        return str(resolve(rel))
    except safeio.ReadRefused as exc:
        return f"refused:{exc.kind}"


def test_a_root_resolves_every_path_as_resolve_inside_does(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_text("x")
    root = tmp_path / "repo"
    (root / ".github" / "workflows").mkdir(parents=True)
    (root / ".github" / "workflows" / "ci.yml").write_text("on: push\n")
    (root / "pkg").mkdir()
    (root / "pkg" / "action.yml").write_text("runs: {}\n")
    (root / "inner-link.yml").symlink_to(root / ".github" / "workflows" / "ci.yml")
    (root / "outer-link").symlink_to(outside / "secret")
    (root / "dir-out").symlink_to(outside)
    (root / "dir-in").symlink_to(root / "pkg")
    (root / "loop").symlink_to(root / "loop")
    (root / "a-file").write_text("x")
    linked_root = tmp_path / "repo-link"
    linked_root.symlink_to(root)
    cases = [
        ".github/workflows/ci.yml", "pkg/action.yml", "inner-link.yml", "outer-link", "dir-out/secret",
        "dir-in/action.yml", "missing.yml", "missing/dir/file", "loop", "a-file/under", "../outside/secret",
        "pkg/../outer-link", "./pkg/action.yml", str(outside / "secret"), "pkg//action.yml", "",
    ]
    cases += ["dir-out/missing", "dir-in/missing", ".github/workflows/missing.yml"]
    for base in (root, linked_root):
        cached = safeio.Root(base)
        for rel in cases * 2:  # the second time from the cache
            plain = _outcome(lambda r, b=base: safeio.resolve_inside(b, r), rel)
            assert _outcome(cached.resolve, rel) == plain, rel
        # the same answers when every folder (links to folders too) was listed first, and
        # reading through the listings fails as opening the resolved path does
        listed = safeio.Root(base)
        for folder in ["", ".github", ".github/workflows", "pkg", "dir-out", "dir-in", "loop", "a-file", "missing"]:
            listed.listing(folder)
        for rel in cases * 2:
            plain = _outcome(lambda r, b=base: safeio.resolve_inside(b, r), rel)
            assert _outcome(listed.resolve, rel) == plain, rel
            assert _read_outcome(rel, listed) == _read_outcome(rel, base), rel
            assert _read_outcome(rel, safeio.Root(base)) == _read_outcome(rel, base), rel


def _read_outcome(rel: str, root: Any) -> str:
    try:
        return repr(safeio.read_bytes(rel, root=root, limit=100))
    except safeio.ReadRefused as exc:
        return f"refused:{exc.kind}"
    except OSError as exc:
        return f"{type(exc).__name__}:{exc.strerror}"
