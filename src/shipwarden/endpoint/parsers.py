"""One small parser per store format, each turning text into key-path leaves.

A parser never puts file content into an error message: a failed parse says
what failed and where, never what the text was.
"""

from __future__ import annotations

import json
import re
import sqlite3
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from shipwarden.core import safeio

#: Nodes visited per document (defeats YAML alias bombs) and nesting depth.
MAX_NODES = 200_000
MAX_DEPTH = 64
#: Rows read per sqlite table, tables per database.
MAX_SQLITE_ROWS = 2_000
MAX_SQLITE_TABLES = 32


@dataclass(frozen=True, slots=True)
class Leaf:
    """A string value in a store and where it sits (line 0 when unknown)."""

    key_path: str
    value: str
    line: int = 0
    column: int = 0


class ParseProblem(Exception):
    """A store that could not be parsed; ``kind`` feeds ScanError.kind."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


# -- locating values in text -----------------------------------------------------


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def locate(text: str, value: str, hint: str = "") -> tuple[int, int]:
    """1-based line and column of ``value`` in ``text`` (its JSON-escaped form too)."""
    for needle in (value, json.dumps(value, ensure_ascii=False)[1:-1], value[:24]):
        if needle:
            offset = text.find(needle)
            if offset >= 0:
                return _position(text, offset)
    if hint:
        offset = text.find(hint)
        if offset >= 0:
            return _position(text, offset)
    return 0, 0


# -- structured documents --------------------------------------------------------


def walk_document(doc: Any, prefix: str = "") -> Iterator[tuple[str, str]]:
    """(dotted key path, string value) for every string leaf; bounded nodes and depth."""
    budget = [MAX_NODES]
    stack: list[tuple[Any, str, int]] = [(doc, prefix, 0)]
    while stack:
        node, path, depth = stack.pop()
        budget[0] -= 1
        if budget[0] < 0:
            raise ParseProblem("too-large", f"more than {MAX_NODES} values; stopped")
        if depth > MAX_DEPTH:
            raise ParseProblem("too-deep", f"nesting deeper than {MAX_DEPTH} levels; stopped")
        if isinstance(node, dict):
            items = [(f"{path}.{k}" if path else str(k), v) for k, v in node.items()]
        elif isinstance(node, list):
            items = [(f"{path}.{i}" if path else str(i), v) for i, v in enumerate(node)]
        else:
            if isinstance(node, str):
                yield path, node
            continue
        for child_path, child in reversed(items):
            stack.append((child, child_path, depth + 1))


def _leaves_from_doc(doc: Any) -> list[Leaf]:
    """Leaves without positions: :func:`locate` finds one only when it is reported."""
    return [Leaf(path, value) for path, value in walk_document(doc)]


_JSONC_TOKEN = re.compile(r'"(?:\\.|[^"\\])*"|//[^\n]*|/\*.*?\*/|,(?=\s*[}\]])', re.S)


def _strip_jsonc(text: str) -> str:
    """Drop // and /* */ comments and trailing commas outside strings (VS Code style)."""

    def repl(m: re.Match[str]) -> str:
        tok = m.group(0)
        if tok.startswith('"'):
            return tok
        return "\n" * tok.count("\n")  # keep line numbers

    return _JSONC_TOKEN.sub(repl, text)


def parse_json(text: str) -> list[Leaf]:
    try:
        safeio.check_json_depth(_strip_jsonc(text) if "/" in text else text, MAX_DEPTH)
    except safeio.ReadRefused:
        raise ParseProblem("too-deep", f"nesting deeper than {MAX_DEPTH} levels; not parsed") from None
    try:
        try:
            doc = json.loads(text)
        except json.JSONDecodeError:
            doc = json.loads(_strip_jsonc(text))
    except json.JSONDecodeError as exc:
        raise ParseProblem("json", f"not valid JSON (line {exc.lineno}, column {exc.colno})") from None
    except RecursionError:
        raise ParseProblem("too-deep", "JSON nested too deeply to parse") from None
    return _leaves_from_doc(doc)


def parse_toml(text: str) -> list[Leaf]:
    try:
        safeio.check_toml_depth(text, MAX_DEPTH)
        doc = tomllib.loads(text)
    except safeio.ReadRefused:
        raise ParseProblem("too-deep", f"nesting deeper than {MAX_DEPTH} levels; not parsed") from None
    except tomllib.TOMLDecodeError:
        raise ParseProblem("toml", "not valid TOML") from None
    except RecursionError:
        raise ParseProblem("too-deep", "TOML nested too deeply to parse") from None
    return _leaves_from_doc(doc)


class _SafeLoader(yaml.SafeLoader):
    """SafeLoader that keeps timestamps and odd scalars as plain strings."""


_SafeLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def parse_yaml(text: str) -> list[Leaf]:
    try:
        safeio.check_yaml_depth(text, MAX_DEPTH)
        docs = list(yaml.load_all(text, Loader=_SafeLoader))  # noqa: S506 - a SafeLoader subclass
    except safeio.ReadRefused:
        raise ParseProblem("too-deep", f"nesting deeper than {MAX_DEPTH} levels; not parsed") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise ParseProblem("yaml", f"not valid YAML{where}") from None
    except yaml.YAMLError:
        raise ParseProblem("yaml", "not valid YAML") from None
    except RecursionError:
        raise ParseProblem("too-deep", "YAML nested too deeply to parse") from None
    doc: Any = docs[0] if len(docs) == 1 else docs
    return _leaves_from_doc(doc)


