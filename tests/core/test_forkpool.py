"""core.forkpool: every task's result comes back once, under its index; a worker that dies is noticed."""

from __future__ import annotations

import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shipwarden.core import forkpool

pytestmark = pytest.mark.skipif(not forkpool.available(), reason="needs os.fork")


def _square(n: int) -> int:
    return n * n


def _fails_on_strings(n: object) -> object:
    return n * n  # type: ignore[operator]  # a TypeError for "two"


def _dies_on_seven(n: int) -> int:
    if n == 7:
        os._exit(139)  # what a native crash looks like to the parent
    return n


def _big(n: int) -> bytes:
    return bytes([n % 256]) * 200_000  # more than a pipe holds: the parent reads while workers write


@given(st.integers(min_value=0, max_value=2_000), st.integers(min_value=1, max_value=8))
def test_chunks_cover_every_task_once_in_order(count: int, jobs: int) -> None:
    ranges = forkpool.chunks(count, jobs)
    assert [i for start, stop in ranges for i in range(start, stop)] == list(range(count))
    assert all(1 <= stop - start <= forkpool.MAX_CHUNK for start, stop in ranges)
    if ranges:
        assert ranges[-1][1] - ranges[-1][0] == 1  # the last chunks are single tasks


@pytest.mark.parametrize("jobs", [1, 2, 3])
def test_every_result_comes_back_under_its_index(jobs: int) -> None:
    tasks = list(range(100))
    with forkpool.ForkPool(_square, tasks, jobs) as pool:
        got = dict(pool.results())
    assert got == {n: n * n for n in tasks}


def test_results_larger_than_a_pipe() -> None:
    with forkpool.ForkPool(_big, list(range(6)), 2) as pool:
        got = dict(pool.results())
    assert {i: (len(v), v[0]) for i, v in got.items()} == {i: (200_000, i) for i in range(6)}


def test_a_dead_worker_is_reported_and_the_others_are_reaped() -> None:
    pids: list[int] = []
    with pytest.raises(forkpool.WorkerDied), forkpool.ForkPool(_dies_on_seven, list(range(40)), 2) as pool:
        pids.extend(w.pid for w in pool._workers)
        for _ in pool.results():
            pass
    assert len(pids) == 2
    for pid in pids:  # no child left behind
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)


def test_an_exception_in_a_worker_is_printed_and_ends_it(capfd: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(forkpool.WorkerDied), forkpool.ForkPool(_fails_on_strings, [1, "two", 3], 1) as pool:
        list(pool.results())
    err = capfd.readouterr().err
    assert "shipwarden: a scan worker ended on TypeError at test_forkpool.py:" in err
    assert "Traceback" not in err and "multiply" not in err  # no message, no values: they may quote scanned input
