"""A cache of the code shipwarden compiles while it starts: regular expressions and
the ``__init__`` of each :func:`~shipwarden.core.structs.struct`.

A scan's start compiles about a hundred regular expressions (``re``'s compiler is
pure Python: a fifth of the work before the scan's workers start) and a hundred
small ``__init__`` texts (parsed and compiled by ``exec``). Neither depends on the
input: the first run stores them under the user's cache folder, later runs read
them back instead of compiling:

* a regular expression as the program ``re`` builds for it (``_sre.compile``'s
  arguments), put in ``re``'s own cache, which ``re.compile`` asks first (so every
  module, shipwarden's or a library's, gets it without change). An entry is stored
  only when the program rebuilt from it equals the compiled pattern (``Pattern``
  equality compares the programs), so a Python whose ``re`` works otherwise stores
  nothing;
* an ``__init__`` as the code object of its exact source text (``marshal``).

The command line loads the entries of its command once (:func:`load`) before
importing it and stores what was new at its end (:func:`save`); a library caller
loads nothing and compiles as before.

The cache is treated as untrusted input, as :mod:`shipwarden.core.tablecache`'s:

* one file per command, named after the command, the exact Python build
  (``sys.version``, its bytecode tag, ``marshal`` and ``_sre`` versions) and this
  format; its first line repeats that key with the length and CRC-32 of what
  follows, so another Python, a damaged or truncated file is never read;
* read only from a folder and a regular file (no symlink) owned by the user
  running shipwarden and writable by nobody else — like the ``__pycache__``
  folders Python itself reads code from, whoever can write there already runs
  code as this user; ``_sre.compile`` also checks each program it is given;
* any problem (unreadable, malformed, a value of the wrong type) means that entry
  or the whole file is ignored and the code is compiled as without a cache.
  Writing is best-effort and atomic (a temporary file renamed).

``SHIPWARDEN_CACHE_DIR`` (see :mod:`~shipwarden.core.tablecache`) names the folder
(``code/`` is used inside it); set to an empty string it turns this cache off too.
"""

from __future__ import annotations

import _sre  # type: ignore[import-not-found]  # re's C engine: no stub
import marshal
import re
import sys
from pathlib import Path
from types import CodeType
from typing import Any

from shipwarden import __version__
from shipwarden.core import tablecache
from shipwarden.core.digest import sha256

_FORMAT = 2
#: Largest file read (a command's entries are some 100 kB).
MAX_FILE_BYTES = 4 * 1024 * 1024
#: ``re`` keeps this many patterns (``re._MAXCACHE``); more seeds would push out each other.
_MAX_PATTERNS = 400

#: ``(is bytes, pattern, flags)`` -> ``_sre.compile``'s other arguments
_Program = tuple[int, list[int], int, dict[str, int], tuple[str | None, ...]]


class _State:
    def __init__(self) -> None:
        self.command: str | None = None
        self.inits: dict[str, CodeType] = {}
        self.new_inits = False
        self.programs: dict[tuple[bool, str | bytes, int], _Program] = {}


_state = _State()