# -- line-based formats ------------------------------------------------------------


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def _ini(text: str, delimiters: str) -> list[Leaf]:
    leaves: list[Leaf] = []
    section = ""
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if not stripped or stripped[0] in "#;":
            continue
        if stripped.startswith("[") and stripped.endswith("]"):
            section = stripped[1:-1].strip()
            continue
        cuts = [i for i in (raw.find(d) for d in delimiters) if i >= 0]
        if not cuts:
            continue
        cut = min(cuts)
        key = raw[:cut].strip()
        value = _unquote(raw[cut + 1 :].strip())
        if not key or not value:
            continue
        column = raw.find(value, cut + 1) + 1
        leaves.append(Leaf(f"{section}.{key}" if section else key, value, number, column))
    return leaves


def parse_ini(text: str) -> list[Leaf]:
    """INI / git-config style: ``[section]`` or ``[section "sub"]``, ``key = value``."""
    return _ini(text, "=:")


def parse_npmrc(text: str) -> list[Leaf]:
    """.npmrc: ``key=value`` lines; keys hold colons (``//host/:_authToken``)."""
    return _ini(text, "=")


_ENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.\-]*)\s*[=:]\s*(.*)$")


def parse_env(text: str) -> list[Leaf]:
    """dotenv / properties: ``[export] KEY=value``; quoted values may span lines."""
    leaves: list[Leaf] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        number = i + 1
        m = _ENV_LINE.match(lines[i])
        i += 1
        if not m or lines[number - 1].lstrip().startswith("#"):
            continue
        key, rest = m.group(1), m.group(2).strip()
        column = m.start(2) + 1
        if rest[:1] in ("'", '"'):
            quote = rest[0]
            body = rest[1:]
            parts: list[str] = []
            while quote not in body and i < len(lines) and len(parts) < 200:
                parts.append(body)
                body = lines[i]
                i += 1
            parts.append(body.split(quote, 1)[0])
            value = "\n".join(parts)
            column += 1
        else:
            value = re.split(r"\s+#", rest, maxsplit=1)[0].strip()
        if value:
            leaves.append(Leaf(key, value, number, column))
    return leaves


_NETRC_TOKEN = re.compile(r"\S+")


def parse_netrc(text: str) -> list[Leaf]:
    """netrc: ``machine HOST login USER password PASS account ACCT``; macdefs skipped."""
    leaves: list[Leaf] = []
    tokens: list[tuple[str, int]] = []
    in_macro = False
    offset = 0
    for raw in text.splitlines(keepends=True):
        if in_macro:
            if not raw.strip():
                in_macro = False
            offset += len(raw)
            continue
        for m in _NETRC_TOKEN.finditer(raw):
            tokens.append((m.group(0), offset + m.start()))
            if m.group(0) == "macdef":
                in_macro = True
        offset += len(raw)
    machine = ""
    i = 0
    while i < len(tokens):
        word, _ = tokens[i]
        if word == "machine" and i + 1 < len(tokens):
            machine, i = tokens[i + 1][0], i + 2
            continue
        if word == "default":
            machine, i = "default", i + 1
            continue
        if word in ("login", "password", "account") and i + 1 < len(tokens):
            value, at = tokens[i + 1]
            line, col = _position(text, at)
            leaves.append(Leaf(f"{machine or 'default'}.{word}", value, line, col))
            i += 2
            continue
        i += 1
    return leaves


def parse_plain(text: str) -> list[Leaf]:
    """The whole file is one token (``~/.vault-token``)."""
    value = text.strip()
    if not value:
        return []
    line, col = locate(text, value)
    return [Leaf("", value, line, col)]


# -- sqlite --------------------------------------------------------------------------


def parse_sqlite(path: Path) -> list[Leaf]:
    """Text cells of every table (JSON cells expanded), opened read-only and immutable."""
    uri = f"{path.resolve().as_uri()}?mode=ro&immutable=1"
    leaves: list[Leaf] = []
    try:
        con = sqlite3.connect(uri, uri=True)
    except sqlite3.Error:
        raise ParseProblem("sqlite", "cannot open as a SQLite database") from None
    try:
        tables = [
            r[0]
            for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        ][:MAX_SQLITE_TABLES]
        for table in tables:
            quoted = '"' + table.replace('"', '""') + '"'
            cur = con.execute(f"SELECT * FROM {quoted} LIMIT {MAX_SQLITE_ROWS}")  # noqa: S608 - name from sqlite_master, quoted
            columns = [d[0] for d in cur.description or ()]
            for row_number, row in enumerate(cur):
                for column, cell in zip(columns, row, strict=False):
                    if isinstance(cell, bytes):
                        cell = cell.decode("utf-8", errors="replace")
                    if not isinstance(cell, str):
                        continue
                    base = f"{table}.{row_number}.{column}"
                    doc: Any = None
                    if cell.lstrip().startswith("{"):
                        try:
                            doc = json.loads(cell)
                        except (json.JSONDecodeError, RecursionError):
                            doc = None
                    if isinstance(doc, dict):
                        leaves.extend(Leaf(p, v) for p, v in walk_document(doc, base))
                    else:
                        leaves.append(Leaf(base, cell))
    except sqlite3.Error:
        raise ParseProblem("sqlite", "not a readable SQLite database") from None
    finally:
        con.close()
    return leaves


#: Text formats parsed into leaves.
TEXT_PARSERS: dict[str, Callable[[str], list[Leaf]]] = {
    "json": parse_json,
    "toml": parse_toml,
    "yaml": parse_yaml,
    "ini": parse_ini,
    "npmrc": parse_npmrc,
    "env": parse_env,
    "netrc": parse_netrc,
    "plain": parse_plain,
}
