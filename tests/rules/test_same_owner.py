"""Actions of the repository's own owner (known from the checkout's origin remote) are its own trust boundary."""

from __future__ import annotations

import shutil
from pathlib import Path

from shipwarden.ci.github.loader import origin_slug
from shipwarden.ci.github.scan import scan_root

FIXTURE = Path(__file__).parent / "fixtures" / "unpinned-uses" / "positive-same-owner-without-remote"


def _with_remote(tmp_path: Path, url: str) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(FIXTURE, root)
    (root / ".git").mkdir()
    (root / ".git" / "config").write_text(f'[core]\n\tbare = false\n[remote "origin"]\n\turl = {url}\n')
    return root


def test_origin_slug_forms(tmp_path: Path) -> None:
    assert origin_slug(_with_remote(tmp_path, "git@git.example.invalid:Babel/babel.git")) == "babel/babel"
    assert origin_slug(tmp_path) == ""


def test_own_organisation_actions_are_p2(tmp_path: Path) -> None:
    root = _with_remote(tmp_path, "https://git.example.invalid/babel/babel.git")
    found = [f for f in scan_root(str(root)).findings if f.rule_id == "unpinned-uses"]
    assert [f.tier.value for f in found] == ["P2"]
    assert "same owner" in found[0].message


def test_another_owner_stays_p1(tmp_path: Path) -> None:
    root = _with_remote(tmp_path, "https://git.example.invalid/someone/fork.git")
    found = [f for f in scan_root(str(root)).findings if f.rule_id == "unpinned-uses"]
    assert [f.tier.value for f in found] == ["P1"]
