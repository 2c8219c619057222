"""Snapshot tests of every output format for one hand-built report.

Regenerate after an intended change with::

    SHIPWARDEN_UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/reporting
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from reporting_sample import demo_options, sample_report

from shipwarden import __version__
from shipwarden.reporting import render
from shipwarden.reporting import sarif as sarif_module

SNAPSHOTS = Path(__file__).parent / "snapshots"
RULE_DOCS = Path(__file__).parent / "rule_docs"
UPDATE = os.environ.get("SHIPWARDEN_UPDATE_SNAPSHOTS") == "1"

CASES = {
    "report.json": "json",
    "report.sarif": "sarif",
    "report.txt": "text",
    "report.github.txt": "github",
    "paths.dot": "dot",
    "paths.mmd": "mermaid",
}


@pytest.fixture(autouse=True)
def _rule_docs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Read rule help pages from a fixed test folder, not the real docs/rules."""
    def page(rule_id: str) -> str | None:
        path = RULE_DOCS / f"{rule_id}.md"
        return path.read_text(encoding="utf-8") if path.is_file() else None

    monkeypatch.setattr(sarif_module, "_rule_doc", page)


def _normalise(text: str) -> str:
    return text.replace(f'"{__version__}"', '"VERSION"')


@pytest.mark.parametrize("name", sorted(CASES))
def test_snapshot(name: str) -> None:
    options = demo_options(docs_url="https://docs.example.invalid/rules/")
    actual = _normalise(render(sample_report(), CASES[name], options))
    path = SNAPSHOTS / name
    if UPDATE or not path.exists():
        path.write_text(actual, encoding="utf-8")
        if not UPDATE:
            pytest.fail(f"snapshot {name} was missing and has been written; re-run")
    assert actual == path.read_text(encoding="utf-8"), f"{name} changed; SHIPWARDEN_UPDATE_SNAPSHOTS=1 to accept"


@pytest.mark.parametrize("fmt", ["json", "sarif", "text", "github", "dot", "mermaid"])
def test_output_is_deterministic(fmt: str) -> None:
    report = sample_report()
    shuffled = sample_report()
    shuffled.findings.reverse()
    shuffled.errors.reverse()
    assert render(report, fmt, demo_options()) == render(shuffled, fmt, demo_options())
