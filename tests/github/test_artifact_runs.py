"""Which later steps run a downloaded artifact (shipwarden.ci.github.artifacts, data/artifacts.toml):
its folder given to an interpreter, a runtime's preload option, a project runner, and the folders
an archive from it is unpacked into."""

from __future__ import annotations

from pathlib import Path

import pytest

from shipwarden.ci.github.artifacts import landing_folders, runs_download
from shipwarden.ci.github.facts import job_facts
from shipwarden.ci.github.loader import load_directory

HEAD = (
    "on: workflow_run\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n"
    "      - uses: actions/download-artifact@v4\n        with:\n          name: dist\n          path: dist\n"
)


def _runs(tmp_path: Path, *scripts: str) -> list[bool]:
    """For each later run step's commands: does one of them run the artifact?"""
    wf = tmp_path / ".github" / "workflows"
    wf.mkdir(parents=True)
    (wf / "w.yml").write_text(HEAD + "".join(f"      - run: |\n          {s}\n" for s in scripts))
    repo = load_directory(tmp_path).repo
    facts = job_facts(repo.workflows[0].jobs[0])
    download = facts.artifact_downloads[0]
    return [
        any(runs_download(ex, download, facts.steps) is not None for ex in facts.execs if ex.step is step)
        for step in facts.steps[1:]
    ]


@pytest.mark.parametrize(
    "script",
    [
        "bash dist/x.sh",
        "./dist/run",
        "node --require ./dist/hook.js -e 'x()'",
        "node --import=./dist/register.mjs app.js",
        "node -r ./dist/hook.js",
        "uv run dist/report.py",
        "poetry run dist/report.py",
        "tar -xzf dist/site.tgz -C out && ./out/deploy.sh",
    ],
)
def test_runs_the_artifact(tmp_path: Path, script: str) -> None:
    assert _runs(tmp_path, script) == [True]


@pytest.mark.parametrize(
    "script",
    [
        "smokeshow upload dist",
        "node -r dotenv/config app.js",  # a package from node_modules, not the artifact's file
        "node --require dist/hook.js app.js",  # a bare specifier: node looks in node_modules
        "uv run twine check dist/*",  # twine reads the files
        "tar -tzf dist/site.tgz && ./out/deploy.sh",  # listed, not unpacked
        "tar -czf out.tgz dist && ./out/deploy.sh",  # packed again, not unpacked
        "./out/deploy.sh && tar -xzf dist/site.tgz -C out",  # run before it is unpacked
    ],
)
def test_does_not_run_the_artifact(tmp_path: Path, script: str) -> None:
    assert _runs(tmp_path, script) == [False]


def test_unpacked_into_the_workspace_then_anything_runs_it(tmp_path: Path) -> None:
    # python-attrs/attrs@41eff8e18a03 (ci.yml): the downloaded sdist is unpacked over the checkout
    assert _runs(tmp_path, "tar xf dist/*.tar.gz --strip-components=1", "tox run -e py") == [False, True]


def test_unzip_and_7z_folders(tmp_path: Path) -> None:
    assert _runs(tmp_path, "unzip -o dist/tools.zip -d tools", "bash tools/run.sh", "7z x tools/inner.7z -oinner",
                 "bash inner/go.sh") == [False, True, False, True]


def test_landing_folders_chain(tmp_path: Path) -> None:
    wf = tmp_path / ".github" / "workflows"
    wf.mkdir(parents=True)
    (wf / "w.yml").write_text(HEAD + "      - run: unzip dist/a.zip -d a\n      - run: tar xf a/b.tar -C b\n")
    facts = job_facts(load_directory(tmp_path).repo.workflows[0].jobs[0])
    lands = landing_folders(facts.artifact_downloads[0], facts.steps)
    assert [land.folder for land in lands] == ["dist", "a", "b"]
    assert lands[2].how == "tar xf a/b.tar -C b"
