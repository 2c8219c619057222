"""The one loader of the knowledge tables shipped inside the package.

Every analysis keeps what it knows (contexts an outsider controls, what tools
do, credential locations, known hooks …) in TOML or JSON files under a
``data/`` folder of its package, and reads them with :func:`load_table`:

* the file is found next to the package's modules, as :mod:`importlib.resources`
  finds it (which is asked for a package that is not plain files, e.g. in a zip),
  so an installed wheel reads the same tables as the source checkout;
* its size and nesting are bounded before it is parsed (a packaged table is
  ours, but a broken build or a hand edit must fail clearly, not hang);
* the format follows the suffix (``.toml`` or ``.json``);
* a malformed table raises :class:`TableError` naming the table and what is
  wrong, so a bad edit fails at the first test instead of as a ``KeyError``
  deep in a rule;
* each table is parsed once per process (a bounded cache), and a TOML table
  once per version and content: later runs read the parse from the user's
  cache folder (:mod:`shipwarden.core.tablecache`, validated, never trusted blindly).

The returned mapping is shared between callers: read it, never change it.
Callers turn it into their own typed objects (and usually cache those).
"""

from __future__ import annotations

import functools
import importlib
import json
import os
from collections.abc import Iterator
from importlib import machinery
from typing import Any

from shipwarden.core import safeio, tablecache

#: Largest packaged table accepted (the biggest today is well under 100 kB).
MAX_TABLE_BYTES = 4 * 1024 * 1024
#: Deepest nesting accepted in a packaged table.
MAX_TABLE_DEPTH = 32
#: Folder of a package that holds its tables.
DATA_DIR = "data"
SUFFIXES = (".toml", ".json")
#: Loaders of modules that are plain files (whose package folder holds ``data/``).
_FILE_LOADERS = (machinery.SourceFileLoader, machinery.SourcelessFileLoader)


class TableError(ValueError):
    """A packaged table that is missing, too large, too deep or not valid TOML/JSON."""

    def __init__(self, table: str, problem: str) -> None:
        super().__init__(f"packaged table {table}: {problem}")
        self.table = table
        self.problem = problem


def table_name(package: str, name: str) -> str:
    """How errors name a table: ``shipwarden.secrets:data/tokens.toml``."""
    return f"{package}:{DATA_DIR}/{name}"


@functools.lru_cache(maxsize=64)
def load_table(package: str, name: str) -> dict[str, Any]:
    """The table ``<package>/data/<name>`` parsed (TOML or JSON by suffix), once per process.

    ``load_table("shipwarden.secrets", "tokens.toml")`` reads ``shipwarden/secrets/data/tokens.toml``.
    """
    label = table_name(package, name)
    if not name.endswith(SUFFIXES):
        raise TableError(label, f"unsupported table type (expected one of {', '.join(SUFFIXES)})")
    if ".." in name.split("/") or name.startswith("/"):
        raise TableError(label, "a table name stays inside the package's data folder")
    try:
        data = _read_packaged(package, name.split("/"))
    except (ModuleNotFoundError, FileNotFoundError, IsADirectoryError, NotADirectoryError):
        raise TableError(label, "not found in the installed package") from None
    except OSError as exc:
        raise TableError(label, f"cannot be read: {exc.strerror or type(exc).__name__}") from None
    if len(data) > MAX_TABLE_BYTES:
        raise TableError(label, f"larger than {MAX_TABLE_BYTES} bytes")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TableError(label, f"not UTF-8 (byte {exc.start})") from None
    return _parse(label, name, text)


def _read_packaged(package: str, parts: list[str]) -> bytes:
    """The first ``MAX_TABLE_BYTES + 1`` bytes of ``<package>/data/<parts>``."""
    spec = importlib.import_module(package).__spec__
    if spec is not None and spec.origin and isinstance(spec.loader, _FILE_LOADERS):
        # a package of plain files: the folder importlib.resources would read
        with open(os.path.join(os.path.dirname(spec.origin), DATA_DIR, *parts), "rb") as fh:
            return fh.read(MAX_TABLE_BYTES + 1)
    # start-up: importlib.resources imports zipfile, tempfile and more (~3 ms), needed
    # only for a package that is not plain files (a zip)
    from importlib import resources

    with resources.files(package).joinpath(DATA_DIR, *parts).open("rb") as fh:
        data: bytes = fh.read(MAX_TABLE_BYTES + 1)
    return data


def _parse(label: str, name: str, text: str) -> dict[str, Any]:
    if not name.endswith(".json"):
        cached = tablecache.read(label, text, MAX_TABLE_DEPTH)
        if cached is not None:
            return cached
        doc = _parse_toml(label, text)
        tablecache.write(label, text, doc)
        return doc
    try:
        safeio.check_json_depth(text, MAX_TABLE_DEPTH)
        parsed = json.loads(text)
    except safeio.ReadRefused:
        raise TableError(label, f"nested deeper than {MAX_TABLE_DEPTH} levels") from None
    except json.JSONDecodeError as exc:
        raise TableError(label, f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from None
    if not isinstance(parsed, dict):
        raise TableError(label, "the top level is not a table/object")
    return parsed


def _parse_toml(label: str, text: str) -> dict[str, Any]:
    import tomllib  # pure Python and slow to import: only when the table cache cannot answer

    try:
        safeio.check_toml_depth(text, MAX_TABLE_DEPTH)
        return tomllib.loads(text)
    except safeio.ReadRefused:
        raise TableError(label, f"nested deeper than {MAX_TABLE_DEPTH} levels") from None
    except tomllib.TOMLDecodeError as exc:
        raise TableError(label, f"not valid TOML: {exc}") from None


def packaged_tables(package: str = "shipwarden") -> Iterator[tuple[str, str]]:
    """``(package, name)`` of every table in ``data/`` folders under ``package``, sorted."""
    from importlib import resources  # start-up: only tests and tools list the tables

    found: list[tuple[str, str]] = []
    stack = [(package, resources.files(package))]
    while stack:
        pkg, folder = stack.pop()
        for entry in folder.iterdir():
            if not entry.is_dir():
                continue
            if entry.name == DATA_DIR:
                found.extend((pkg, f.name) for f in entry.iterdir() if f.is_file() and f.name.endswith(SUFFIXES))
            elif entry.name.isidentifier() and entry.joinpath("__init__.py").is_file():
                stack.append((f"{pkg}.{entry.name}", entry))
    return iter(sorted(found))
