"""Load the gate's data tables (``shipwarden/data/never_ship.toml``, ``install_time.toml``,
``shipwarden/packaging/data/files.toml``)."""

from __future__ import annotations

import ast
import dataclasses
import fnmatch
import functools
import re
from dataclasses import dataclass, field
from typing import Any

from shipwarden.core.config import glob_regex
from shipwarden.core.findings import Tier
from shipwarden.core.tables import load_table


@dataclass(frozen=True, slots=True)
class ContentTest:
    """Judge a matching file by what it holds (read whole, text only)."""

    #: The file counts only when one of these occurs (``PRIVATE KEY``, ``npmAuthToken``).
    requires: re.Pattern[str] | None
    #: When none occurs: ``"drop"`` (not reported) or a tier (``"P2"``).
    otherwise: str
    #: Why, said in the finding or the note.
    reason: str


@dataclass(frozen=True, slots=True)
class NeverShip:
    id: str
    category: str
    patterns: tuple[str, ...]
    exceptions: tuple[str, ...]
    tier: Tier
    reason: str
    #: The patterns name folders (``.git``, ``CVS``): a file of that name is not a match.
    dirs_only: bool = False
    content: ContentTest | None = None
    #: All patterns in one regex; group ``i + 1`` is ``patterns[i]``.
    regex: re.Pattern[str] = field(default=re.compile(r"(?!)"), compare=False, repr=False)
    #: Exceptions: by file name (fnmatch) and by path (glob).
    except_name: re.Pattern[str] = field(default=re.compile(r"(?!)"), compare=False, repr=False)
    except_path: re.Pattern[str] = field(default=re.compile(r"(?!)"), compare=False, repr=False)

    def matches(self, path: str) -> str | None:
        """The pattern that matches ``path`` (None when none does or an exception applies)."""
        path = path.removeprefix("./")
        m = self.regex.fullmatch(path)
        if m is None or m.lastindex is None:
            return None
        name = path.rsplit("/", 1)[-1]
        if self.except_name.fullmatch(name) or self.except_path.fullmatch(path):
            return None
        return self.patterns[m.lastindex - 1]

    def names_file(self, path: str, pattern: str) -> bool:
        """True when ``pattern`` matched the file itself, not a folder above it."""
        return not self.dirs_only and glob_regex(pattern).fullmatch(path.rsplit("/", 1)[-1]) is not None


def _alternation(bodies: list[str]) -> re.Pattern[str]:
    if not bodies:
        return re.compile(r"(?!)")
    return re.compile("|".join(f"({b})" for b in bodies), re.DOTALL)


def _compile(entry: NeverShip) -> NeverShip:
    """``entry`` with its patterns and exceptions compiled once (a few regexes, not a glob per pattern)."""
    bodies = []
    for pattern in entry.patterns:
        body = glob_regex(pattern).pattern
        if entry.dirs_only:
            # only a folder matches: some leading part of the path, never the file itself
            body = body.removesuffix("(?:/.*)?") + "/.*"
        bodies.append(body)
    names = "|".join(f"(?:{fnmatch.translate(e)})" for e in entry.exceptions) or r"(?!)"
    paths = "|".join(f"(?:{glob_regex(e).pattern})" for e in entry.exceptions) or r"(?!)"
    return dataclasses.replace(
        entry,
        regex=_alternation(bodies),
        except_name=re.compile(names, re.DOTALL),
        except_path=re.compile(paths, re.DOTALL),
    )


@dataclass(frozen=True, slots=True)
class BenignPth:
    name: str
    marker: str
    tool: str


@dataclass(frozen=True, slots=True)
class InstallTime:
    npm_scripts: dict[str, Tier]
    implicit_gyp: str
    suspicious_script: tuple[str, ...]
    suspicious_python: tuple[str, ...]
    benign_pth: tuple[BenignPth, ...]
    native_extensions: tuple[str, ...]
    #: lifecycle scripts npm never runs for a registry tarball (``prepare``)
    source_only_scripts: frozenset[str] = frozenset()
    #: script markers that only hand an interpreter inline code (``node -e``)
    inline_code: frozenset[str] = frozenset()
    #: Python markers that run code rather than fetch or hide it (``subprocess``)
    python_run: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class FileKinds:
    """What kind of file a packed path is, by its name (``packaging/data/files.toml``)."""

    inline_map_extensions: tuple[str, ...]
    binary_extensions: tuple[str, ...]
    source_extensions: tuple[str, ...]
    declaration_extensions: tuple[str, ...]
    source_folders: tuple[str, ...]
    bundle_folders: tuple[str, ...]
    bundle_extensions: tuple[str, ...]


@functools.cache
def file_kinds() -> FileKinds:
    data = load_table("shipwarden.packaging", "files.toml")
    inspect, beside = data["inspect"], data["source-beside-bundle"]
    return FileKinds(
        inline_map_extensions=tuple(inspect["inline-map-extensions"]),
        binary_extensions=tuple(inspect["binary-extensions"]),
        source_extensions=tuple(beside["source-extensions"]),
        declaration_extensions=tuple(beside["declaration-extensions"]),
        source_folders=tuple(beside["source-folders"]),
        bundle_folders=tuple(beside["bundle-folders"]),
        bundle_extensions=tuple(beside["bundle-extensions"]),
    )


def _table(name: str) -> dict[str, Any]:
    return load_table("shipwarden", name)


_ANY_DEPTH, _BELOW = "(?:.*/)?", "(?:/.*)?"


