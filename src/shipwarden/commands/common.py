"""Options and the finishing pipeline every command shares.

A command adds :func:`add_output_arguments` to its parser, builds a
:class:`~shipwarden.core.findings.Report`, and returns :func:`finish`'s exit code::

    exit = 0 | 1 (a finding at or above --fail-on) | 4 (scan incomplete)
    exit = 2  usage or configuration error

See ``docs/output.md`` and ``docs/configuration.md``.
"""

from __future__ import annotations

import argparse
import errno
import os
import shutil
import stat
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from shipwarden.ci.gitlab.files import root_files
from shipwarden.ci.jenkins.files import jenkinsfiles
from shipwarden.core import safeio
from shipwarden.core.baseline import BaselineError, write_baseline
from shipwarden.core.config import FAIL_ON_CHOICES, Config, ConfigError, load_config, parse_selectors
from shipwarden.core.findings import Report
from shipwarden.core.pipeline import (  # re-exported for the commands
    EXIT_FINDINGS,
    EXIT_INCOMPLETE,
    EXIT_OK,
    EXIT_USAGE,
    apply_pipeline,
    at_least,
    exit_code,
    filter_report,
)
from shipwarden.core.pipeline import fail_on as effective_fail_on
from shipwarden.core.ruledocs import metadata_docs_url
from shipwarden.core.suppress import SourceReader, file_reader
from shipwarden.reporting import FORMATS, GRAPH_FORMATS, RenderOptions, emit, render

__all__ = [
    "EXIT_FINDINGS",
    "EXIT_INCOMPLETE",
    "EXIT_OK",
    "EXIT_USAGE",
    "add_output_arguments",
    "config_from_args",
    "exit_code",
    "fail_on",
    "filter_report",
    "finish",
    "repository_roots",
]

_CONFIG_ATTR = "_shipwarden_config"


def _selector_list(text: str) -> list[str]:
    try:
        return parse_selectors(text, "selector")
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_output_arguments(
    parser: argparse.ArgumentParser,
    *,
    default_fail_on: str = "P1",
    graph_formats: bool = False,
    extra_formats: tuple[str, ...] = (),
) -> None:
    """Add the output, selection, config and baseline options shared by every command.

    ``graph_formats`` also offers ``--format dot|mermaid`` (for path commands).
    """
    if default_fail_on not in FAIL_ON_CHOICES:
        raise ValueError(f"default_fail_on must be one of {FAIL_ON_CHOICES}")
    formats = FORMATS + (GRAPH_FORMATS if graph_formats else ()) + extra_formats
    group = parser.add_argument_group("output")
    group.add_argument("--format", choices=formats, default="text", help="output format (default: text)")
    group.add_argument("--output", "-o", metavar="FILE", type=Path, help="write the report to FILE (default: stdout)")
    group.add_argument(
        "--fail-on",
        choices=FAIL_ON_CHOICES,
        type=lambda s: "none" if s.lower() == "none" else s.upper(),
        default=None,
        help=f"exit 1 when a finding of this tier or worse remains (default: config 'fail-on', else {default_fail_on})",
    )
    group.add_argument(
        "--min-tier",
        choices=("P0", "P1", "P2"),
        type=str.upper,
        default=None,
        help="only show findings of this tier or worse (e.g. P1: what blocks); hidden ones are counted",
    )
    group.add_argument("--no-color", action="store_true", help="never use colour in text output")
    group.add_argument(
        "--select",
        action="append",
        type=_selector_list,
        metavar="RULE[,RULE]",
        help="only report these rule ids or id prefixes (repeatable; replaces 'select' in config)",
    )
    group.add_argument(
        "--ignore",
        action="append",
        type=_selector_list,
        metavar="RULE[,RULE]",
        help="never report these rule ids or id prefixes (repeatable; replaces 'ignore' in config)",
    )
    group.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="configuration file (default: .shipwarden.toml or pyproject.toml [tool.shipwarden] in the root)",
    )
    group.add_argument("--baseline", type=Path, metavar="FILE", help="do not report findings recorded in FILE")
    group.add_argument(
        "--write-baseline",
        type=Path,
        metavar="FILE",
        help="record the current findings in FILE and exit 0",
    )
    parser.set_defaults(_default_fail_on=default_fail_on)


def add_cache_dir_argument(parser: argparse.ArgumentParser) -> None:
    """``--cache-dir`` of the commands that download packages (``gate --against``, ``detonate``)."""
    parser.add_argument("--cache-dir", type=Path, metavar="DIR", help="registry cache (default: ~/.cache/shipwarden)")


def add_attestation_arguments(parser: argparse._ActionsContainer) -> None:
    """``--policy`` and ``--trusted-root`` of the commands that verify attestations
    (``provenance``, ``deps --verify``)."""
    parser.add_argument(
        "--policy",
        type=Path,
        metavar="FILE",
        help="TOML with a [provenance] table: require-provenance for name prefixes, repository, workflow",
    )
    parser.add_argument(
        "--trusted-root", type=Path, metavar="FILE", help="Sigstore trusted_root.json to verify against (default: shipped)"
    )


