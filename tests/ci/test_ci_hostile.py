"""Hostile input: the GitLab loader and the Jenkinsfile parser never raise on arbitrary
text, and the loader bounds what it follows."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shipwarden.ci.gitlab.loader import load_pipeline
from shipwarden.ci.jenkins.analysis import parse

_YAMLISH = st.lists(
    st.sampled_from(list("ab:-[]{}&*!<>|'\"$ \n") + ["!reference ", "extends: ", "include: ", "script: "])
).map("".join)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=_YAMLISH)
def test_gitlab_loader_turns_any_text_into_a_model_or_errors(tmp_path: Path, text: str) -> None:
    (tmp_path / ".gitlab-ci.yml").write_text(text, encoding="utf-8")
    loaded = load_pipeline(tmp_path, ".gitlab-ci.yml")
    assert all(e.kind != "internal" for e in loaded.errors)


@settings(max_examples=60, deadline=None)
@given(text=st.lists(st.sampled_from(list("sh\"'${}()[]:,= \n") + ["withCredentials", "credentials("])).map("".join))
def test_jenkins_parse_never_raises(text: str) -> None:
    parse("Jenkinsfile", text.encode("utf-8"))


def test_extends_cycles_and_self_includes_end(tmp_path: Path) -> None:
    (tmp_path / ".gitlab-ci.yml").write_text(
        "include: [{local: .gitlab-ci.yml}]\n.a: {extends: .b}\n.b: {extends: .a}\n"
        "job: {extends: .a, script: [x], before_script: [!reference [job, before_script]]}\n"
    )
    loaded = load_pipeline(tmp_path, ".gitlab-ci.yml")
    assert loaded.pipeline is not None and [j.name for j in loaded.pipeline.jobs] == ["job"]
