"""Who-controls-what classification (data/contexts.toml) and `if:` condition gates."""

from __future__ import annotations

import tomllib
from importlib import resources

import pytest

from shipwarden.ci.github import contexts
from shipwarden.ci.github.conditions import Gate, gates, is_always_false, is_always_true
from shipwarden.ci.github.contexts import Control, classify, controlling_events, gate_subject, lookup
from shipwarden.ci.github.expressions import flowing_refs, parse

O, S, D, X, F, U = (  # noqa: E741
    Control.OUTSIDER,
    Control.STRUCTURED,
    Control.DERIVED,
    Control.SECRET,
    Control.FIXED,
    Control.UNKNOWN,
)


@pytest.mark.parametrize(
    ("path", "control"),
    [
        # pull requests
        ("github.event.pull_request.title", O),
        ("github.event.pull_request.body", O),
        ("github.event.pull_request.head.ref", O),
        ("github.event.pull_request.head.label", O),
        ("github.event.pull_request.head.repo.description", O),
        ("github.event.pull_request.head.repo.default_branch", O),
        ("github.event.pull_request.head.repo.full_name", S),
        ("github.event.pull_request.head.repo.owner.login", S),
        ("github.event.pull_request.head.sha", S),
        ("github.event.pull_request.number", S),
        ("github.event.pull_request.user.login", S),
        ("github.event.pull_request.author_association", S),
        ("github.event.pull_request.head.repo.fork", S),
        ("github.event.pull_request.base.ref", F),
        ("github.event.pull_request.base.repo.fork", F),
        ("github.event.pull_request.labels.*.name", F),
        ("github.head_ref", O),
        ("github.base_ref", F),
        # issues, comments, reviews, discussions, wiki
        ("github.event.issue.title", O),
        ("github.event.issue.body", O),
        ("github.event.issue.number", S),
        ("github.event.comment.body", O),
        ("github.event.comment.path", O),
        ("github.event.review.body", O),
        ("github.event.review_comment.body", O),
        ("github.event.discussion.title", O),
        ("github.event.discussion.body", O),
        ("github.event.pages.*.page_name", O),
        ("github.event.label.name", F),
        # push and upstream runs
        ("github.event.head_commit.message", O),
        ("github.event.head_commit.author.email", O),
        ("github.event.head_commit.author.username", S),
        ("github.event.commits.*.message", O),
        ("github.event.commits.*.author.name", O),
        ("github.event.commits.*.modified.*", O),
        ("github.event.commits.*.id", S),
        ("github.event.workflow_run.head_branch", O),
        ("github.event.workflow_run.display_title", O),
        ("github.event.workflow_run.head_commit.message", O),
        ("github.event.workflow_run.pull_requests.*.head.ref", O),
        ("github.event.workflow_run.head_sha", S),
        ("github.event.workflow_run.conclusion", S),
        # releases are maintainer-made; generated notes quote PR titles
        ("github.event.release.tag_name", F),
        ("github.event.release.name", F),
        ("github.event.release.body", U),
        # github context
        ("github.sha", S),
        ("github.ref_name", S),
        ("github.actor", S),
        ("github.repository", F),
        ("github.run_id", F),
        ("github.workflow", F),
        ("github.event_name", F),
        ("github.token", X),
        # other contexts
        ("secrets.NPM_TOKEN", X),
        ("secrets", X),
        ("vars.REGISTRY", F),
        ("runner.os", F),
        ("runner.temp", F),
        ("job.status", F),
        ("strategy.job-index", F),
        ("steps.meta.outputs.tags", D),
        ("steps.meta.outcome", F),
        ("needs.build.outputs.version", D),
        ("needs.build.result", F),
        ("env.VERSION", D),
        ("inputs.tag", D),
        ("matrix.os", D),
        ("matrix.include.*.python", D),
        ("github.event.inputs.number", D),  # not the `**.number` suffix
        # unknown / catch-alls
        ("github.event.client_payload.id", U),  # not the `**.id` suffix
        ("github.event.something_new.field", U),
        ("github.made_up", U),
        ("nosuchcontext.x", U),
        # containers of outsider text (toJSON(github.event) …) and dynamic indexes
        ("github.event", O),
        ("github.event.pull_request", O),
        ("github.event.pull_request.*", O),
        ("github.event.commits", O),
        ("github.event.repository", F),
    ],
)
def test_classify(path: str, control: Control) -> None:
    assert classify(path) is control, lookup(path)


