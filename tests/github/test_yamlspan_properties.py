"""Property tests of the span-keeping YAML loader and the workflow model built on it.

Scanned files are attacker-controlled: whatever the text, loading either gives
nodes whose spans point into that text or fails with a clear ``YamlError``.
"""

from __future__ import annotations

import string

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shipwarden.ci.github.loader import ModelError, parse_workflow
from shipwarden.ci.github.model import Repository
from shipwarden.ci.github.scan import run_rules
from shipwarden.ci.yamlspan import Mapping, Node, Scalar, Sequence, YamlError, load

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_plain_text = st.text(alphabet=string.ascii_letters + string.digits + "_-./", min_size=1, max_size=12).filter(
    lambda s: s[0].isalpha() and s.lower() not in {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}
)
_documents = st.recursive(
    _plain_text,
    lambda children: st.one_of(
        st.lists(children, min_size=1, max_size=4),
        st.dictionaries(_plain_text, children, min_size=1, max_size=4),
    ),
    max_leaves=25,
)


def _walk(node: Node) -> list[Node]:
    out = [node]
    if isinstance(node, Mapping):
        for k, v in node.items:
            out.extend(_walk(k))
            out.extend(_walk(v))
    elif isinstance(node, Sequence):
        for item in node.items:
            out.extend(_walk(item))
    return out


def _plain(node: Node) -> object:
    if isinstance(node, Scalar):
        return node.value
    if isinstance(node, Sequence):
        return [_plain(i) for i in node.items]
    assert isinstance(node, Mapping)
    return {k.value: _plain(v) for k, v in node.items}


@SETTINGS
@given(_documents, st.sampled_from([False, True]))
def test_spans_point_at_the_source_text(doc: object, flow: bool) -> None:
    text = yaml.safe_dump(doc, default_flow_style=flow, sort_keys=False)
    root = load(text)
    assert root is not None
    assert _plain(root) == doc  # same content as PyYAML's own reading
    for node in _walk(root):
        assert 0 <= node.start <= node.end <= len(text)
        if isinstance(node, Scalar) and node.style == "":
            assert text[node.start : node.end] == node.value


@SETTINGS
@given(st.text(max_size=400))
def test_arbitrary_text_loads_or_fails_cleanly(text: str) -> None:
    try:
        root = load(text)
    except YamlError as exc:
        assert str(exc)
        return
    if root is not None:
        for node in _walk(root):
            assert 0 <= node.start <= node.end <= len(text)


_keys = st.sampled_from(["on", "jobs", "permissions", "env", "steps", "runs-on", "uses", "run", "with", "if", "x"])
_values = st.recursive(
    st.one_of(st.text(max_size=20), st.sampled_from(["${{ github.event.issue.title }}", "write-all", "./a"])),
    lambda children: st.one_of(st.lists(children, max_size=3), st.dictionaries(_keys, children, max_size=4)),
    max_leaves=30,
)


@SETTINGS
@given(st.dictionaries(_keys, _values, max_size=5))
def test_workflow_model_and_rules_never_crash(doc: dict[str, object]) -> None:
    """Workflow-shaped nonsense gives a model or a ModelError, and every rule and the
    path search run on that model without an internal error."""
    text = yaml.safe_dump(doc, sort_keys=False)
    try:
        wf = parse_workflow(".github/workflows/w.yml", text)
    except (ModelError, YamlError):
        return
    repo = Repository(root=".", workflows=[wf])
    wf.repo = repo
    result = run_rules(repo)
    assert result.errors == [], [e.message for e in result.errors]


