"""Progress of long phases on stderr: a rich progress bar when stderr is a terminal, nothing otherwise.

Commands make one :class:`Progress` with :func:`progress_for` (silent with
``--quiet`` or when stderr is not a terminal) and hand it to the library,
which calls ``progress.task(description, total)`` and then ``advance()`` /
``done()``; the library never prints by itself. Tasks may be advanced from
worker threads. Descriptions are fixed texts of ours, never scanned content.
"""

from __future__ import annotations

import sys
import threading
from typing import Protocol, TextIO

from shipwarden.reporting import emit


class Task(Protocol):
    def advance(self, amount: int = 1) -> None: ...

    def done(self) -> None: ...


class Progress(Protocol):
    def task(self, description: str, total: int | None) -> Task: ...


class _SilentTask:
    def advance(self, amount: int = 1) -> None:
        pass

    def done(self) -> None:
        pass


class _Silent:
    def task(self, description: str, total: int | None) -> Task:
        return _SilentTask()


#: The progress of library callers that did not ask for any.
SILENT: Progress = _Silent()


class _RichTask:
    def __init__(self, stream: TextIO, description: str, total: int | None) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            TaskProgressColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
        from rich.progress import Progress as RichProgress

        self._lock = threading.Lock()
        self._bar = RichProgress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TaskProgressColumn(),
            TimeElapsedColumn(), TimeRemainingColumn(),
            console=Console(file=stream, stderr=True), transient=True, refresh_per_second=8,
        )
        self._id = self._bar.add_task(emit.clean(description), total=total)
        self._bar.start()
        self._closed = False

    def advance(self, amount: int = 1) -> None:
        with self._lock:
            if not self._closed:
                self._bar.advance(self._id, amount)

    def done(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                self._bar.stop()


class _Rich:
    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def task(self, description: str, total: int | None) -> Task:
        if total is not None and total <= 0:
            return _SilentTask()
        return _RichTask(self._stream, description, total)


def progress_for(quiet: bool = False, stream: TextIO | None = None) -> Progress:
    """A progress display on ``stream`` (stderr) when it is a terminal and not ``quiet``; else silent."""
    out = stream if stream is not None else sys.stderr
    if quiet:
        return SILENT
    try:
        if not out.isatty():
            return SILENT
    except (AttributeError, ValueError, OSError):
        return SILENT
    return _Rich(emit.safe_stream(out))