def test_classify_accepts_refs_tuples_and_any_case() -> None:
    (ref,) = flowing_refs(parse("github.event.pull_request['HEAD'].Ref"))
    assert classify(ref) is O
    assert classify(("GitHub", "Head_Ref")) is O
    assert classify("GITHUB.EVENT.ISSUE.TITLE") is O


def test_controlling_events() -> None:
    pr = controlling_events("github.event.pull_request.title")
    assert pr is not None and {"pull_request", "pull_request_target"} <= pr
    assert controlling_events("github.head_ref") == frozenset({"pull_request", "pull_request_target"})
    assert controlling_events("github.event.head_commit.message") == frozenset({"push"})
    assert "issue_comment" in (controlling_events("github.event.comment.body") or ())
    assert controlling_events("github.event.workflow_run.head_branch") == frozenset({"workflow_run"})
    assert controlling_events("github.event.pages.*.page_name") == frozenset({"gollum"})
    assert controlling_events("github.sha") is None
    assert controlling_events("steps.a.outputs.b") is None
    container = controlling_events("github.event.pull_request")
    assert container is not None and "pull_request_target" in container and "push" not in container


def test_lookup_explains() -> None:
    info = lookup("github.event.client_payload.x")
    assert info.pattern == "github.event.client_payload.**" and info.note
    assert lookup("github.event.new_thing").pattern is None