def config_from_args(args: argparse.Namespace, root: Path | None = None) -> Config:
    """Load (once per run, cached on ``args``) the configuration for ``root``.

    Commands that need ``exclude``, rule options or their own table before
    scanning call this early; :func:`finish` then reuses the same object.
    Raises :class:`~shipwarden.core.config.ConfigError`.
    """
    cached = getattr(args, _CONFIG_ATTR, None)
    if isinstance(cached, Config):
        return cached
    explicit = getattr(args, "config", None)
    config = load_config(root if root is not None else Path.cwd(), explicit)
    setattr(args, _CONFIG_ATTR, config)
    return config


def _flatten(values: Sequence[list[str]] | None) -> list[str] | None:
    if values is None:
        return None
    return [item for chunk in values for item in chunk]


def fail_on(args: argparse.Namespace, config: Config) -> str:
    """The effective ``--fail-on``: command line, then config, then the command's default."""
    return effective_fail_on(getattr(args, "fail_on", None), config, getattr(args, "_default_fail_on", "P1"))


def _roots(report: Report, root: Path | None) -> list[Path]:
    if root is not None:
        return [root]
    return [Path(r) for r in report.roots if os.path.isdir(r)]


def _path_prefix(root: Path | None) -> str:
    """The scanned root relative to the working directory, for GitHub annotations."""
    if root is None:
        return ""
    try:
        rel = root.resolve().relative_to(Path.cwd().resolve())
    except (ValueError, OSError):
        return ""
    text = rel.as_posix()
    return "" if text in ("", ".") else text + "/"


def _use_color(args: argparse.Namespace, stream: TextIO) -> bool:
    if getattr(args, "no_color", False) or getattr(args, "output", None) is not None:
        return False
    if os.environ.get("NO_COLOR"):
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


def unusable_path(raw: str, *, files: bool = False, what: str = "directory") -> str | None:
    """Why the PATH a user named cannot be analysed (exit 2, see docs/output.md), or ``None``.

    ``files``: a regular file is acceptable too (``gate`` takes an archive,
    ``deps`` a single lockfile). The message names the path as given and, when
    it differs, the real path it resolves to.
    """
    path = Path(raw).expanduser()
    shown = _shown(raw, os.path.realpath(path))
    if not path.exists():
        return f"{shown}: no such file or directory"
    if path.is_dir():
        return _unlistable(path, shown, what)
    if files and path.is_file():
        return None
    kind = "a regular file" if path.is_file() else "not a regular file or a directory"
    return f"{shown}: {kind}; give a {what}" + (" or a file" if files else "")


def _shown(raw: str, real: str) -> str:
    return raw if real in (raw, raw.rstrip("/")) else f"{raw} ({real})"


def _unlistable(path: str | Path, shown: str, what: str) -> str | None:
    try:
        with os.scandir(path) as entries:
            next(entries, None)
    except OSError as exc:
        return f"{shown}: cannot list this {what}: {exc.strerror or exc}"
    return None


def _mode(path: str) -> int | None:
    """``os.stat`` mode of ``path``; ``None`` where :meth:`Path.exists` says ``False``."""
    try:
        return os.stat(path).st_mode
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP):
            return None
        raise
    except ValueError:
        return None


def _path_text(raw: str) -> str:
    """``str(Path(raw))``; a path already in that form (no empty, ``.`` or trailing
    part) is returned as it is, without building a ``Path`` (a scan may name hundreds)."""
    plain = raw not in ("", ".") and not raw.startswith("./") and not raw.endswith(("/", "/."))
    return raw if plain and "//" not in raw and "/./" not in raw else str(Path(raw))


def repository_roots(paths: list[str], err: TextIO | None = None) -> list[str] | None:
    """Check the PATH arguments of ``scan``/``paths``: each must be a directory.

    Returns the roots, or ``None`` after printing why one is unusable (a missing
    path, a file, or the ``.github`` folder itself instead of the repository).
    Roots without any workflow are kept (an organisation's checkouts include
    such repositories) but named on stderr. Each root is resolved once, the
    folders the roots share once for all of them.
    """
    roots: list[str] = []
    realpath = safeio.RealPaths()
    for raw in paths:
        path = _path_text(raw)
        mode = _mode(path)
        if mode is None and not Path(path).is_symlink():
            emit.note(f"shipwarden: error: {raw}: no such directory", stream=err)
            return None
        if mode is None or not stat.S_ISDIR(mode):
            emit.note(f"shipwarden: error: {raw}: not a directory; give the repository root (holding .github/)", stream=err)
            return None
        real = realpath(path)
        if raw.startswith("~"):  # checked where it leads (the message names that)
            problem = unusable_path(raw, what="repository root")
        else:
            problem = _unlistable(path, _shown(raw, real), "repository root")
        if problem is not None:
            emit.note(f"shipwarden: error: {problem}", stream=err)
            return None
        if real.endswith(("/.github", "/.github/workflows")):  # real: absolute, normalised
            resolved = Path(path).resolve()
            root = resolved.parent if real.endswith("/.github") else resolved.parent.parent
            emit.note(f"shipwarden: error: {raw}: give the repository root ({root}), not its .github folder", stream=err)
            return None
        workflows = _mode(os.path.join(path, ".github", "workflows"))
        if not (workflows is not None and stat.S_ISDIR(workflows)) and not _other_ci(Path(path)):
            from shipwarden.ci.github.loader import action_definition_paths

            if action_definition_paths(Path(path)):
                emit.note(f"shipwarden: {raw}: no .github/workflows folder; scanning its action definitions", stream=err)
            else:
                emit.note(f"shipwarden: warning: {raw}: no .github/workflows folder; nothing to scan there", stream=err)
        roots.append(path)
    return roots


