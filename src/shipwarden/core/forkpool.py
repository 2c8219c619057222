"""A function over a list of tasks in forked worker processes (POSIX), results by task index.

A scan of many roots spreads them over workers this way. The workers are forked
after the parent loaded every module and table they need, so they share those
pages and start at once. Tasks are not pickled (the workers inherit the list);
the parent sends each worker the index range of its next chunk (eight bytes on a
pipe) and reads the chunk's results back, pickled, from another. Chunks shrink
towards the end so that the workers finish together; each worker has a second
chunk queued, so it never waits for the parent between two.

This replaces :class:`concurrent.futures.ProcessPoolExecutor` for the scan: its
import (multiprocessing, logging, socket, subprocess, …) cost the parent about
12 ms before the first worker could start, and it needs two threads in the parent.
"""

from __future__ import annotations

import contextlib
import os
import struct
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Generic, TypeVar

# start-up: pickle's C functions, which ``pickle`` re-exports beside a pure-Python pickler
# the pool never uses (importing ``pickle`` cost the parent 3 M instructions before forking)
try:
    from _pickle import dumps, loads
except ImportError:  # pragma: no cover - a Python without the C pickler
    from pickle import dumps, loads

T = TypeVar("T")
R = TypeVar("R")

#: A chunk of task indexes [start, stop); (0, 0) tells a worker to exit.
_RANGE = struct.Struct("<II")
#: The length of the pickled results that follow.
_LENGTH = struct.Struct("<Q")
#: pickle.HIGHEST_PROTOCOL (-1 names it too)
_PROTOCOL = -1
#: Tasks in one chunk at most, and chunks queued per worker.
MAX_CHUNK = 16
_QUEUED = 2


class WorkerDied(RuntimeError):
    """A worker ended without sending the results of its tasks (a native crash, a kill)."""


def available() -> bool:
    """Can this platform fork (else run the tasks in-process)?"""
    return hasattr(os, "fork")


