"""``scan --fix``: each fix removes its finding, changes nothing else, and keeps
what the workflow does.

Fixtures under ``fixtures/`` are reduced from real workflows (each names its
source). "Nothing else changes" is checked independently of the engine: both
texts are loaded with PyYAML's BaseLoader and compared after applying the
intended change by hand.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shipwarden.ci.github.scan import scan_roots
from shipwarden.cli import main
from shipwarden.fix import FixLevel, plan_fixes
from shipwarden.fix.edits import Edit, EditConflict, apply_edits
from shipwarden.fix.fixers import env_name

FIXTURES = Path(__file__).parent / "fixtures"
EXAMPLE = Path(__file__).parents[2] / "examples" / "vulnerable-release"


def _copy(name: str, tmp_path: Path) -> Path:
    root = tmp_path / name
    shutil.copytree(FIXTURES / name, root)
    return root


def _workflow(root: Path) -> Path:
    return next((root / ".github" / "workflows").iterdir())


def _scan_json(root: Path, tmp_path: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    out = tmp_path / "report.json"
    code = main(["scan", str(root), "--format", "json", "--output", str(out), "--fail-on", "P2", *extra])
    return code, json.loads(out.read_text(encoding="utf-8"))


def _rules(report: dict[str, Any]) -> list[str]:
    return sorted(f["rule"] for f in report["findings"])


def _plain(text: str) -> Any:
    return yaml.load(text, Loader=yaml.BaseLoader)  # noqa: S506 - BaseLoader builds only str/list/dict


def test_injection_in_double_quotes_and_checkout_credential(tmp_path: Path) -> None:
    root = _copy("injection-double-quotes", tmp_path)
    path = _workflow(root)
    before = path.read_text(encoding="utf-8")
    _, report = _scan_json(root, tmp_path)
    assert {"template-injection", "artipacked"} <= set(_rules(report))

    code, report = _scan_json(root, tmp_path, "--fix")
    after = path.read_text(encoding="utf-8")
    assert "template-injection" not in _rules(report)
    assert "artipacked" not in _rules(report)
    assert code == 0
    assert '      - run: echo "${HEAD_COMMIT_MESSAGE}"\n' in after
    assert "          HEAD_COMMIT_MESSAGE: ${{ github.event.head_commit.message }}\n" in after
    # Comments and untouched lines are kept byte for byte.
    assert "    branches: [main]  # keep this comment\n" in after
    assert "      # the checkout keeps its token unless told otherwise\n" in after

    expected = _plain(before)
    step = expected["jobs"]["check-skip"]["steps"][0]
    step["run"] = 'echo "${HEAD_COMMIT_MESSAGE}"'
    step["env"] = {"HEAD_COMMIT_MESSAGE": "${{ github.event.head_commit.message }}"}
    expected["jobs"]["smoke"]["steps"][0]["with"] = {"persist-credentials": "false"}
    assert _plain(after) == expected


def test_injection_in_heredoc_and_bare_word_reuses_one_variable(tmp_path: Path) -> None:
    root = _copy("injection-heredoc-bare", tmp_path)
    path = _workflow(root)
    before = path.read_text(encoding="utf-8")
    code, report = _scan_json(root, tmp_path, "--fix")
    after = path.read_text(encoding="utf-8")
    assert "template-injection" not in _rules(report)
    lines = after.splitlines()
    assert "          ${PR_TITLE}" in lines  # an unquoted heredoc expands variables
    # A bare word stays unquoted: split into words as before, never run as code.
    assert "          ./check-title --strict=$STRICT ${PR_TITLE}" in lines
    assert '          echo "branch: ${HEAD_REF}" # a trailing comment' in lines
    expected = _plain(before)
    step = expected["jobs"]["validate"]["steps"][0]
    step["env"].update(
        {"PR_TITLE": "${{ github.event.pull_request.title }}", "HEAD_REF": "${{ github.head_ref }}"}
    )
    step["run"] = (
        "cat > /tmp/title.txt <<EOF\n${PR_TITLE}\nEOF\n"
        "./check-title --strict=$STRICT ${PR_TITLE}\n"
        'echo "branch: ${HEAD_REF}" # a trailing comment\n'
    )
    assert _plain(after) == expected
    assert code == 0


@pytest.mark.parametrize(
    ("fixture", "reason"),
    [
        ("injection-single-quotes", "inside single quotes"),
        ("injection-windows", "Windows"),
        ("flow-style", "flow style"),
    ],
)
def test_unfixable_shapes_are_left_alone_and_explained(
    fixture: str, reason: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _copy(fixture, tmp_path)
    path = _workflow(root)
    before = path.read_bytes()
    _, report = _scan_json(root, tmp_path, "--fix=unsafe")
    assert path.read_bytes() == before
    assert "template-injection" in _rules(report)
    assert reason in capsys.readouterr().err


def test_checkout_with_an_existing_with_block(tmp_path: Path) -> None:
    root = _copy("artipacked-with", tmp_path)
    path = _workflow(root)
    before = path.read_text(encoding="utf-8")
    _, report = _scan_json(root, tmp_path, "--fix")
    after = path.read_text(encoding="utf-8")
    assert "artipacked" not in _rules(report)
    assert "          fetch-depth: 0   # history for the changelog check\n          persist-credentials: false\n" in after
    expected = _plain(before)
    expected["jobs"]["test"]["steps"][0]["with"]["persist-credentials"] = "false"
    expected["jobs"]["docs"]["steps"][0]["with"] = {"persist-credentials": "false"}
    assert _plain(after) == expected


def test_a_fix_that_may_break_a_push_needs_unsafe(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _copy("artipacked-pushes", tmp_path)
    path = _workflow(root)
    before = path.read_bytes()
    _, report = _scan_json(root, tmp_path, "--fix")
    assert path.read_bytes() == before
    assert "artipacked" in _rules(report)
    assert "--fix=unsafe" in capsys.readouterr().err
    _, report = _scan_json(root, tmp_path, "--fix=unsafe")
    assert "artipacked" not in _rules(report)
    assert "persist-credentials: false" in path.read_text(encoding="utf-8")


def test_missing_permissions_get_a_read_only_grant_only_when_unsafe(tmp_path: Path) -> None:
    root = _copy("permissions-missing", tmp_path)
    path = _workflow(root)
    before = path.read_text(encoding="utf-8")
    _scan_json(root, tmp_path, "--fix")
    assert path.read_text(encoding="utf-8") == before
    _, report = _scan_json(root, tmp_path, "--fix=unsafe")
    after = path.read_text(encoding="utf-8")
    assert "excessive-permissions" not in _rules(report)
    assert "permissions:\n  contents: read\n\n# the jobs\njobs:\n" in after
    expected = _plain(before)
    expected["permissions"] = {"contents": "read"}
    assert _plain(after) == expected


def test_diff_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _copy("injection-double-quotes", tmp_path)
    path = _workflow(root)
    before = path.read_bytes()
    assert main(["scan", str(root), "--diff"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("--- a/.github/workflows/ci.yml\n+++ b/.github/workflows/ci.yml\n")
    assert '+      - run: echo "${HEAD_COMMIT_MESSAGE}"' in out
    assert path.read_bytes() == before
    # Nothing left to fix: empty diff, exit 0.
    main(["scan", str(root), "--fix", "--fail-on", "none"])
    capsys.readouterr()
    assert main(["scan", str(root), "--diff"]) == 0
    assert capsys.readouterr().out == ""


def test_suppressed_findings_are_not_fixed(tmp_path: Path) -> None:
    root = _copy("injection-double-quotes", tmp_path)
    path = _workflow(root)
    text = path.read_text(encoding="utf-8").replace(
        '      - run: echo "${{ github.event.head_commit.message }}"',
        '      - run: echo "${{ github.event.head_commit.message }}"  # shipwarden: ignore[template-injection] reviewed',
    )
    path.write_text(text, encoding="utf-8")
    _scan_json(root, tmp_path, "--fix")
    assert "${{ github.event.head_commit.message }}\"  # shipwarden" in path.read_text(encoding="utf-8")


def test_bundled_example_safe_fixes(tmp_path: Path) -> None:
    root = tmp_path / "example"
    shutil.copytree(EXAMPLE, root)
    before = scan_roots([str(root)])
    plan = plan_fixes(before, root, FixLevel.SAFE)
    fixed = {(p.rule_id, f.key or f.message) for fx in plan.files for p in fx.proposals for f in p.findings}
    assert {rule for rule, _ in fixed} == {"template-injection", "artipacked"}
    plan.write()
    after = scan_roots([str(root)])
    assert not fixed & {(f.rule_id, f.key or f.message) for f in after.findings}
    assert after.errors == []
    # The attack path through the PR title is cut by moving it into env:.
    assert len(after.findings) < len(before.findings)


def test_edits_never_overlap() -> None:
    assert apply_edits("abcdef", [Edit(1, 2, "X"), Edit(4, 4, "Y")]) == "aXcdYef"
    with pytest.raises(EditConflict):
        apply_edits("abcdef", [Edit(1, 3, "X"), Edit(2, 4, "Y")])


@pytest.mark.parametrize(
    ("expression", "name"),
    [
        ("github.event.pull_request.title", "PR_TITLE"),
        ("github.event.pull_request.head.ref", "PR_HEAD_REF"),
        ("github.head_ref", "HEAD_REF"),
        ("github.event.issue.body", "ISSUE_BODY"),
        ("inputs.version", "INPUT_VERSION"),
        ("format('{0}', github.event.issue.title)", "VALUE"),
    ],
)
def test_env_names(expression: str, name: str) -> None:
    assert env_name(expression, set()) == name
    assert env_name(expression, {name}) == f"{name}_2"


_PIECES = {
    "double": 'echo "a ${{ github.event.pull_request.title }} b"',
    "bare": "printf '%s|' x ${{ github.event.pull_request.title }} y",
    "heredoc": "cat <<EOF\n[${{ github.event.pull_request.title }}]\nEOF",
    "assign": 'T="${{ github.event.pull_request.title }}"; echo "$T"',
    "plain": "echo constant",
}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    pieces=st.lists(st.sampled_from(sorted(_PIECES)), min_size=1, max_size=4),
    title=st.from_regex(r"[A-Za-z0-9][A-Za-z0-9 _.-]{0,19}", fullmatch=True),
)
def test_fixed_script_prints_what_the_original_printed(pieces: list[str], title: str, tmp_path: Path) -> None:
    """For a harmless title, the original (GitHub pastes the value into the
    script) and the fixed script (the value arrives in a variable) print the same."""
    script = "\n".join(_PIECES[p] for p in pieces) + "\n"
    body = "".join("          " + line + "\n" for line in script.splitlines())
    root = tmp_path / f"r{abs(hash((tuple(pieces), title)))}"
    (root / ".github" / "workflows").mkdir(parents=True)
    path = root / ".github" / "workflows" / "t.yml"
    path.write_text(
        "on: pull_request_target\npermissions: {}\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: |\n" + body,
        encoding="utf-8",
    )
    plan = plan_fixes(scan_roots([str(root)], jobs=1), root, FixLevel.SAFE)
    if not any("${{" in p for p in (_PIECES[x] for x in pieces)):
        assert not plan.files
        return
    assert len(plan.files) == 1
    plan.write()
    step = _plain(path.read_text(encoding="utf-8"))["jobs"]["t"]["steps"][0]
    assert "${{" not in step["run"]
    original = script.replace("${{ github.event.pull_request.title }}", title)
    env = {name: value.replace("${{ github.event.pull_request.title }}", title) for name, value in step["env"].items()}
    env["PATH"] = "/usr/bin:/bin"
    want = subprocess.run(["bash", "-c", original], capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})
    got = subprocess.run(["bash", "-c", step["run"]], capture_output=True, text=True, env=env)
    assert got.stdout == want.stdout
    shutil.rmtree(root)


def test_installs_in_a_publishing_job_get_ignore_scripts_only_when_unsafe(tmp_path: Path) -> None:
    root = _copy("install-publish", tmp_path)
    path = _workflow(root)
    before = path.read_text(encoding="utf-8")
    _, report = _scan_json(root, tmp_path, "--fix")
    assert path.read_text(encoding="utf-8") == before
    assert "install-in-publish-job" in _rules(report)
    _, report = _scan_json(root, tmp_path, "--fix=unsafe")
    after = path.read_text(encoding="utf-8")
    assert "install-in-publish-job" not in _rules(report)
    assert "      - run: npm ci --ignore-scripts && npm run build   # builds dist/\n" in after
    expected = _plain(before)
    expected["jobs"]["publish"]["steps"][2]["run"] = "npm ci --ignore-scripts && npm run build"
    assert _plain(after) == expected


def test_no_read_only_grant_when_a_job_uses_the_token(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _copy("permissions-token-used", tmp_path)
    path = _workflow(root)
    before = path.read_bytes()
    _, report = _scan_json(root, tmp_path, "--fix=unsafe")
    assert path.read_bytes() == before
    assert "excessive-permissions" in _rules(report)
    assert "job `ai-review` (passes it in `env:`)" in capsys.readouterr().err