_texts = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "${{ github.event.pull_request.title }}",
            "${{ github.head_ref }}",
            "${{ secrets.NPM_TOKEN }}",
            "${{ toJSON(github.event) }}",
            "${{ inputs.x }}",
            "${{ matrix.os }}",
            "npm ci && npm publish",
            'echo "${{ github.event.comment.body }}" >> "$GITHUB_ENV"',
            "curl -sSL https://get.example.invalid | sh",
            "gh pr checkout ${{ github.event.issue.number }}",
            "write",
            "read",
            "true",
            "./.github/actions/setup",
            "./.github/workflows/other.yml",
        ]
    ),
)
_uses = st.sampled_from(
    [
        "actions/checkout@v4",
        "actions/cache@v4",
        "actions/setup-node@v4",
        "actions/download-artifact@v4",
        "actions/github-script@v7",
        "anthropics/claude-code-action@v1",
        "pypa/gh-action-pypi-publish@release/v1",
        "./.github/actions/setup",
        "docker://alpine:3",
        "owner/repo@0123456789012345678901234567890123456789ab",
        "",
    ]
)
_with_keys = st.sampled_from(["ref", "script", "prompt", "cache", "key", "restore-keys", "run-id", "github-token",
                              "persist-credentials", "password", "path", "token"])
_step = st.fixed_dictionaries(
    {},
    optional={
        "uses": _uses,
        "run": _texts,
        "with": st.dictionaries(_with_keys, _texts, max_size=3),
        "env": st.dictionaries(st.sampled_from(["NODE_AUTH_TOKEN", "TITLE", "GH_TOKEN"]), _texts, max_size=2),
        "if": _texts,
        "shell": st.sampled_from(["bash", "pwsh", "python", "sh {0}"]),
    },
)
_permissions = st.one_of(
    st.sampled_from(["write-all", "read-all", "{}"]),
    st.dictionaries(st.sampled_from(["contents", "id-token", "actions", "packages"]), st.sampled_from(["read", "write", "none"]), max_size=3),
)
_job = st.fixed_dictionaries(
    {"runs-on": st.one_of(st.sampled_from(["ubuntu-latest", "self-hosted", "${{ matrix.os }}"]), st.lists(st.sampled_from(["self-hosted", "linux", "gpu"]), max_size=2))},
    optional={
        "permissions": _permissions,
        "environment": st.sampled_from(["release", "pypi", ""]),
        "if": _texts,
        "needs": st.lists(st.sampled_from(["a", "b", "c"]), max_size=2),
        "steps": st.lists(_step, max_size=5),
        "uses": st.sampled_from(["./.github/workflows/other.yml", "org/repo/.github/workflows/x.yml@main"]),
        "secrets": st.sampled_from(["inherit", "{}"]),
        "strategy": st.just({"matrix": {"os": ["ubuntu-latest", "self-hosted"]}}),
    },
)
_events = st.lists(
    st.sampled_from(["push", "pull_request", "pull_request_target", "issue_comment", "issues", "workflow_run",
                     "workflow_call", "workflow_dispatch", "schedule", "release"]),
    min_size=1,
    max_size=3,
    unique=True,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    _events,
    st.one_of(st.none(), _permissions),
    st.dictionaries(st.sampled_from(["a", "b", "c", "release", "publish"]), _job, min_size=1, max_size=3),
    st.dictionaries(st.sampled_from(["a", "b", "c", "release", "publish"]), _job, min_size=1, max_size=2),
)
def test_structured_workflows_run_every_rule_cleanly(
    events: list[str], permissions: object, jobs: dict[str, object], other_jobs: dict[str, object]
) -> None:
    """Random but well-formed workflows (two, one callable by the other) go through every
    rule and the path search without an internal error."""
    main: dict[str, object] = {"on": events, "jobs": jobs}
    if permissions is not None:
        main["permissions"] = permissions
    other = {"on": ["workflow_call", "workflow_run"], "jobs": other_jobs}
    repo = Repository(root=".")
    for path, doc in ((".github/workflows/main.yml", main), (".github/workflows/other.yml", other)):
        wf = parse_workflow(path, yaml.safe_dump(doc, sort_keys=False))
        wf.repo = repo
        repo.workflows.append(wf)
    result = run_rules(repo)
    assert result.errors == [], [e.message for e in result.errors]
