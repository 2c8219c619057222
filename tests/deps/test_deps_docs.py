"""Every deps rule has a documentation page in the shape of the other rule pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from shipwarden.deps.rules import ALL_RULES

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.mark.parametrize("meta", ALL_RULES, ids=lambda m: m.id)
def test_rule_page(meta) -> None:  # type: ignore[no-untyped-def]
    page = DOCS / "rules" / f"{meta.id}.md"
    assert page.is_file(), page
    text = page.read_text()
    assert text.startswith(f"# {meta.id}\n")
    assert "**Row:** 4" in text and f"**Default tier:** {meta.tier.value}" in text and "**Command:** deps" in text
    for heading in ("## What it detects", "## Why is this dangerous", "## Example", "## How to fix"):
        assert heading in text, f"{meta.id}: missing {heading}"


def test_command_page() -> None:
    text = (DOCS / "commands" / "deps.md").read_text()
    for flag in ("--write-allowlist", "--against", "--fetch", "--allowlist"):
        assert flag in text


def test_no_registry_host_names_anywhere() -> None:
    root = Path(__file__).resolve().parents[2]
    banned = ("npmjs" + ".org", "pypi" + ".org", "pythonhosted" + ".org", "yarnpkg" + ".com")
    files = [*root.joinpath("src/shipwarden/deps").rglob("*.py"), root / "src/shipwarden/data/deps_indicators.toml",
             root / "src/shipwarden/commands/deps.py", *root.joinpath("tests/deps").rglob("*"),
             *root.joinpath("docs/rules").glob("deps-*.md"), root / "docs/commands/deps.md", root / "bench/deps_tree.py"]
    for path in files:
        if path.is_file():
            text = path.read_text(errors="ignore")
            for host in banned:
                assert host not in text, f"{path} names {host}"
