"""``detonate``: install-time code run in the sandbox with bait (see :mod:`shipwarden.api`)."""

from __future__ import annotations

from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING

from shipwarden.api._shapes import Options, Result, finish_report, load_options_config
from shipwarden.core.structs import struct

if TYPE_CHECKING:  # the analyses are imported when called: each command starts with only its own
    from shipwarden.detonate.run import Observation


@struct(frozen=True, kw_only=True, slots=False)
class DetonateOptions(Options):
    """``detonate``: run packages' install scripts in a bubblewrap sandbox with a fake home
    and environment full of canaries, a network sink and strace, and judge what they did.

    ``targets`` are npm package folders or tarballs, Python sdists, source trees,
    wheels, site-packages folders with ``.pth`` files, ``npm:NAME@VERSION`` or
    ``NAME==VERSION`` (fetched through the user's npm or pip configuration).
    ``profiles``: ``laptop`` (a developer's machine) and/or ``ci`` (a CI runner).
    ``timeout`` (seconds) and ``memory_mib`` bound each package and profile;
    ``jobs`` packages run at once. ``with_deps`` first installs the package's
    dependencies beside it with ``npm install --ignore-scripts`` (outside the
    sandbox; fetches code, runs none). The configuration is looked up in the
    working directory.
    """

    targets: tuple[str, ...]
    profiles: tuple[str, ...] = ("laptop",)
    timeout: float = 120.0
    memory_mib: int = 8192
    jobs: int = 1
    cache_dir: Path | None = None
    with_deps: bool = False


@struct
class DetonateResult(Result):
    #: what each package did in each profile
    observations: list[Observation] = field(default_factory=list)
    #: one line per detonation (what ran, how long), redacted
    notes: list[str] = field(default_factory=list)


def detonate(options: DetonateOptions) -> DetonateResult:
    """Detonate every target in every profile::

        result = api.detonate(api.DetonateOptions(targets=("npm:left-pad@1.3.0",), profiles=("laptop", "ci")))
        for f in result.findings:
            print(f.tier.value, f.rule_id, f.message)

    Raises :class:`ValueError` for a non-positive ``timeout``, ``memory_mib`` or
    ``jobs`` or an unknown profile, and ``shipwarden.sandbox.SandboxUnavailable``
    when the sandbox cannot be set up (bubblewrap, user namespaces or strace
    missing): nothing runs outside it.
    """
    # the sandbox and the detonation engine are imported when called (start-up)
    from shipwarden import sandbox
    from shipwarden.detonate import DetonateOptions as _RunOptions
    from shipwarden.detonate import Profile, run_detonate
    from shipwarden.secrets.redactor import redact_text

    if options.timeout <= 0 or options.memory_mib <= 0 or options.jobs <= 0:
        raise ValueError("timeout, memory and jobs must be positive")
    profiles = [Profile(p) for p in dict.fromkeys(options.profiles)]
    config = load_options_config(options, Path.cwd())
    limits = sandbox.Limits(
        wall_seconds=options.timeout, cpu_seconds=int(options.timeout), memory_bytes=options.memory_mib << 20,
        processes=512, output_bytes=96 << 20,
    )
    run = run_detonate(_RunOptions(list(options.targets), profiles, limits, options.jobs, options.cache_dir,
                                   options.with_deps))
    report = finish_report(run.report, options, config, None)
    return DetonateResult(report, config, observations=run.observations,
                          notes=[redact_text(n) for n in run.notes])
