"""core.suppress.file_reader: the longest root prefix wins, unprefixed paths are tried
against a few roots in order, nothing outside a root is read."""

from __future__ import annotations

from pathlib import Path

import pytest

from shipwarden.core.suppress import file_reader


def test_file_reader_picks_the_longest_root_and_stays_inside(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "x.yml").write_text("outer\n")
    (tmp_path / "a" / "b" / "x.yml").write_text("inner\n")
    (tmp_path / "secret").write_text("no\n")
    (tmp_path / "a" / "b" / "link.yml").symlink_to(tmp_path / "secret")
    read = file_reader([Path("a"), Path("a/b/"), Path("a")])
    assert read("a/x.yml") == "outer\n"
    assert read("a/b/x.yml") == "inner\n"  # a/b/ is longer than a/
    assert read("a/b/link.yml") is None
    assert read("a/../secret") is None
    assert read("x.yml") == "outer\n"  # unprefixed: the first root that has it
    assert read("/etc/hostname") is None
    many = file_reader([Path("a")] + [Path(f"r{i}") for i in range(20)])
    assert many("x.yml") is None  # with many roots only prefixed paths are read
    assert many("a/x.yml") == "outer\n"


def test_plain_paths_read_as_empty_without_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.yml").write_text("# shipwarden: ignore[r]\n")
    read = file_reader([Path("a")], plain={"a/gone.yml"})
    assert read("a/gone.yml") == ""  # no directive, and the file is not even opened
    assert read("a/x.yml") == "# shipwarden: ignore[r]\n"
