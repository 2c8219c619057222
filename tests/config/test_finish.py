"""``commands.common``: shared options and the finish pipeline, end to end."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import pytest

from shipwarden.commands.common import add_output_arguments, config_from_args, exit_code, finish
from shipwarden.core.findings import Confidence, Finding, Location, Report, ScanError, Tier

WORKFLOW = """\
on: issues
jobs:
  a:
    steps:
      # shipwarden: ignore[template-injection] reviewed
      - run: echo ${{ github.event.issue.title }}
      - uses: actions/cache@v4
"""


def _parse(*argv: str, default_fail_on: str = "P1") -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_output_arguments(parser, default_fail_on=default_fail_on)
    return parser.parse_args(list(argv))


def _finding(rule: str, tier: Tier, line: int, key: str = "") -> Finding:
    loc = Location(".github/workflows/w.yml", line, 9, line, 20, snippet=WORKFLOW.splitlines()[line - 1])
    return Finding(rule, 2, tier, Confidence.HIGH, f"{rule} here", [loc], key=key or rule)


def _report(*findings: Finding, errors: list[ScanError] | None = None) -> Report:
    return Report(command="scan", roots=["."], findings=list(findings), errors=errors or [])


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "w.yml").write_text(WORKFLOW, encoding="utf-8")
    return tmp_path


def _run(report: Report, args: argparse.Namespace, root: Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = finish(report, args, root=root, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def _json(*findings: Finding, argv: tuple[str, ...] = (), root: Path, errors: list[ScanError] | None = None):
    code, out, err = _run(_report(*findings, errors=errors), _parse("--format", "json", *argv), root)
    return code, (json.loads(out) if out else None), err


def test_options_parse() -> None:
    args = _parse("--select", "a,b", "--select", "c", "--ignore", "d", "--fail-on", "p2", "--no-color")
    assert args.select == [["a", "b"], ["c"]] and args.ignore == [["d"]]
    assert args.fail_on == "P2" and args.no_color and args.format == "text"
    with pytest.raises(SystemExit):
        _parse("--fail-on", "P3")
    with pytest.raises(SystemExit):
        _parse("--select", "bad id!")


@pytest.mark.parametrize(
    ("tiers", "threshold", "errors", "expected"),
    [
        ([], "P1", False, 0),
        ([Tier.P2], "P1", False, 0),
        ([Tier.P1], "P1", False, 1),
        ([Tier.P0], "P1", False, 1),
        ([Tier.P2], "P2", False, 1),
        ([Tier.P0], "none", False, 0),
        ([], "P1", True, 4),
        ([Tier.P0], "P0", True, 5),
        ([Tier.P0], "none", True, 4),
    ],
)
def test_exit_code_bits(tiers: list[Tier], threshold: str, errors: bool, expected: int) -> None:
    report = _report(*[_finding(f"r{i}", t, 6) for i, t in enumerate(tiers)])
    if errors:
        report.errors.append(ScanError("x.yml", "bad"))
    assert exit_code(report, threshold) == expected


def test_fail_on_default_config_and_cli(repo: Path) -> None:
    p2 = _finding("secrets-inherit", Tier.P2, 6)
    assert _json(p2, root=repo)[0] == 0  # command default P1
    code, _, _ = _run(_report(p2), _parse("--format", "json", default_fail_on="P2"), repo)
    assert code == 1
    (repo / ".shipwarden.toml").write_text('fail-on = "P2"\n', encoding="utf-8")
    assert _json(p2, root=repo)[0] == 1  # config beats the command default
    assert _json(p2, argv=("--fail-on", "none"), root=repo)[0] == 0  # CLI beats config


def test_scan_errors_set_bit_4(repo: Path) -> None:
    code, data, _ = _json(
        _finding("secrets-inherit", Tier.P0, 6), errors=[ScanError("b.yml", "invalid YAML", "yaml")], root=repo
    )
    assert code == 5
    assert data["summary"]["errors"] == 1


def test_inline_suppression_is_applied_and_counted(repo: Path) -> None:
    code, data, _ = _json(_finding("template-injection", Tier.P0, 6), _finding("github-env", Tier.P2, 6), root=repo)
    assert [f["rule"] for f in data["findings"]] == ["github-env"]
    assert data["summary"]["suppressed"] == 1
    assert code == 0


def test_select_and_ignore_cli_replaces_config(repo: Path) -> None:
    findings = [
        _finding("secrets-inherit", Tier.P2, 7),
        _finding("secrets-tojson", Tier.P2, 7),
        _finding("unpinned-uses", Tier.P2, 7),
    ]
    (repo / ".shipwarden.toml").write_text('ignore = ["secrets-inherit"]\n', encoding="utf-8")
    assert [f["rule"] for f in _json(*findings, root=repo)[1]["findings"]] == ["secrets-tojson", "unpinned-uses"]
    rules = [f["rule"] for f in _json(*findings, argv=("--select", "secrets"), root=repo)[1]["findings"]]
    assert rules == ["secrets-tojson"]  # CLI select, config ignore still applies
    rules = [f["rule"] for f in _json(*findings, argv=("--ignore", "unpinned"), root=repo)[1]["findings"]]
    assert rules == ["secrets-inherit", "secrets-tojson"]  # CLI ignore replaces config ignore


def test_exclude_drops_findings(repo: Path) -> None:
    (repo / ".shipwarden.toml").write_text('exclude = [".github/workflows/w.yml"]\n', encoding="utf-8")
    assert _json(_finding("secrets-inherit", Tier.P0, 7), root=repo)[1]["findings"] == []


def test_write_then_use_baseline(repo: Path, tmp_path: Path) -> None:
    old = _finding("secrets-inherit", Tier.P0, 7, key="cache step")
    baseline = repo / "shipwarden-baseline.json"
    code, out, err = _run(_report(old), _parse("--write-baseline", str(baseline)), repo)
    assert code == 0 and out == "" and "wrote 1 finding" in err
    assert json.loads(baseline.read_text(encoding="utf-8"))["findings"][0]["rule"] == "secrets-inherit"

    moved = _finding("secrets-inherit", Tier.P0, 6, key="cache step")
    new = _finding("secrets-tojson", Tier.P1, 7)
    code, data, _ = _json(moved, new, argv=("--baseline", str(baseline)), root=repo)
    assert [f["rule"] for f in data["findings"]] == ["secrets-tojson"]
    assert data["summary"]["baselined"] == 1 and code == 1

    # the same baseline named in the config, relative to the config file
    (repo / ".shipwarden.toml").write_text('baseline = "shipwarden-baseline.json"\n', encoding="utf-8")
    code, data, _ = _json(moved, root=repo)
    assert data["findings"] == [] and code == 0


def test_write_baseline_warns_when_incomplete(repo: Path) -> None:
    args = _parse("--write-baseline", str(repo / "b.json"))
    code, _, err = _run(_report(errors=[ScanError("x.yml", "bad")]), args, repo)
    assert code == 0 and "scan incomplete" in err


@pytest.mark.parametrize(
    ("setup", "argv", "message"),
    [
        (lambda r: (r / ".shipwarden.toml").write_text('fail-on = "P9"\n'), (), "fail-on"),
        (lambda r: None, ("--baseline", "/nonexistent/b.json"), "baseline file not found"),
        (lambda r: None, ("--config", "/nonexistent/c.toml"), "config file not found"),
    ],
)
def test_usage_errors_exit_2(repo: Path, setup, argv: tuple[str, ...], message: str) -> None:
    setup(repo)
    code, out, err = _run(_report(_finding("secrets-inherit", Tier.P0, 7)), _parse(*argv), repo)
    assert code == 2 and out == "" and message in err


def test_output_file_and_formats(repo: Path) -> None:
    target = repo / "out" / "report.sarif"
    code, out, _ = _run(
        _report(_finding("secrets-inherit", Tier.P1, 7)), _parse("--format", "sarif", "--output", str(target)), repo
    )
    assert code == 1 and out == ""
    assert json.loads(target.read_text(encoding="utf-8"))["version"] == "2.1.0"
    code, out, _ = _run(_report(_finding("secrets-inherit", Tier.P2, 7)), _parse("--format", "github"), repo)
    assert out.startswith("::warning file=.github/workflows/w.yml,line=7,")


def test_text_to_non_tty_has_no_color(repo: Path) -> None:
    _, out, _ = _run(_report(_finding("secrets-inherit", Tier.P1, 7)), _parse(), repo)
    assert "\x1b[" not in out and ".github/workflows/w.yml:7:9" in out


def test_docs_url_from_config(repo: Path) -> None:
    (repo / ".shipwarden.toml").write_text('docs-url = "https://mirror.example.invalid/rules"\n', encoding="utf-8")
    _, data, _ = _json(_finding("secrets-inherit", Tier.P1, 7), root=repo)
    assert data["rules"]["secrets-inherit"]["help_uri"] == "https://mirror.example.invalid/rules/secrets-inherit.md"


def test_config_is_loaded_once_per_run(repo: Path) -> None:
    args = _parse()
    first = config_from_args(args, repo)
    (repo / ".shipwarden.toml").write_text('fail-on = "P0"\n', encoding="utf-8")
    assert config_from_args(args, repo) is first


def test_custom_source_reader(repo: Path) -> None:
    finding = Finding("endpoint-registry-token", 1, Tier.P0, Confidence.HIGH, "m", [Location("~/.npmrc", 3, 1)])
    text = "registry=x\n# shipwarden: ignore[endpoint-registry-token] accepted\n_authToken=redacted\n"
    out, err = io.StringIO(), io.StringIO()
    args = _parse("--format", "json")
    reader = {"~/.npmrc": text}.get
    code = finish(_report(finding), args, root=repo, source_reader=reader, stdout=out, stderr=err)
    assert code == 0 and json.loads(out.getvalue())["summary"]["suppressed"] == 1
