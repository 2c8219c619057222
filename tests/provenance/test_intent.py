"""Claims → findings: each intent rule on test-CA certificates whose claims vary,
positive and negative, and the TanStack-shaped join."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from certs import github_claims, issue

from shipwarden.core.findings import Tier
from shipwarden.provenance.claims import Claims, add_statement, certificate_claims
from shipwarden.provenance.intent import Policy, Release, Subject, bursts, judge

HERE = Path(__file__).parent / "fixtures"


def _claims(**kw: str) -> Claims:
    return certificate_claims(issue(github_claims(**kw)))


def _ids(subject: Subject, policy: Policy | None = None, **kw: object) -> dict[str, Tier]:
    found, _ = judge(subject, policy or Policy(), **kw)  # type: ignore[arg-type]
    return {f.rule_id: f.tier for f in found}


def _subject(claims: Claims | None, history: list[Release] | None = None) -> Subject:
    return Subject("widget", "1.0.1", "widget.sigstore", claims, history or [])


def test_claims_are_read_from_the_certificate() -> None:
    c = _claims(trigger="release", ref="refs/tags/v2", repo="acme/widget", repo_id="42")
    assert c.repository == "acme/widget"
    assert c.workflow_path == ".github/workflows/release.yml" and c.workflow_ref == "refs/tags/v2"
    assert c.trigger == "release" and c.repository_id == "42" and c.runner_environment == "github-hosted"
    assert c.is_ci


def test_legacy_trigger_extension_fills_in() -> None:
    claims = github_claims()
    del claims["build_trigger"]
    c = certificate_claims(issue(claims, legacy_trigger="workflow_run"))
    assert c.trigger == "workflow_run"


def test_slsa_v1_predicate_is_read() -> None:
    stmt = {
        "predicateType": "https://slsa.dev/provenance/v1",
        "subject": [{"name": "pkg:npm/widget@1.0.1", "digest": {"sha512": "00"}}],
        "predicate": {
            "buildDefinition": {
                "externalParameters": {"workflow": {"ref": "refs/heads/main", "repository": "https://github.com/acme/widget", "path": ".github/workflows/release.yml"}},
                "internalParameters": {"github": {"event_name": "workflow_dispatch", "repository_id": "1001"}},
            }
        },
    }
    c = add_statement(Claims(), stmt)
    assert c.trigger == "workflow_dispatch" and c.repository == "acme/widget" and c.repository_id == "1001"
    assert c.workflow_path == ".github/workflows/release.yml" and c.subjects == ["pkg:npm/widget@1.0.1"]


@pytest.mark.parametrize("trigger", ["pull_request_target", "workflow_run", "issue_comment"])
def test_outsider_trigger_is_p0(trigger: str) -> None:
    assert _ids(_subject(_claims(trigger=trigger))).get("provenance-untrusted-trigger") == Tier.P0


@pytest.mark.parametrize("trigger", ["push", "release", "workflow_dispatch", "pull_request"])
def test_maintainer_triggers_are_not_reported(trigger: str) -> None:
    assert "provenance-untrusted-trigger" not in _ids(_subject(_claims(trigger=trigger)))


def test_ref_rule() -> None:
    assert "provenance-unexpected-ref" in _ids(_subject(_claims(ref="refs/heads/feature")))
    assert "provenance-unexpected-ref" not in _ids(_subject(_claims(ref="refs/tags/v1.0.1")))
    assert "provenance-unexpected-ref" not in _ids(_subject(_claims(ref="refs/heads/main")))
    assert "provenance-unexpected-ref" in _ids(_subject(_claims(ref="refs/heads/main")), Policy(default_branch="trunk"))
    assert "provenance-unexpected-ref" not in _ids(_subject(_claims(ref="refs/heads/trunk")), Policy(default_branch="trunk"))


def test_self_hosted_runner() -> None:
    assert "provenance-self-hosted-runner" in _ids(_subject(_claims(runner="self-hosted")))
    assert "provenance-self-hosted-runner" not in _ids(_subject(_claims()))


def test_person_signed() -> None:
    c = certificate_claims(issue({"issuer": "https://login.example.invalid"}, san="dev@example.invalid"))
    assert c.identity.startswith("http") is False
    found = _ids(_subject(Claims(identity="dev@example.invalid", issuer="x")))
    assert found.get("provenance-person-signed") == Tier.P2
    assert "provenance-person-signed" not in _ids(_subject(_claims()))


def test_policy_workflow_and_repository() -> None:
    pol = Policy(workflow=".github/workflows/release.yml", repository="acme/widget")
    assert not {"provenance-workflow-changed"} & set(_ids(_subject(_claims()), pol))
    assert "provenance-workflow-changed" in _ids(_subject(_claims(workflow=".github/workflows/ci.yml")), pol)
    assert "provenance-workflow-changed" in _ids(_subject(_claims(repo="evil/widget")), pol)


def test_missing_provenance_under_policy() -> None:
    pol = Policy(require_provenance=("wid",))
    assert "provenance-missing" in _ids(_subject(None), pol)
    assert "provenance-missing" not in _ids(_subject(None), Policy(require_provenance=("@acme/",)))


def test_regression_against_previous_versions() -> None:
    prev = Release("widget", "1.0.0", claims=_claims(), has_provenance=True)
    assert not _ids(_subject(_claims(), [prev]))
    assert "provenance-dropped" in _ids(_subject(None, [prev]))
    assert "provenance-dropped" not in _ids(_subject(None, [Release("widget", "1.0.0")]))
    assert "provenance-workflow-changed" in _ids(_subject(_claims(workflow=".github/workflows/other.yml"), [prev]))


def test_repository_identity_change() -> None:
    prev = Release("widget", "1.0.0", claims=_claims(repo_id="1001"))
    same_name = _ids(_subject(_claims(repo_id="2002"), [prev]))
    assert same_name.get("provenance-repository-changed") == Tier.P0  # deleted and re-created
    renamed = _ids(_subject(_claims(repo="acme/widget-ng", repo_id="1001"), [prev]))
    assert "provenance-repository-changed" not in renamed and "provenance-workflow-changed" not in renamed
    moved = _ids(_subject(_claims(repo="other/widget", repo_id="3003"), [prev]))
    assert moved.get("provenance-repository-changed") == Tier.P1


def _burst_releases(count: int, packages: int, spacing: timedelta) -> list[Release]:
    t0 = datetime(2025, 5, 11, 19, 20, tzinfo=UTC)
    out = []
    for i in range(count):
        out.append(Release(f"pkg{i % packages}", f"1.0.{i}", published=t0 + spacing * i, identity="bot"))
    return out


def test_burst_like_the_worm_and_not_like_a_monorepo_release() -> None:
    worm = _burst_releases(84, 42, timedelta(seconds=4))  # 84 versions of 42 packages in six minutes
    assert bursts(worm) and len(bursts(worm)[0][1]) == 84
    monorepo = [Release(f"pkg{i}", "2.0.0", published=datetime(2025, 1, 1, tzinfo=UTC), identity="bot") for i in range(150)]
    assert not bursts(monorepo)
    slow = _burst_releases(6, 2, timedelta(hours=1))
    assert not bursts(slow)
    subject = Subject("pkg1", "1.0.1", "x", _claims(), [])
    assert "provenance-burst" in _ids(subject, releases=worm)


# --------------------------------------------------------------------------- the source repository and the join


def _git_repo(src: Path, dst: Path) -> str:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    shutil.copytree(src, dst)
    env = ["-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", "init", "-q", "-b", "main", str(dst)], check=True)
    subprocess.run(["git", "-C", str(dst), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(dst), *env, "commit", "-qm", "fixture"], check=True)
    subprocess.run(["git", "-C", str(dst), "tag", "v1.0.1"], check=True)
    out = subprocess.run(["git", "-C", str(dst), "rev-parse", "HEAD"], check=True, capture_output=True, text=True)
    return out.stdout.strip()


def test_join_tanstack_shaped_chain_is_p0_with_hops(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    commit = _git_repo(HERE / "tanstack-join", repo)
    # the working tree moves on; the analysis must read the attested commit
    (repo / ".github/workflows/bundle-size.yml").unlink()
    subject = _subject(_claims(commit=commit, ref="refs/heads/main", trigger="push"))
    found, notes = judge(subject, Policy(), repo=repo)
    joined = [f for f in found if f.rule_id == "provenance-poisonable-pipeline"]
    assert len(joined) == 1, [f.message for f in found]
    f = joined[0]
    assert f.tier == Tier.P0 and "provenance valid, pipeline poisonable" in f.message
    assert f.hops[0].location.path == ".github/workflows/bundle-size.yml"
    assert f.hops[-1].location.path == ".github/workflows/release.yml"
    assert len(f.hops) >= 4 and any("cache" in h.description for h in f.hops)
    assert not [n for n in notes if "not available" in n]


def test_join_other_workflow_or_hardened_repo_is_quiet(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    commit = _git_repo(HERE / "tanstack-join", repo)
    other = _subject(_claims(commit=commit, ref="refs/heads/main", workflow=".github/workflows/docs.yml"))
    assert "provenance-poisonable-pipeline" not in _ids(other, repo=repo)
    hard = tmp_path / "hard"
    commit = _git_repo(HERE / "hardened", hard)
    ids = _ids(_subject(_claims(commit=commit, ref="refs/tags/v1.0.1")), repo=hard)
    assert "provenance-poisonable-pipeline" not in ids and "provenance-untraceable-commit" not in ids


def test_commit_or_tag_not_in_the_repository(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    commit = _git_repo(HERE / "hardened", repo)
    assert "provenance-untraceable-commit" in _ids(_subject(_claims(commit="1" * 40)), repo=repo)
    moved = _subject(_claims(commit=commit, ref="refs/tags/v1.0.1"))
    assert "provenance-untraceable-commit" not in _ids(moved, repo=repo)
    (repo / "x").write_text("x")
    env = ["-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", "-C", str(repo), "add", "x"], check=True)
    subprocess.run(["git", "-C", str(repo), *env, "commit", "-qm", "x"], check=True)
    subprocess.run(["git", "-C", str(repo), "tag", "-f", "v1.0.1"], check=True, capture_output=True)
    assert "provenance-untraceable-commit" in _ids(moved, repo=repo)
