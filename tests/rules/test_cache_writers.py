"""cache-in-publish-job names the jobs that save the restored key, and says which of them
outsiders start in the default branch's cache scope (a fork's pull_request run saves in its
pull request's own scope, which a release job never restores)."""

from __future__ import annotations

from pathlib import Path

from shipwarden.ci.github.scan import scan_root
from shipwarden.ci.github.steps import cache_keys_meet

FIXTURES = Path(__file__).parent / "fixtures" / "cache-in-publish-job"


def _message(case: str) -> str:
    found = [f for f in scan_root(str(FIXTURES / case)).findings if f.rule_id == "cache-in-publish-job"]
    assert len(found) == 1 and found[0].tier.value == "P1"
    return found[0].message


def test_pull_request_target_writer_is_an_outsider_in_the_default_scope() -> None:
    assert "job `size` (outsiders can start it, in the default branch's cache scope)" in _message("positive-prt-writer")


def test_push_and_pull_request_writer_is_named_without_outsiders() -> None:
    message = _message("positive-push-and-pr-writer")
    assert "written by `.github/workflows/build-and-tests.yml` job `test`." in message
    assert "outsiders" not in message


def test_pull_request_only_writer_cannot_reach_the_release_scope() -> None:
    message = _message("positive-pr-only-writer")
    assert "no job of this repository in view saves it" in message
    assert "job `size` saves the same key only from pull request runs" in message


def test_pull_request_target_writer_with_a_read_only_token_cannot_save() -> None:
    message = _message("positive-prt-read-only-writer")
    assert "no job of this repository in view saves it" in message
    assert "job `size` saves the same key only from runs that GitHub gives a read-only cache token" in message


def test_jobs_saving_keys_of_another_os_prefix_are_no_writers() -> None:
    message = _message("positive-writer-of-another-key")
    assert "no job of this repository in view saves it" in message
    assert "test_windows" not in message and "`lint`" not in message


def test_runner_os_is_one_of_three_names_in_a_key() -> None:
    npm = "${{ runner.os }}-node-${{ hashFiles('package-lock.json') }}"
    assert not cache_keys_meet("setup-go-<os>-go-<version>-<go.sum hash>", npm, ("${{ runner.os }}-node-",))
    assert cache_keys_meet("Linux-node-0123", npm, ("${{ runner.os }}-node-",))
    assert cache_keys_meet("${{ matrix.os }}-node-0123", npm, ())
    assert cache_keys_meet("${{ env.KEY }}", "anything", ())
    assert not cache_keys_meet("golangci-lint.cache-${{ runner.os }}", npm, ())


def test_every_restore_the_job_reads_is_named() -> None:
    message = _message("positive-two-restores")
    assert "restores 2 caches (actions/setup-python: " in message and "; actions/cache: " in message
    assert "no job of this repository in view saves them" in message
