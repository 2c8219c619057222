"""Command-line entry point: parse arguments, call the library, pick a reporter."""

from __future__ import annotations

import argparse
import gc
import importlib
import sys
from collections.abc import Sequence

from shipwarden.reporting import emit
from shipwarden import __version__
from shipwarden.config import ConfigError

#: Each module under ``shipwarden.commands`` defines NAME, HELP,
#: ``add_arguments(parser)`` and ``run(args) -> int``.
COMMAND_MODULES = ("scan", "paths", "gate", "deps", "endpoint", "provenance", "assess", "history", "detonate")

EXIT_USAGE = 2


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser; with ``only``, just that command's module is imported
    (each command's heavy dependencies stay out of the others' start-up)."""
    parser = argparse.ArgumentParser(
        prog="shipwarden",
        description="Red-team your release pipeline: workflows, dependencies, artifacts and credentials.",
    )
    parser.add_argument("--version", action="version", version=f"shipwarden {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES if only is None else (only,):
        module = importlib.import_module(f"shipwarden.commands.{name}")
        cmd = sub.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.add_arguments(cmd)
        cmd.set_defaults(_run=module.run)
    return parser


def _command_in(argv: Sequence[str]) -> str | None:
    first = next((a for a in argv if not a.startswith("-")), None)
    return first if first in COMMAND_MODULES else None


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(_command_in(argv))
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        emit.note(parser.format_help(), end="")
        return EXIT_USAGE
    # A run builds many small objects that live until the report is written;
    # collecting the young generation less often saves several percent of it.
    gc.set_threshold(100_000, 20, 50)
    try:
        return int(args._run(args))
    except ConfigError as exc:
        emit.note(f"shipwarden: error: {exc}")
        return EXIT_USAGE
    except KeyboardInterrupt:  # pragma: no cover
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
