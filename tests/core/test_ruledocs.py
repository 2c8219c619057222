"""The project URLs are read from the installed metadata as importlib.metadata reads them,
without importing it (start-up: it imports email, socket and more)."""

from __future__ import annotations

import sys
from importlib import metadata
from pathlib import Path

import pytest

from shipwarden.core import ruledocs

METADATA = """Metadata-Version: 2.4
Name: shipwarden
Version: 9.9.9
Summary: test
License: Apache-2.0
 a folded second line
Project-URL: Homepage, https://shipwarden.example.invalid/
project-url: Rules, https://docs.example.invalid/rules
Project-URL: Empty,
Requires-Python: >=3.11

Project-URL: Body, https://not-a-header.example.invalid/
"""


def _install(folder: Path, text: str = METADATA, name: str = "shipwarden-9.9.9.dist-info") -> None:
    info = folder / name
    info.mkdir(parents=True)
    (info / "METADATA").write_text(text, encoding="utf-8")


def test_project_urls_equal_importlib_metadata(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _install(tmp_path / "site")
    _install(tmp_path / "site", "Name: shipwarden-plugin\n", "shipwarden_plugin-1.0.dist-info")
    monkeypatch.setattr(sys, "path", [str(tmp_path / "missing"), str(tmp_path / "site")])
    expected = metadata.metadata("shipwarden").get_all("Project-URL")
    assert ruledocs._project_url_entries() == expected
    assert ruledocs._project_urls() == {
        "homepage": "https://shipwarden.example.invalid/",
        "rules": "https://docs.example.invalid/rules",
    }


def test_the_first_folder_on_the_path_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _install(tmp_path / "a", "Name: shipwarden\nProject-URL: Rules, https://a.example.invalid\n")
    _install(tmp_path / "b", "Name: shipwarden\nProject-URL: Rules, https://b.example.invalid\n")
    monkeypatch.setattr(sys, "path", [str(tmp_path / "a"), str(tmp_path / "b")])
    assert ruledocs._project_urls() == {"rules": "https://a.example.invalid"}


def test_without_metadata_there_is_no_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "path", [str(tmp_path)])
    assert ruledocs._project_urls() == {}
