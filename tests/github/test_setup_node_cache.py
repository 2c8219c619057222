"""actions/setup-node caches by itself since v5 when package.json names a packageManager
(v6: npm only), unless ``package-manager-cache: false``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shipwarden.ci.github.facts import job_facts
from shipwarden.ci.github.loader import load_directory

WORKFLOW = """\
on: push
permissions:
  contents: read
jobs:
  release:
    runs-on: ubuntu-latest
    steps:
      - uses: {uses}
{with_}      - run: npm ci
"""


def _caches(tmp_path: Path, uses: str, manager: str | None, with_: dict[str, str] | None = None) -> list[str]:
    wdir = tmp_path / ".github" / "workflows"
    wdir.mkdir(parents=True)
    block = "".join(f"          {k}: {v}\n" for k, v in (with_ or {}).items())
    (wdir / "release.yml").write_text(WORKFLOW.format(uses=uses, with_="        with:\n" + block if block else ""))
    manifest = {"name": "app"} | ({"packageManager": manager} if manager else {})
    (tmp_path / "package.json").write_text(json.dumps(manifest))
    result = load_directory(tmp_path)
    assert not result.errors
    job = result.repo.workflows[0].jobs[0]
    return [c.action for c in job_facts(job).caches if c.restores]


SHA = "actions/setup-node@49933ea5288caeca8642d1e84afbd3f7d6820020"


@pytest.mark.parametrize(
    ("uses", "manager", "with_", "cached"),
    [
        ("actions/setup-node@v5", "pnpm@9.12.0", None, True),
        (SHA + "  # v5.0.0", "yarn@4.5.0", None, True),
        ("actions/setup-node@v6", "npm@10.9.0", None, True),
        ("actions/setup-node@v6", "pnpm@9.12.0", None, False),  # v6 limits it to npm
        ("actions/setup-node@v5", None, None, False),  # no packageManager field
        ("actions/setup-node@v5", "pnpm@9.12.0", {"package-manager-cache": "false"}, False),
        ("actions/setup-node@v4", "pnpm@9.12.0", None, False),
        (SHA, "pnpm@9.12.0", None, False),  # version unknown
        ("actions/setup-node@v4", None, {"cache": "npm"}, True),
    ],
)
def test_automatic_setup_node_cache(
    tmp_path: Path, uses: str, manager: str | None, with_: dict[str, str] | None, cached: bool
) -> None:
    assert _caches(tmp_path, uses, manager, with_) == (["actions/setup-node"] if cached else [])