def chunks(count: int, jobs: int) -> list[tuple[int, int]]:
    """Index ranges covering ``count`` tasks: a quarter of a worker's share of what is
    left, at most :data:`MAX_CHUNK`, down to single tasks at the end."""
    out: list[tuple[int, int]] = []
    start = 0
    while start < count:
        size = max(1, min(MAX_CHUNK, (count - start) // (jobs * 4)))
        out.append((start, start + size))
        start += size
    return out


class _Worker:
    def __init__(self, pid: int, todo: int, done: int) -> None:
        self.pid = pid
        self.todo = todo  # the parent writes index ranges here
        self.done = done  # and reads pickled results here
        self.buffer = bytearray()
        self.queued = 0
        self.stopped = False


class ForkPool(Generic[T, R]):
    """``fn`` over ``tasks`` in ``jobs`` forked processes; a context manager::

        with ForkPool(fn, tasks, jobs) as pool:  # the workers are forked here
            for index, result in pool.results():  # in the order they finish
                ...

    :meth:`results` raises :class:`WorkerDied` when a worker ends early; leaving the
    ``with`` block kills any worker still running and reaps them all. ``fn`` must
    not raise (a worker that meets an exception says which and where on stderr, and ends:
    :class:`WorkerDied`).
    """

    def __init__(self, fn: Callable[[T], R], tasks: Sequence[T], jobs: int) -> None:
        self._pending = chunks(len(tasks), jobs)[::-1]  # popped from the end
        self._count = len(tasks)
        self._workers: list[_Worker] = []
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            for _ in range(max(1, min(jobs, len(tasks)))):
                self._workers.append(self._fork(fn, tasks))
            for worker in self._workers:
                for _ in range(_QUEUED):
                    self._send(worker)
        except BaseException:
            self.close()
            raise

    def _fork(self, fn: Callable[[T], R], tasks: Sequence[T]) -> _Worker:
        todo_r, todo_w = os.pipe()
        done_r, done_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the worker: it never returns
            code = 1
            try:
                os.close(todo_w)
                os.close(done_r)
                for other in self._workers:  # the parent's ends of earlier workers' pipes
                    os.close(other.todo)
                    os.close(other.done)
                _serve(fn, tasks, todo_r, done_w)
                code = 0
            except KeyboardInterrupt:
                code = 130
            except BrokenPipeError:
                pass  # the parent is gone (killed): nothing to report to
            except BaseException as exc:  # noqa: BLE001 - reported, then the parent sees the worker end
                _report(exc)
            finally:
                os._exit(code)
        os.close(todo_r)
        os.close(done_w)
        return _Worker(pid, todo_w, done_r)

    def _send(self, worker: _Worker) -> None:
        """Queue the next chunk for ``worker``, or tell it to exit when none is left."""
        if worker.stopped:
            return
        try:
            if self._pending:
                os.write(worker.todo, _RANGE.pack(*self._pending.pop()))
                worker.queued += 1
            else:
                os.write(worker.todo, _RANGE.pack(0, 0))
                worker.stopped = True
        except BrokenPipeError:
            raise WorkerDied(f"worker {worker.pid} ended before taking its tasks") from None

    def results(self) -> Iterator[tuple[int, R]]:
        """(task index, result) for every task, as the workers send them."""
        import selectors  # start-up: needed once the workers run (with signal: 5 M instructions before the fork)

        left = self._count
        with selectors.DefaultSelector() as ready:
            for worker in self._workers:
                ready.register(worker.done, selectors.EVENT_READ, worker)
            while left:
                if not ready.get_map():
                    raise WorkerDied("no worker is left")
                for key, _events in ready.select():
                    worker = key.data
                    data = os.read(worker.done, 1 << 20)
                    if not data:
                        if worker.queued:
                            raise WorkerDied(f"worker {worker.pid} ended before sending its results")
                        ready.unregister(worker.done)  # done, and gone
                        continue
                    worker.buffer += data
                    for start, values in _messages(worker.buffer):
                        worker.queued -= 1
                        self._send(worker)
                        for offset, value in enumerate(values):
                            left -= 1
                            result: R = value
                            yield start + offset, result

    def close(self) -> None:
        """Kill the workers that still have tasks and reap every one (idempotent)."""
        for worker in self._workers:
            if worker.queued:
                import signal  # start-up: only a pool left early kills its workers

                with contextlib.suppress(ProcessLookupError):
                    os.kill(worker.pid, signal.SIGKILL)
        for worker in self._workers:
            os.close(worker.todo)  # a worker waiting for its next chunk reads the end
            os.close(worker.done)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(worker.pid, 0)
        self._workers = []

    def __enter__(self) -> ForkPool[T, R]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _report(exc: BaseException) -> None:
    """Say on stderr that a worker failed: the exception's type and the code line it
    came from, never its message or a traceback's values, which may quote scanned input
    (this path does not pass through the one redactor of ``reporting.emit``)."""
    import traceback  # start-up: only a failing worker needs it

    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno} ({frames[-1].name})" if frames else ""
    with contextlib.suppress(OSError):
        os.write(2, f"shipwarden: a scan worker ended on {type(exc).__name__}{where}\n".encode())


def _messages(buffer: bytearray) -> Iterator[tuple[int, list[Any]]]:
    """The complete (start, results) messages at the front of ``buffer``, removed from it."""
    while len(buffer) >= _LENGTH.size:
        (length,) = _LENGTH.unpack_from(buffer)
        end = _LENGTH.size + length
        if len(buffer) < end:
            return
        message: tuple[int, list[Any]] = loads(buffer[_LENGTH.size : end])
        del buffer[:end]
        yield message


def _read_range(fd: int) -> tuple[int, int]:
    """The next chunk's index range; (0, 0) to exit, also when the parent is gone."""
    data = b""
    while len(data) < _RANGE.size:
        more = os.read(fd, _RANGE.size - len(data))
        if not more:
            return 0, 0
        data += more
    start, stop = _RANGE.unpack(data)
    return start, stop


def _serve(fn: Callable[[T], R], tasks: Sequence[T], todo: int, done: int) -> None:
    """A worker's loop: run the chunks the parent sends, write back their results."""
    while True:
        start, stop = _read_range(todo)
        if stop == 0:
            return
        payload = dumps((start, [fn(tasks[i]) for i in range(start, stop)]), _PROTOCOL)
        view = memoryview(_LENGTH.pack(len(payload)) + payload)
        while view:
            view = view[os.write(done, view) :]