@functools.cache
def _never_ship_index() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(one regex of every name pattern, for single path parts; one of the rooted patterns)."""
    names: list[str] = []
    rooted: list[str] = []
    for entry in never_ship():
        for pattern in entry.patterns:
            full = glob_regex(pattern).pattern
            if full.startswith(_ANY_DEPTH) and full.endswith(_BELOW):
                names.append(full.removeprefix(_ANY_DEPTH).removesuffix(_BELOW))
            else:
                rooted.append(full)
    return (
        re.compile("|".join(f"(?:{n})" for n in names) or r"(?!)", re.DOTALL),
        re.compile("|".join(f"(?:{r})" for r in rooted) or r"(?!)", re.DOTALL),
    )


def may_never_ship(path: str) -> bool:
    """False when no never-ship pattern can match ``path`` (most files of a package): one short
    regex per path part instead of every entry's patterns over the whole path."""
    path = path.removeprefix("./")
    return any(map(_name_may_never_ship, path.split("/"))) or _never_ship_index()[1].fullmatch(path) is not None


@functools.lru_cache(maxsize=8192)
def _name_may_never_ship(part: str) -> bool:
    """One path part against the name patterns; a package's folder names repeat in most of its paths."""
    return _never_ship_index()[0].fullmatch(part) is not None


@functools.cache
def never_ship() -> tuple[NeverShip, ...]:
    data = _table("never_ship.toml")
    return tuple(
        _compile(
            NeverShip(
                id=e["id"],
                category=e["category"],
                patterns=tuple(e["patterns"]),
                exceptions=tuple(e.get("except", ())),
                tier=Tier.parse(e["tier"]),
                reason=e["reason"],
                dirs_only=bool(e.get("dirs_only", False)),
                content=_content(e.get("content")),
            )
        )
        for e in data["entry"]
    )


def _content(raw: dict[str, Any] | None) -> ContentTest | None:
    if raw is None:
        return None
    otherwise = str(raw["otherwise"])
    if otherwise != "drop":
        Tier.parse(otherwise)
    requires = [str(r) for r in raw.get("requires", ())]
    return ContentTest(
        re.compile("|".join(f"(?:{r})" for r in requires)) if requires else None,
        otherwise,
        str(raw["reason"]),
    )


@functools.cache
def install_time() -> InstallTime:
    data = _table("install_time.toml")
    return InstallTime(
        npm_scripts={k: Tier.parse(v) for k, v in data["npm"]["install_scripts"].items()},
        implicit_gyp=data["npm"]["implicit_gyp_script"],
        suspicious_script=tuple(data["suspicious"]["script"]),
        suspicious_python=tuple(data["suspicious"]["python"]),
        benign_pth=tuple(BenignPth(b["name"], b["marker"], b["tool"]) for b in data["pth"]["benign"]),
        native_extensions=tuple(data["native"]["extensions"]),
        source_only_scripts=frozenset(data["npm"]["source_only_scripts"]),
        inline_code=frozenset(data["suspicious"]["inline_code"]),
        python_run=frozenset(data["suspicious"]["python_run"]),
    )


_IDENT = re.compile(r"[A-Za-z0-9_]")


@functools.cache
def _marker_regex(marker: str) -> re.Pattern[str]:
    """``marker`` as a whole token: ``compile(`` is not ``re.compile(``, ``urllib`` is not ``urllib3``."""
    before = ""
    if _IDENT.match(marker[:1]):
        before = r"(?<![A-Za-z0-9_])"
        if marker.endswith("("):
            # a method of another object (``re.compile(``) is not the builtin; ``builtins.exec(`` is
            before = r"(?:(?<=builtins\.)|(?<=builtins__\.)|(?<![A-Za-z0-9_.]))"
    after = r"(?![A-Za-z0-9_])" if _IDENT.match(marker[-1:]) else ""
    return re.compile(before + re.escape(marker) + after)


def suspicious(text: str, markers: tuple[str, ...]) -> list[str]:
    """The markers found in ``text`` (case-insensitive), each as a whole token."""
    low = text.lower()
    return [m.strip() for m in markers if m in low and _marker_regex(m).search(low)]


def script_hits(command: str, markers: tuple[str, ...]) -> tuple[list[str], bool]:
    """(markers found in an install script, whether they make it look like a downloader or loader).

    An inline-code flag alone (``node -e "try{require('./postinstall')}catch(e){}"``)
    is reported but does not count: the code it runs is right there.
    """
    hits = suspicious(command, markers)
    inline = install_time().inline_code
    return hits, any(h not in inline for h in hits)


_EXEC_NAMES = frozenset({"exec", "eval", "compile"})


def _literal_code(node: ast.expr) -> str | None:
    """The code an ``exec``/``eval`` argument runs when it is readable on the spot, else None.

    A string literal, or ``open(<literal>).read()`` (a file that ships beside it).
    """
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "read"
        and isinstance(node.func.value, ast.Call)
        and isinstance(node.func.value.func, ast.Name)
        and node.func.value.func.id == "open"
        and node.func.value.args
        and isinstance(node.func.value.args[0], ast.Constant)
    ):
        return ""
    return None


def python_hits(text: str, markers: tuple[str, ...], _depth: int = 0) -> list[str]:
    """Markers in Python source, where ``exec``/``eval``/``compile`` of readable code does not count.

    ``exec('import coverage; coverage.process_startup()')`` runs code that is
    right there: the literal itself is checked instead. Code that does not
    parse is matched as plain text.
    """
    hits = suspicious(text, markers)
    if _depth > 3 or not any(h in ("exec(", "eval(", "compile(") for h in hits):
        return hits
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return hits
    inner: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _EXEC_NAMES:
            code = _literal_code(node.args[0]) if node.args else None
            if code is None:
                return hits
            inner.extend(python_hits(code, markers, _depth + 1))
    kept = [h for h in hits if h not in ("exec(", "eval(", "compile(")]
    return kept + [h for h in inner if h not in kept]
