"""``endpoint``: the credential stores of a machine (see :mod:`shipwarden.api`)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from shipwarden.api._shapes import Options, Result, finish_report, load_options_config
from shipwarden.core.structs import struct

if TYPE_CHECKING:
    from shipwarden.core.progress import Progress


@struct(frozen=True, kw_only=True, slots=False)
class EndpointOptions(Options):
    """``endpoint``: credential stores a supply-chain worm would harvest (read-only).

    ``home`` defaults to the user's home. ``include`` adds project trees whose
    ``.env`` files are read. ``env`` is the environment to inspect (``None``:
    none). ``fix_permissions`` chmods 600 the readable credential files you own.
    The configuration is looked up in the working directory (a home is not a project).
    """

    home: Path | None = None
    include: tuple[Path, ...] = ()
    env: Mapping[str, str] | None = None
    fix_permissions: bool = False
    #: progress over the catalogue's stores (default: silent)
    progress: Progress | None = None


@struct
class EndpointResult(Result):
    pass


def endpoint(options: EndpointOptions | None = None) -> EndpointResult:
    """Sweep a home directory for the credentials a supply-chain worm would harvest::

        home = api.endpoint(api.EndpointOptions(home=Path.home(), env=None))
        for f in home.findings:
            print(f.tier.value, f.rule_id, f.primary.path, f.message)   # never the secret itself
    """
    from shipwarden.core.progress import SILENT
    from shipwarden.endpoint import files, sweep

    options = options or EndpointOptions()
    home = options.home or Path.home()
    config = load_options_config(options, Path.cwd())
    report = sweep(
        home,
        include=list(options.include),
        env=dict(options.env) if options.env is not None else None,
        fix_permissions=options.fix_permissions,
        progress=options.progress or SILENT,
    )
    return EndpointResult(finish_report(report, options, config, files.home_reader(home)), config)
