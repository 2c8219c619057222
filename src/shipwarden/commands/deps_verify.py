"""``deps --format cyclonedx``, kept here so ``commands/deps.py`` stays small."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from shipwarden.reporting import emit

EXIT_OK = 0
EXIT_USAGE = 2


def write_sbom(result: Any, outcome: Any, args: argparse.Namespace) -> int:
    """``deps --format cyclonedx``: the SBOM to --output or stdout; the exit code
    still follows --fail-on over the findings."""
    import io

    from shipwarden.commands.common import finish
    from shipwarden.sbom import deps_sbom

    prov = {}
    if outcome is not None:
        for res in outcome.results:
            t = res.target
            prov[("npm" if t.ecosystem == "npm" else "pypi", t.name, t.version)] = res
    text = deps_sbom(result.dependencies, result.hooks, prov)
    output = getattr(args, "output", None)
    if output is None:
        emit.out(text, "cyclonedx")
    else:
        try:
            emit.write_file(Path(output), text, "cyclonedx")
        except OSError as exc:
            emit.note(f"shipwarden: error: cannot write {output}: {exc}")
            return EXIT_USAGE
    quiet = argparse.Namespace(**{**vars(args), "format": "json", "output": None})
    return finish(result.report, quiet, root=None, stdout=io.StringIO())