def reportable(report: Report, args: argparse.Namespace, *, root: Path | None = None) -> Report:
    """The findings :func:`finish` would report: configuration, ``--select``/
    ``--ignore``, inline suppressions and the baseline applied (``scan --fix``
    fixes exactly these). Raises ``ConfigError``/``BaselineError``."""
    config = config_from_args(args, root)
    return apply_pipeline(
        report,
        config,
        select=_flatten(getattr(args, "select", None)),
        ignore=_flatten(getattr(args, "ignore", None)),
        baseline=getattr(args, "baseline", None),
        reader=file_reader(_roots(report, root), report.plain_sources),
    )


def finish(
    report: Report,
    args: argparse.Namespace,
    *,
    root: Path | None = None,
    source_reader: SourceReader | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    preamble: str = "",
) -> int:
    """Filter, baseline, render and write ``report``; return the exit code.

    ``root`` is the scanned directory (config lookup, suppression comments,
    GitHub annotation paths). Without it the report's roots that are
    directories are searched for suppression comments and the config is looked
    up in the working directory. ``source_reader(path)`` overrides how the
    text of a finding's file is read (e.g. members of an archive).
    ``preamble`` is text put before a ``text`` report (``deps``' inventory), in
    the same write.
    """
    out = stdout if stdout is not None else sys.stdout  # only asked whether it is a terminal
    err = stderr
    try:
        config = config_from_args(args, root)
        reader = source_reader if source_reader is not None else file_reader(_roots(report, root), report.plain_sources)
        select = _flatten(getattr(args, "select", None))
        ignore = _flatten(getattr(args, "ignore", None))
        target = getattr(args, "write_baseline", None)
        if target is not None:
            filtered = filter_report(report, config, select=select, ignore=ignore, reader=reader)
            count = write_baseline(target, filtered.findings)
            emit.note(f"shipwarden: wrote {count} finding(s) to baseline {target}", stream=err)
            if filtered.errors:
                emit.note(
                    f"shipwarden: warning: scan incomplete ({len(filtered.errors)} error(s)); "
                    "the baseline may miss findings",
                    stream=err,
                )
            return EXIT_OK
        filtered = apply_pipeline(
            report, config, select=select, ignore=ignore, baseline=getattr(args, "baseline", None), reader=reader
        )
    except (ConfigError, BaselineError) as exc:
        emit.note(f"shipwarden: error: {exc}", stream=err)
        return EXIT_USAGE

    filtered = at_least(filtered, getattr(args, "min_tier", None))
    output: Path | None = getattr(args, "output", None)
    color = _use_color(args, out)
    width = shutil.get_terminal_size((100, 24)).columns if color else 100
    options = RenderOptions(
        color=color,
        width=width,
        docs_url=config.docs_url or metadata_docs_url(),
        path_prefix=_path_prefix(root),
    )
    fmt = getattr(args, "format", "text") or "text"
    text = render(filtered, fmt, options)
    if preamble and fmt == "text":
        text = preamble + text
    if output is None:
        emit.out(text, fmt, color=color, stream=stdout)
    else:
        try:
            emit.write_file(output, text, fmt, mkdir=True)
        except OSError as exc:
            emit.note(f"shipwarden: error: cannot write {output}: {exc}", stream=err)
            return EXIT_USAGE
    return exit_code(filtered, fail_on(args, config))


def _other_ci(path: Path) -> bool:
    """A GitLab CI file or a Jenkinsfile at the root (``shipwarden.ci`` scans them too)."""
    return bool(root_files(path)) or bool(jenkinsfiles(path))


def add_fetch_actions_arguments(parser: argparse.ArgumentParser) -> None:
    """``--fetch-actions`` / ``--action-server`` of ``scan`` and ``paths``."""
    group = parser.add_argument_group("remote actions")
    group.add_argument(
        "--fetch-actions",
        action="store_true",
        help="read each remote action a job uses (action.yml at its ref, shallow git fetch, cached) "
        "so composite steps take part in the rules and attack paths; network",
    )
    group.add_argument(
        "--action-server",
        metavar="URL",
        help="git server for --fetch-actions (default: $GITHUB_SERVER_URL, [scan] action-server, the public GitHub)",
    )
