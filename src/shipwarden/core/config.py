"""Project configuration: ``.shipwarden.toml`` or ``[tool.shipwarden]`` in ``pyproject.toml``.

Both files are looked up in the scanned root. When both exist, keys of
``.shipwarden.toml`` win over the same keys in ``pyproject.toml``. See
``docs/configuration.md`` for every key.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import field
from pathlib import Path
from typing import Any

from shipwarden.core import safeio
from shipwarden.core.findings import Tier
from shipwarden.core.structs import struct

CONFIG_FILE = ".shipwarden.toml"
PYPROJECT = "pyproject.toml"

#: Values accepted by ``fail-on`` / ``--fail-on``. ``none`` never fails on findings.
FAIL_ON_CHOICES = ("P0", "P1", "P2", "none")

#: Commands that may keep their own sub-table (``[tool.shipwarden.gate]``, ...).
COMMAND_TABLES = ("scan", "paths", "gate", "deps", "endpoint")

_KNOWN_KEYS = frozenset(
    {
        "select",
        "ignore",
        "fail-on",
        "baseline",
        "docs-url",
        "exclude",
        "hosted-runner-labels",
        "self-hosted-runner-labels",
        *COMMAND_TABLES,
    }
)

_SELECTOR = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-/]*$")


class ConfigError(ValueError):
    """A configuration file or option is invalid. The CLI reports it and exits 2."""


@struct
class Config:
    """Effective configuration of one run (file values; the CLI overrides some)."""

    #: Rule ids or id prefixes to report; empty means every rule.
    select: list[str] = field(default_factory=list)
    #: Rule ids or id prefixes never to report.
    ignore: list[str] = field(default_factory=list)
    #: ``P0``/``P1``/``P2``/``none``; ``None`` means "use the command's default".
    fail_on: str | None = None
    #: Baseline file, already resolved against the config file's directory.
    baseline: Path | None = None
    #: Base URL of rule documentation pages; ``None`` means the built-in one.
    docs_url: str | None = None
    #: Glob patterns (POSIX, relative to the scanned root) of paths not to scan.
    exclude: list[str] = field(default_factory=list)
    #: Custom ``runs-on`` labels (or runner group names) the user declares GitHub-hosted
    #: larger runners, and those declared self-hosted (``self-hosted-runner`` settles on them).
    hosted_runner_labels: list[str] = field(default_factory=list)
    self_hosted_runner_labels: list[str] = field(default_factory=list)
    #: Per-command tables (``gate``, ``deps``, ...), read by those commands only.
    commands: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Files the values came from, lowest precedence first.
    sources: list[Path] = field(default_factory=list)

    @property
    def gate(self) -> dict[str, Any]:
        return self.commands.get("gate", {})

    @property
    def deps(self) -> dict[str, Any]:
        return self.commands.get("deps", {})

    def is_excluded(self, path: str) -> bool:
        """True when the root-relative POSIX ``path`` (or a parent folder) matches ``exclude``."""
        return any(glob_match(pattern, path) for pattern in self.exclude)


# ---------------------------------------------------------------------------
# loading


def load_config(root: Path, explicit: Path | None = None) -> Config:
    """Read the configuration for a scan of ``root``.

    With ``explicit`` only that file is read (a ``pyproject.toml`` contributes
    its ``[tool.shipwarden]`` table, any other file its top-level keys).
    Otherwise ``pyproject.toml`` then ``.shipwarden.toml`` in ``root`` are
    merged, the latter winning key by key. Missing files give the defaults.
    """
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError(f"config file not found: {explicit}")
        table = _read_table(explicit)
        return _build(table or {}, explicit)

    merged: dict[str, Any] = {}
    sources: list[Path] = []
    origin: dict[str, Path] = {}
    for candidate in (root / PYPROJECT, root / CONFIG_FILE):
        if not candidate.is_file():
            continue
        table = _read_table(candidate)
        if table is None:
            continue
        sources.append(candidate)
        for key, value in table.items():
            merged[key] = value
            origin[key] = candidate
    config = _build(merged, sources[-1] if sources else None, origin)
    config.sources = sources
    return config


#: Largest configuration file read.
MAX_CONFIG_BYTES = 1024 * 1024


def _read_table(path: Path) -> dict[str, Any] | None:
    import tomllib  # only when a configuration file exists: slow to import

    try:
        data = safeio.load_toml(safeio.read_text(path, limit=MAX_CONFIG_BYTES), path.name)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except safeio.ReadRefused as exc:
        raise ConfigError(f"{path}: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    if path.name == PYPROJECT:
        tool = data.get("tool", {})
        table = tool.get("shipwarden") if isinstance(tool, dict) else None
        if table is None:
            return None
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: [tool.shipwarden] must be a table")
        return table
    return data


def _build(table: Mapping[str, Any], source: Path | None, origin: Mapping[str, Path] | None = None) -> Config:
    def origin_of(key: str) -> Path | None:
        return (origin or {}).get(key, source)

    config = Config(sources=[source] if source else [])
    for key, value in table.items():
        path = origin_of(key)
        try:
            _apply(config, key, value, path)
        except ConfigError as exc:
            raise ConfigError(f"{path}: {exc}" if path else str(exc)) from None
    return config


def _apply(config: Config, key: str, value: Any, path: Path | None) -> None:
    """Set one top-level key of the configuration table on ``config``."""
    if key == "select":
        config.select = parse_selectors(value, "select")
    elif key == "ignore":
        config.ignore = parse_selectors(value, "ignore")
    elif key == "fail-on":
        config.fail_on = parse_fail_on(value)
    elif key == "baseline":
        if not isinstance(value, str) or not value:
            raise ConfigError("'baseline' must be a non-empty path string")
        baseline = Path(value)
        config.baseline = baseline if baseline.is_absolute() or path is None else path.parent / baseline
    elif key == "docs-url":
        if not isinstance(value, str) or not value.strip():
            raise ConfigError("'docs-url' must be a non-empty string")
        config.docs_url = value.strip()
    elif key == "exclude":
        config.exclude = _string_list(value, "exclude")
    elif key == "rules":
        # documented once, read by no rule: an option no rule reads is worse than an error
        raise ConfigError("'rules': no rule takes per-rule options; remove the [rules.<id>] tables")
    elif key == "hosted-runner-labels":
        config.hosted_runner_labels = _string_list(value, key)
    elif key == "self-hosted-runner-labels":
        config.self_hosted_runner_labels = _string_list(value, key)
    elif key in COMMAND_TABLES:
        if not isinstance(value, dict):
            raise ConfigError(f"'{key}' must be a table ([tool.shipwarden.{key}])")
        config.commands[key] = dict(value)
    else:
        known = ", ".join(sorted(_KNOWN_KEYS))
        raise ConfigError(f"unknown key {key!r} (known keys: {known})")


def _string_list(value: Any, key: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(f"'{key}' must be a list of non-empty strings")
    return list(value)


def parse_selectors(value: Any, key: str = "select") -> list[str]:
    """Accept a list of ids/prefixes or a comma-separated string; validate each one."""
    items: list[str] = []
    raw: Iterable[Any] = [value] if isinstance(value, str) else value
    if not isinstance(raw, list | tuple):
        raise ConfigError(f"'{key}' must be a list of rule ids or prefixes")
    for entry in raw:
        if not isinstance(entry, str):
            raise ConfigError(f"'{key}' entries must be strings, got {entry!r}")
        for part in entry.split(","):
            part = part.strip()
            if not part:
                continue
            if not _SELECTOR.match(part):
                raise ConfigError(f"'{key}': {part!r} is not a rule id or rule id prefix")
            items.append(part)
    return items


def parse_fail_on(value: Any) -> str:
    if isinstance(value, str):
        text = value.strip()
        if text.lower() == "none":
            return "none"
        try:
            return Tier.parse(text).value
        except ValueError:
            pass
    raise ConfigError(f"'fail-on' must be one of {', '.join(FAIL_ON_CHOICES)}, got {value!r}")


# ---------------------------------------------------------------------------
# rule selection


def _best(selectors: Sequence[str], rule_id: str) -> int:
    """Length of the longest selector that is a prefix of ``rule_id`` (-1: none)."""
    return max((len(s) for s in selectors if rule_id.startswith(s)), default=-1)


def is_selected(rule_id: str, select: Sequence[str], ignore: Sequence[str]) -> bool:
    """Whether a rule is reported under ``select``/``ignore`` (ids or id prefixes).

    An empty ``select`` selects every rule. When a rule matches both lists the
    more specific (longer) selector wins; on a tie, ``ignore`` wins.
    """
    chosen = _best(select, rule_id) if select else 0
    if chosen < 0:
        return False
    ignored = _best(ignore, rule_id)
    return ignored < 0 or chosen > ignored


# ---------------------------------------------------------------------------
# globbing for ``exclude``

_GLOB_CACHE: dict[str, re.Pattern[str]] = {}


def glob_regex(pattern: str) -> re.Pattern[str]:
    cached = _GLOB_CACHE.get(pattern)
    if cached is not None:
        return cached
    pat = pattern.strip().removeprefix("./")
    anchored = "/" in pat.rstrip("/")
    pat = pat.strip("/")
    out: list[str] = []
    i = 0
    while i < len(pat):
        if pat.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pat.startswith("**", i):
            out.append(".*")
            i += 2
        elif pat[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pat[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pat[i]))
            i += 1
    body = "".join(out)
    # Unanchored patterns (no slash) match a name at any depth, like .gitignore.
    regex = re.compile(("" if anchored else "(?:.*/)?") + body + "(?:/.*)?", re.DOTALL)
    _GLOB_CACHE[pattern] = regex
    return regex


def glob_match(pattern: str, path: str) -> bool:
    """Match a root-relative POSIX path against an ``exclude`` glob.

    ``*`` and ``?`` stay within one path segment, ``**`` crosses segments, a
    pattern without ``/`` matches a file or folder name at any depth, and a
    match on a folder covers everything below it.
    """
    path = path.removeprefix("./")
    return glob_regex(pattern).fullmatch(path) is not None