def test_table_is_consistent() -> None:
    raw = tomllib.loads(resources.files("shipwarden.ci.github").joinpath("data", "contexts.toml").read_text())
    table = contexts._build(raw)
    for entry in table.entries:
        if entry.info.control is Control.OUTSIDER:
            assert entry.info.events, f"{entry.pattern.text}: outsider entries must name their events"
        assert entry.info.note, entry.pattern.text


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        ({"patterns": {"github.X": {"control": "fixed"}}}, "upper-case"),
        ({"patterns": {"a.**.b.**": {"control": "fixed"}}}, "more than one"),
        ({"patterns": {"a.b": {"control": "outsider", "events": "nope"}}}, "unknown event group"),
        ({"patterns": {"a.b": {"control": "fixed", "colour": "red"}}}, "unknown keys"),
        ({"gates": {"a.b": {"kind": "x", "strength": "mighty"}}}, "strength"),
    ],
)
def test_table_validation(patch: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        contexts._build({"events": {}, **patch})


def test_bad_control_value_rejected() -> None:
    with pytest.raises(ValueError):
        contexts._build({"patterns": {"a.b": {"control": "maybe"}}})


def test_gate_subjects() -> None:
    assert gate_subject("github.event.comment.author_association").kind == "author_association"  # type: ignore[union-attr]
    assert gate_subject("github.actor").strength == "weak"  # type: ignore[union-attr]
    assert gate_subject("github.event.pull_request.user.login").strength == "strong"  # type: ignore[union-attr]
    assert gate_subject("github.event.issue.title") is None


# ------------------------------------------------------------------------------------ gates


def only(text: str) -> Gate:
    found = gates(text)
    assert len(found) == 1, found
    return found[0]


def test_author_association_equality_and_sets() -> None:
    g = only("${{ github.event.comment.author_association == 'MEMBER' }}")
    assert (g.kind, g.values, g.negated, g.strength) == ("author_association", ("MEMBER",), False, "strong")
    assert g.offset == 4  # into the text given, past "${{ "
    g = only("contains(fromJSON('[\"OWNER\", \"MEMBER\"]'), github.event.comment.author_association)")
    assert g.values == ("OWNER", "MEMBER")
    g = only("github.event.review.author_association == 'OWNER' || github.event.review.author_association == 'COLLABORATOR'")
    assert g.values == ("OWNER", "COLLABORATOR")


def test_unsound_substring_contains_is_weak() -> None:
    g = only("contains('OWNER,MEMBER', github.event.comment.author_association)")
    assert g.kind == "author_association" and g.strength == "weak"


def test_same_repository() -> None:
    g = only("github.event.pull_request.head.repo.full_name == github.repository")
    assert g.kind == "same_repo" and not g.negated and g.values == ("github.repository",)
    for text in (
        "github.event.pull_request.head.repo.fork == false",
        "!github.event.pull_request.head.repo.fork",
        "github.event.pull_request.head.repo.fork != true",
        "${{ !github.event.pull_request.head.repo.fork }}",
    ):
        g = only(text)
        assert (g.kind, g.negated) == ("same_repo", False), text
    assert only("github.event.pull_request.head.repo.fork").negated  # forks only
    assert only("github.event.pull_request.head.repo.full_name != github.repository").negated


def test_labels() -> None:
    g = only("contains(github.event.pull_request.labels.*.name, 'safe to test')")
    assert (g.kind, g.values, g.strength) == ("label", ("safe to test",), "strong")
    g = only("github.event.label.name == 'ok-to-test'")
    assert g.kind == "label" and g.values == ("ok-to-test",)
    assert only("!contains(github.event.pull_request.labels.*.name, 'skip')").negated


def test_actor_is_weak_user_login_is_strong() -> None:
    assert only("github.actor == 'dependabot[bot]'").strength == "weak"
    assert only("github.triggering_actor == 'renovate[bot]'").strength == "weak"
    assert only("github.event.pull_request.user.login == 'dependabot[bot]'").strength == "strong"
    g = only("${{ !endsWith(github.actor, '[bot]') }}")
    assert g.kind == "actor" and g.negated and g.values == ("*[bot]",)


def test_event_and_ref_restrictions() -> None:
    g = only("github.event_name == 'push'")
    assert (g.kind, g.values) == ("event_name", ("push",))
    g = only("github.ref == 'refs/heads/main'")
    assert (g.kind, g.values, g.strength) == ("ref", ("refs/heads/main",), "strong")
    g = only("startsWith(github.ref, 'refs/tags/')")
    assert g.values == ("refs/tags/*",)
    assert only("startsWith(github.head_ref, 'dependabot/')").strength == "weak"


def test_repository_owner_is_not_a_fork_pr_guard() -> None:
    for text in ("github.repository == 'org/repo'", "github.repository_owner == 'org'"):
        g = only(text)
        assert (g.kind, g.strength) == ("repo_owner", "none")


def test_conjunction_keeps_every_fact() -> None:
    found = gates(
        "github.event_name == 'pull_request_target' && "
        "contains(github.event.pull_request.labels.*.name, 'safe') && github.repository == 'o/r'"
    )
    assert [g.kind for g in found] == ["event_name", "label", "repo_owner"]


def test_disjunction_drops_one_sided_facts() -> None:
    assert gates("github.event_name == 'push' || contains(github.event.pull_request.labels.*.name, 'x')") == []
    assert gates("github.event.comment.author_association == 'MEMBER' || github.actor == 'me'") == []
    found = gates("(github.event_name == 'push' && github.ref == 'refs/heads/main') || "
                  "(github.event_name == 'release' && github.ref == 'refs/heads/main')")
    assert {(g.kind, g.values) for g in found} == {
        ("event_name", ("push", "release")),
        ("ref", ("refs/heads/main",)),
    }


def test_disjunction_for_one_event_drops_the_branches_it_cannot_take() -> None:
    # axios/axios@23a25af0688d publish.yml: dispatch, or a merged release pull request
    text = ("github.event_name == 'workflow_dispatch' || (github.event.pull_request.merged == true"
            " && github.event.pull_request.head.label == 'axios:release')")
    assert gates(text) == []
    assert [g.kind for g in gates(text, "pull_request")] == ["merged"]
    assert [g.kind for g in gates(text, "workflow_dispatch")] == []  # its own branch needs nothing
    # a negated event name rules its event out; the case of the name does not matter
    assert [g.kind for g in gates("github.event_name != 'PUSH' || github.event.pull_request.merged", "push")] == [
        "merged"
    ]
    # a branch that holds for the event keeps the other branch's facts out
    assert gates("github.event_name == 'pull_request' || github.event.pull_request.merged", "pull_request") == []
    # no branch holds for the event: never
    assert [g.kind for g in gates("github.event_name == 'push' || github.event_name == 'release'", "issues")] == [
        "never"
    ]
    # a constant-false branch leaves, too
    assert [g.kind for g in gates("false || github.event.pull_request.merged", "pull_request")] == ["merged"]


def test_negation_pushes_inward() -> None:
    found = gates("!(github.event_name == 'push' || github.event_name == 'schedule')")
    assert [(g.kind, g.values, g.negated) for g in found] == [
        ("event_name", ("push",), True),
        ("event_name", ("schedule",), True),
    ]
    assert gates("!(github.event_name == 'push' && github.actor == 'x')") == []
    g = only("github.event_name != 'pull_request_target'")
    assert g.negated and g.values == ("pull_request_target",)


def test_always_and_constants() -> None:
    assert [g.kind for g in gates("always() && github.repository == 'o/r'")] == ["always", "repo_owner"]
    assert gates("always() || github.event_name == 'push'") == []
    assert [g.kind for g in gates("false && github.event_name == 'push'")] == ["never", "event_name"]
    assert is_always_false("false")
    assert is_always_false("${{ false }}")
    assert is_always_false("github.event_name == 'push' && false")
    assert is_always_false("!always()")
    assert is_always_false("'a' == 'b'")
    assert not is_always_false("github.event_name == 'push'")
    assert not is_always_false("false || github.event_name == 'push'")
    assert not is_always_false("not valid ==")


def test_template_conditions_are_always_true() -> None:
    # `if: |` block scalar keeps the newline: GitHub evaluates the string "false\n" (truthy)
    assert not is_always_false("${{ false }}\n")
    assert is_always_true("${{ false }}\n")
    assert is_always_true("${{ github.actor == 'x' }} && true")
    assert gates("${{ github.actor == 'x' }} ") == []
    assert not is_always_true("${{ github.actor == 'x' }}")
    assert is_always_true("true || github.actor == 'x'")


def test_invalid_condition_has_no_gates() -> None:
    assert gates("github.actor = 'x'") == []


def test_candidate_index_drops_no_pattern_that_matches() -> None:
    """A look-up tries only the patterns its path's first segments allow (``_Table.near``): over
    paths made from every pattern (wildcards filled in several ways), the first match among
    those candidates is the first match in the whole table, for entries and gates alike."""
    table = contexts._table()
    fills = ("x", "event", "github", "*", "steps")
    paths: set[tuple[str, ...]] = {(), ("",), ("unknown",), ("github",), ("github", "zzz")}
    for pattern in [e.pattern for e in table.entries] + [g.pattern for g in table.gates]:
        for fill in fills:
            head = tuple(fill if s == "*" else s for s in pattern.head)
            for middle in ((), (fill,), (fill, "y")) if pattern.tail is not None else ((),):
                path = head + middle + tuple(fill if s == "*" else s for s in (pattern.tail or ()))
                paths.update(path[:n] for n in range(len(path) + 1))
    for path in paths:
        entries, gates = contexts._near(path)
        first = next((e for e in table.entries if e.pattern.matches(path)), None)
        assert next((e for e in entries if e.pattern.matches(path)), None) is first, path
        gate = next((g for g in table.gates if g.pattern.matches(path)), None)
        assert next((g for g in gates if g.pattern.matches(path)), None) is gate, path
