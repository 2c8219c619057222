"""Command-line entry point: parse arguments, call the library, pick a reporter."""

from __future__ import annotations

import argparse
import atexit
import gc
import importlib
import os
import sys
from collections.abc import Sequence

from shipwarden import __version__

#: Each module under ``shipwarden.commands`` defines NAME, HELP,
#: ``add_arguments(parser)`` and ``run(args) -> int``.
COMMAND_MODULES = ("scan", "paths", "gate", "deps", "endpoint", "provenance", "assess", "history", "detonate")

#: Each command's one-line ``HELP`` (a test keeps it equal to the module's), so
#: ``--version`` and ``--help`` import no command module.
COMMAND_HELP = {
    "scan": "Scan repositories' GitHub Actions workflows, GitLab CI files and Jenkinsfiles for release-surface risks.",
    "paths": "Show every path from an outsider to a publish capability or a secret, across workflows.",
    "gate": "Review the files a release would publish (npm package, tarball, wheel, sdist): source maps, secrets, "
    "never-ship files, install-time code, non-registry dependencies, and the diff against the last release.",
    "deps": "Inventory and judge the code your dependencies run at install time (npm scripts, .pth files, builds).",
    "endpoint": "Find the credentials a supply-chain worm would harvest from this machine (read-only).",
    "provenance": "Verify an artifact's Sigstore/PEP 740 attestations offline and judge its build: trigger, ref, "
    "runner, workflow and repository against policy and earlier versions, and attack paths into the signing workflow.",
    "assess": "Assess a repository's release pipeline with every analysis that applies; record the date, the scope "
    "and the findings in a history; write HTML, Markdown, JSON and a badge.",
    "history": "List past assessments of a repository (or of every repository in --db); re-render one as a report.",
    "detonate": "Run a package's install scripts inside a bubblewrap sandbox with a fake home and environment full "
    "of canaries, a network sink and strace, and report credential reads, canaries sent, persistence and publishes.",
}

EXIT_USAGE = 2


def _top_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="shipwarden",
        description="Red-team your release pipeline: workflows, dependencies, artifacts and credentials.",
    )
    parser.add_argument("--version", action="version", version=f"shipwarden {__version__}")
    return parser


def listing_parser() -> argparse.ArgumentParser:
    """The parser for a command line without a command (``--version``, ``--help``):
    the commands are listed from :data:`COMMAND_HELP`, no command module is imported."""
    parser = _top_parser()
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        sub.add_parser(name, help=COMMAND_HELP[name], description=COMMAND_HELP[name])
    return parser


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The full argument parser; with ``only``, just that command's module is imported
    (each command's heavy dependencies stay out of the others' start-up)."""
    parser = _top_parser()
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
    whole_process = argv is None
    argv = list(sys.argv[1:] if argv is None else argv)
    command = _command_in(argv)
    # Importing a command creates thousands of objects that live as long as the
    # process (modules, classes, functions, tables): collecting while importing
    # finds no garbage. When this process is the command, they are then frozen
    # out of the collector's way (a caller's own objects are left alone).
    enabled = gc.isenabled()
    gc.disable()
    if command and whole_process:
        from shipwarden.core import codecache  # not for --version/--help

        codecache.load(command)  # before the command's modules compile their code
    try:
        parser = build_parser(command) if command else listing_parser()
    finally:
        if whole_process:
            gc.freeze()
        if enabled:
            gc.enable()
    args = parser.parse_args(argv)
    # imported after --version/--help have exited: the reporters pull in the redactor
    from shipwarden.core.config import ConfigError
    from shipwarden.reporting import emit

    if not getattr(args, "_run", None):
        emit.note(parser.format_help(), end="")
        return EXIT_USAGE
    # A run builds many small objects that live until the report is written;
    # collecting the young generation less often saves several percent of it.
    gc.set_threshold(100_000, 20, 50)
    try:
        code = int(args._run(args))
    except ConfigError as exc:
        emit.note(f"shipwarden: error: {exc}")
        return EXIT_USAGE
    except KeyboardInterrupt:  # pragma: no cover
        return 130
    if whole_process:
        from shipwarden.core import codecache

        codecache.save()
        if command in QUICK_EXIT:
            return _end(code)
    return code


#: Commands whose process ends without the interpreter's teardown (:func:`_end`).
QUICK_EXIT = frozenset({"scan"})


def _end(code: int) -> int:
    """End the process with ``code`` now, without the interpreter's teardown; or return
    ``code`` (the usual exit follows) when that is not safe.

    The teardown frees every module, table, rule and finding the scan built, one
    object at a time, for a process that is ending anyway. What it would still do
    that matters is done here first, or the usual exit is taken:

    * the scan's outputs are complete: ``emit.out``/``emit.note`` wrote and flushed
      stdout and stderr, and ``--output``/``--write-baseline`` files were written
      whole, closed and renamed (``emit.write_file``); no file object stays open;
    * another thread alive (the usual exit waits for it): the usual exit;
    * the ``atexit`` functions run (``weakref.finalize`` callbacks among them);
    * stdout and stderr are flushed once more; if that fails (a closed pipe) the
      usual exit reports it as it always has.

    Forked scan workers end with ``os._exit`` already (:mod:`shipwarden.core.forkpool`).
    """
    threading = sys.modules.get("threading")
    if threading is not None and threading.active_count() > 1:
        return code
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return code
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
