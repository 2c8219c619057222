"""The ``deps --verify`` step and ``deps --format cyclonedx``, kept here so ``commands/deps.py`` stays small."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from shipwarden.reporting import emit

EXIT_OK = 0
EXIT_USAGE = 2


def run_verify(root: Path, result: Any, args: argparse.Namespace) -> tuple[int, Any]:
    """Verify the provenance of the changed packages; add findings, errors and
    stats to ``result.report``. Returns (exit code, the outcome); the code is
    non-zero on a usage error."""
    from shipwarden.commands.provenance import _quiet, load_policy
    from shipwarden.core.config import ConfigError
    from shipwarden.core.progress import progress_for
    from shipwarden.provenance.depsverify import verify_against
    from shipwarden.provenance.verify import trust_root
    from shipwarden.registry import RegistryClient

    _quiet()
    try:
        policy = load_policy(getattr(args, "policy", None))
        trusted = getattr(args, "trusted_root", None)
        trust = trust_root("production", str(trusted) if trusted else None)
    except (ConfigError, ValueError) as exc:
        emit.note(f"shipwarden: error: {exc}")
        return EXIT_USAGE, None
    client = RegistryClient(cwd=root if root.is_dir() else None)
    outcome = verify_against(
        root, result.dependencies, result.lockfiles, args.against, client, trust=trust, policy=policy,
        progress=progress_for(quiet=bool(getattr(args, "quiet", False))),
    )
    result.report.findings.extend(outcome.findings)
    result.report.errors.extend(outcome.errors)
    result.report.stats.update(outcome.stats)
    return EXIT_OK, outcome


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
