"""The cache of parsed TOML tables: a cached read equals a parse, and a cache that
cannot be trusted (changed, damaged, shared, linked) is ignored."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from shipwarden.core import tablecache
from shipwarden.core.tables import load_table, packaged_tables

TEXT = 'name = "demo"\n[limits]\nmax = 3\nratio = 0.5\nwords = ["a", "ü", "\\u0000"]\n'
LABEL = "shipwarden.test:data/demo.toml"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(tablecache.ENV, str(tmp_path / "cache"))
    return tmp_path / "cache" / "tables"


def _entry(cache: Path) -> Path:
    return cache / f"{tablecache.digest(LABEL, TEXT)}.json"


def test_a_cached_read_equals_the_parse(cache: Path) -> None:
    parsed = tomllib.loads(TEXT)
    assert tablecache.read(LABEL, TEXT, 32) is None
    tablecache.write(LABEL, TEXT, parsed)
    assert _entry(cache).is_file()
    assert oct(cache.stat().st_mode & 0o777) == oct(0o700)
    assert oct(_entry(cache).stat().st_mode & 0o777) == oct(0o600)
    assert tablecache.read(LABEL, TEXT, 32) == parsed


def test_every_packaged_toml_table_reads_back_equal(cache: Path) -> None:
    for package, name in packaged_tables():
        if not name.endswith(".toml"):
            continue
        load_table.cache_clear()
        first = load_table(package, name)  # parsed, then stored
        load_table.cache_clear()
        again = load_table(package, name)  # from the cache when JSON keeps it
        assert again == first, name
    assert any(cache.iterdir())


def test_a_changed_table_or_version_misses(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tablecache.write(LABEL, TEXT, tomllib.loads(TEXT))
    assert tablecache.read(LABEL, TEXT + "\n", 32) is None
    assert tablecache.read("shipwarden.other:data/demo.toml", TEXT, 32) is None
    monkeypatch.setattr(tablecache, "__version__", "0.0.0-other")
    assert tablecache.read(LABEL, TEXT, 32) is None


def test_a_damaged_entry_is_ignored(cache: Path) -> None:
    tablecache.write(LABEL, TEXT, tomllib.loads(TEXT))
    entry = _entry(cache)
    data = entry.read_bytes()
    entry.write_bytes(data.replace(b'"demo"', b'"evil"'))
    assert tablecache.read(LABEL, TEXT, 32) is None
    entry.write_bytes(data[:-5])
    assert tablecache.read(LABEL, TEXT, 32) is None
    entry.write_bytes(b"not a cache entry")
    assert tablecache.read(LABEL, TEXT, 32) is None


def test_entries_others_can_write_are_ignored(cache: Path) -> None:
    tablecache.write(LABEL, TEXT, tomllib.loads(TEXT))
    entry = _entry(cache)
    entry.chmod(0o620)
    assert tablecache.read(LABEL, TEXT, 32) is None
    entry.chmod(0o600)
    cache.chmod(0o777)
    assert tablecache.read(LABEL, TEXT, 32) is None
    tablecache.write(LABEL, TEXT, tomllib.loads(TEXT))  # nor written into a shared folder
    cache.chmod(0o700)
    assert tablecache.read(LABEL, TEXT, 32) is not None


def test_a_linked_entry_is_ignored(cache: Path, tmp_path: Path) -> None:
    tablecache.write(LABEL, TEXT, tomllib.loads(TEXT))
    entry = _entry(cache)
    real = tmp_path / "elsewhere.json"
    real.write_bytes(entry.read_bytes())
    real.chmod(0o600)
    entry.unlink()
    entry.symlink_to(real)
    assert tablecache.read(LABEL, TEXT, 32) is None


def test_a_linked_folder_is_ignored(cache: Path, tmp_path: Path) -> None:
    tablecache.write(LABEL, TEXT, tomllib.loads(TEXT))
    cache.rename(tmp_path / "kept")
    cache.symlink_to(tmp_path / "kept")
    assert tablecache.read(LABEL, TEXT, 32) is None


def test_values_json_cannot_keep_are_not_stored(cache: Path) -> None:
    text = "when = 1979-05-27T07:32:00Z\n"
    tablecache.write(LABEL, text, tomllib.loads(text))
    assert not cache.exists() or not any(cache.iterdir())


def test_an_empty_setting_turns_the_cache_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(tablecache.ENV, "")
    monkeypatch.setenv("HOME", str(tmp_path))
    tablecache.write(LABEL, TEXT, tomllib.loads(TEXT))
    assert tablecache.read(LABEL, TEXT, 32) is None
    assert list(tmp_path.iterdir()) == []
