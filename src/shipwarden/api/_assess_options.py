"""The options of :func:`shipwarden.api.assess` (their own module: the composition in
:mod:`._assess_run` and the entry in :mod:`._assess` both read them)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from shipwarden.api._shapes import Options
from shipwarden.core.structs import struct

if TYPE_CHECKING:
    from shipwarden.core.progress import Progress


@struct(frozen=True, kw_only=True, slots=False)
class AssessOptions(Options):
    """``assess``: every analysis that applies to one repository, and its scope.

    ``endpoint`` sweeps ``home`` (default: the user's) and ``env`` for
    credentials: off by default, since it reads a home directory rather than
    the repository. ``build`` builds Python projects in gate's isolated build;
    without it, only artifacts already in ``dist/`` are reviewed. ``fetch``
    lets ``deps`` read locked versions from the configured registry.
    ``record`` stores the assessment in the history database ``db`` (an SQLite
    file or a ``postgresql://`` URL; default ``$SHIPWARDEN_DB``, else one SQLite
    file per repository in the user's data directory) and compares it with the
    previous one (new, fixed, trend). ``config``, ``select``, ``ignore``,
    ``baseline`` and ``pipeline`` apply to every analysis.
    """

    root: Path = Path(".")
    all_branches: bool = False
    build: bool = False
    fetch: bool | None = None
    endpoint: bool = False
    home: Path | None = None
    env: Mapping[str, str] | None = None
    #: how gate lists npm packages: auto | npm | builtin (see :func:`_packlist`)
    packlist: str = "auto"
    record: bool = False
    db: str | None = None
    progress: Progress | None = None
    #: the clock (UTC); tests pass a fixed one
    clock: Callable[[], dt.datetime] | None = None