def _key(command: str) -> str:
    tag = sys.implementation.cache_tag or ""
    parts = (f"format {_FORMAT}", __version__, command, sys.version, tag, str(marshal.version), str(_sre.MAGIC))
    return sha256("\x00".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def _file(command: str) -> tuple[Path, str] | None:
    folder = tablecache.cache_dir()
    if folder is None:
        return None
    return folder.parent / "code", f"{command}-{_key(command)[:32]}.marshal"


def _header(key: str, body: bytes) -> bytes:
    return f"shipwarden-code {_FORMAT} {key} {tablecache.checksum(body)}".encode("ascii")


def compiled_init(source: str) -> CodeType:
    """The code of ``source`` (a struct's ``def __init__``), from the cache or compiled."""
    code = _state.inits.get(source)
    if code is None:
        code = compile(source, "<string>", "exec")
        if _state.command is not None:
            _state.inits[source] = code
            _state.new_inits = True
    return code


def load(command: str) -> None:
    """Read ``command``'s entries (if any can be trusted) and remember to store new ones."""
    _state.command = command
    where = _file(command)
    if where is None:
        _state.command = None  # cache off: nothing to store either
        return
    raw = tablecache.read_private(*where, MAX_FILE_BYTES)
    if raw is None:
        return
    header, _, body = raw.partition(b"\n")
    if header != _header(_key(command), body):
        return
    try:
        data = marshal.loads(body)
    except (EOFError, ValueError, TypeError):
        return
    if not isinstance(data, dict):
        return
    inits, programs = data.get("inits"), data.get("programs")
    if isinstance(inits, dict):
        _state.inits = {s: c for s, c in inits.items() if isinstance(s, str) and isinstance(c, CodeType)}
    if isinstance(programs, dict):
        _seed(programs)


def _re_cache() -> dict[Any, Any] | None:
    """``re``'s own cache of compiled patterns, where this Python has one."""
    cache = getattr(re, "_cache", None)
    return cache if isinstance(cache, dict) else None


def _seed(programs: dict[Any, Any]) -> None:
    cache = _re_cache()
    if cache is None:
        return
    for key, value in list(programs.items())[:_MAX_PATTERNS]:
        if not _well_typed(key, value):
            continue
        is_bytes, pattern, flags = key
        slot = (bytes if is_bytes else str, pattern, flags)
        if slot not in cache:  # else compiled before the load (the command line's own)
            try:
                cache[slot] = _sre.compile(pattern, *value)
            except (TypeError, ValueError, RuntimeError, OverflowError):  # a program _sre refuses
                continue
        _state.programs[key] = value


def _well_typed(key: object, value: object) -> bool:
    if not (isinstance(key, tuple) and len(key) == 3 and isinstance(value, tuple) and len(value) == 5):
        return False
    is_bytes, pattern, flags = key
    final, code, groups, groupindex, indexgroup = value
    return (
        isinstance(is_bytes, bool)
        and isinstance(pattern, bytes if is_bytes else str)
        and type(flags) is int
        and type(final) is int
        and type(groups) is int
        and isinstance(code, list)  # its items: _sre.compile takes only ints (TypeError) and checks the program
        and isinstance(groupindex, dict)
        and all(isinstance(k, str) and type(v) is int for k, v in groupindex.items())
        and isinstance(indexgroup, tuple)
        and all(g is None or isinstance(g, str) for g in indexgroup)
    )


def _program(pattern: str | bytes, flags: int, compiled: re.Pattern[Any]) -> _Program | None:
    """What ``_sre.compile`` needs to make ``compiled`` again, or ``None`` when this
    Python's ``re`` does not build it so (then it is not stored)."""
    try:
        parser: Any = sys.modules["re._parser"]
        compiler: Any = sys.modules["re._compiler"]
        parsed = parser.parse(pattern, flags)
        code = [int(c) for c in compiler._code(parsed, flags)]
        groupindex = {str(k): int(v) for k, v in parsed.state.groupdict.items()}
        indexgroup: list[str | None] = [None] * parsed.state.groups
        for name, index in groupindex.items():
            indexgroup[index] = name
        program = (int(flags | parsed.state.flags), code, parsed.state.groups - 1, groupindex, tuple(indexgroup))
        if _sre.compile(pattern, *program) != compiled:
            return None
    except Exception:  # noqa: BLE001 - another Python's re: nothing stored
        return None
    return program


def save() -> None:
    """Store the loaded entries and what this run compiled anew, when it compiled
    anything; never raises."""
    command = _state.command
    cache = _re_cache()
    if command is None or cache is None:
        return
    programs = dict(_state.programs)
    for (kind, pattern, flags), compiled in list(cache.items()):
        if len(programs) >= _MAX_PATTERNS:
            break
        key = (kind is bytes, pattern, flags)
        if key in programs or kind not in (str, bytes) or type(flags) is not int or not isinstance(compiled, re.Pattern):
            continue
        program = _program(pattern, flags, compiled)
        if program is not None:
            programs[key] = program
    if len(programs) == len(_state.programs) and not _state.new_inits:
        return
    where = _file(command)
    if where is None:
        return
    try:
        body = marshal.dumps({"inits": _state.inits, "programs": programs})
    except ValueError:
        return
    _state.programs, _state.new_inits = programs, False
    tablecache.write_private(*where, _header(_key(command), body) + b"\n" + body)
