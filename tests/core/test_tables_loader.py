"""core/tables.py: every packaged table loads through the one loader; bad tables fail by name."""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from shipwarden.core import tables
from shipwarden.core.tables import TableError, load_table, packaged_tables

SRC = Path(__file__).resolve().parents[2] / "src" / "shipwarden"


def test_every_packaged_table_loads() -> None:
    found = list(packaged_tables())
    names = {f"{pkg}:{name}" for pkg, name in found}
    # one per folder that ships tables, so a new data/ folder is found too
    assert {
        "shipwarden:credential_stores.toml",
        "shipwarden:report.schema.json",
        "shipwarden.ci.github:contexts.toml",
        "shipwarden.ci.gitlab:gitlab.toml",
        "shipwarden.ci.jenkins:jenkins.toml",
        "shipwarden.detonate:bait.toml",
        "shipwarden.provenance:intent.toml",
        "shipwarden.secrets:tokens.toml",
    } <= names
    on_disk = {p for p in SRC.rglob("data/*") if p.suffix in (".toml", ".json") and p.is_file()}
    assert len(found) == len(on_disk)
    for pkg, name in found:
        data = load_table(pkg, name)
        assert isinstance(data, dict) and data, f"{pkg}:{name} is empty"


def test_a_table_is_parsed_once() -> None:
    assert load_table("shipwarden.secrets", "tokens.toml") is load_table("shipwarden.secrets", "tokens.toml")


#: Readers of JSON schemas kept in ``reporting``/``assess`` (their owners' modules; they hand a
#: fresh copy to callers, which the shared cache of load_table would not).
_SCHEMA_READERS = {"reporting/json_report.py", "assess/report/json_report.py"}


def test_no_module_reads_a_packaged_table_by_itself() -> None:
    """The loader is the only reader of ``data/`` tables."""
    readers = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if rel == "core/tables.py" or rel in _SCHEMA_READERS:
            continue
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value
                if text.endswith((".toml", ".json")) and ("data/" in text or text.startswith("data")):
                    readers.append(f"{rel}:{node.lineno}: {text}")
    assert readers == []


@pytest.fixture
def fake_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    pkg = tmp_path / "fake_tables_pkg"
    (pkg / "data").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "data" / "good.toml").write_text('[a]\nb = 1\n')
    (pkg / "data" / "good.json").write_text('{"a": [1, 2]}')
    (pkg / "data" / "broken.toml").write_text('[a]\nb = \n')
    (pkg / "data" / "broken.json").write_text('{"a": [1, 2}')
    (pkg / "data" / "list.json").write_text('[1, 2]')
    (pkg / "data" / "deep.json").write_text("[" * 100 + "]" * 100)
    (pkg / "data" / "huge.toml").write_bytes(b"# " + b"x" * (tables.MAX_TABLE_BYTES + 10) + b"\n")
    (pkg / "data" / "latin1.toml").write_bytes(b'a = "\xe9"\n')
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop("fake_tables_pkg", None)
    load_table.cache_clear()
    yield "fake_tables_pkg"
    load_table.cache_clear()
    sys.modules.pop("fake_tables_pkg", None)


def test_good_tables_by_suffix(fake_package: str) -> None:
    assert load_table(fake_package, "good.toml") == {"a": {"b": 1}}
    assert load_table(fake_package, "good.json") == {"a": [1, 2]}


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("broken.toml", "not valid TOML"),
        ("broken.json", "not valid JSON"),
        ("list.json", "top level is not a table"),
        ("deep.json", "nested deeper than"),
        ("huge.toml", "larger than"),
        ("latin1.toml", "not UTF-8"),
        ("missing.toml", "not found"),
        ("good.yaml", "unsupported table type"),
        ("../__init__.toml", "inside the package"),
    ],
)
def test_a_bad_table_is_named_in_the_error(fake_package: str, name: str, problem: str) -> None:
    with pytest.raises(TableError) as info:
        load_table(fake_package, name)
    assert f"packaged table {fake_package}:data/{name}" in str(info.value)
    assert problem in str(info.value)


def test_an_unknown_package_is_a_table_error() -> None:
    with pytest.raises(TableError, match="not found"):
        load_table("shipwarden.no_such_package", "x.toml")
