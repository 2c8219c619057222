"""The one way shipwarden reads a file that the scanned input supplies.

Every command reads files it finds on its own initiative (lockfiles, manifests,
workflows, ``-r`` includes, configuration, files in a package folder) through
this module, which promises for each read:

* the path, with every link followed, lies inside the root the user named;
  anything else is refused with ":data:`OUTSIDE_NOTE`" and never opened;
* only a regular file is read: it is opened non-blocking and without following
  a final link, then checked with ``fstat`` *after* opening, so a FIFO, a
  device or a socket is a per-file note, never a hang or an endless stream;
* at most ``limit + 1`` bytes are read (``st_size`` is never trusted: it is 0
  for ``/dev/zero``), so an oversize file costs ``limit`` bytes of memory;
* structured text (JSON, TOML, YAML) has its nesting measured before it is
  parsed, so a deep document is a "too deep" note, never a ``RecursionError``
  or a native stack overflow.

Failures raise :class:`ReadRefused` (an :class:`OSError`, so code that already
turns ``OSError`` into a per-file error keeps doing so) with a short ``kind``
(``outside-root``, ``not-regular``, ``too-large``, ``too-deep``, ``io``).
"""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Callable
from itertools import accumulate
from operator import attrgetter
from typing import Any, BinaryIO, Literal

StrPath = str | os.PathLike[str]
Entries = list[os.DirEntry[str]]

#: Default largest file read (lockfiles of 100k packages are ~30 MB).
DEFAULT_LIMIT = 64 * 1024 * 1024
#: Deepest nesting accepted in any structured file. Real lockfiles, manifests
#: and configuration files nest fewer than 20 levels.
MAX_DEPTH = 200

OUTSIDE_NOTE = "outside the root, not read"

_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
_CHUNK = 1024 * 1024


class ReadRefused(OSError, ValueError):
    """A file that is not read (or not parsed), with the reason as ``kind``.

    Both an ``OSError`` and a ``ValueError``: code that turns either into a
    per-file error keeps doing so."""

    def __init__(self, message: str, kind: str = "io", line: int = 0) -> None:
        super().__init__(errno.EINVAL, message)  # ``strerror`` is the message
        self.kind = kind
        self.line = line

    def __str__(self) -> str:
        return str(self.strerror)


def _kind_name(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a directory"
    return "not a regular file"


def is_inside(root: StrPath, path: StrPath) -> bool:
    """Does ``path`` (links followed) resolve to ``root`` or below it?"""
    real_root = os.path.realpath(root)
    real = os.path.realpath(path)
    return real == real_root or real.startswith(real_root.rstrip(os.sep) + os.sep)


def resolve_inside(root: StrPath, path: StrPath) -> str:
    """``path`` (relative to ``root`` unless absolute) with links followed; refuse it outside ``root``."""
    return _inside(os.path.realpath(os.path.join(root, path)), os.path.realpath(root))


#: what opening a missing file says (``os.strerror`` decodes it anew on every call)
_NO_SUCH_FILE = os.strerror(errno.ENOENT)


class Root:
    """A root the user named, for many reads in a row (one repository's load).

    :func:`resolve_inside` follows every link of every component on each call
    (about ten ``lstat`` calls for a file two folders down). A ``Root`` resolves
    the root itself once (when first needed) and each folder below it once, from its
    resolved parent, and then, per file, only looks at the last component (a link
    anywhere is followed in full, as before): the same answer with one system call
    per read. A folder listed through :meth:`listing` (the discovery walks share one
    ``scandir`` per folder) answers for its entries without any: a name it does not
    hold is missing, an entry that is no link is its own real path below the folder.
    Reads (:meth:`target`) open a path without links below the root as given, without
    resolving the root. Keep one for one pass over the root, not for the life of a process: folders are
    not resolved or listed again.
    """

    __slots__ = ("_folders", "_listed", "_plain", "_real", "path")

    def __init__(self, root: StrPath) -> None:
        self.path = os.fspath(root)
        self._real: str | None = None
        self._folders: dict[str, str] = {}
        self._plain: dict[str, bool] = {}  # folder -> no link below the root on its way
        self._listed: dict[str, tuple[Entries, Entries, dict[str, os.DirEntry[str]]] | OSError] = {}

    @property
    def real(self) -> str:
        """The root with every link followed."""
        if self._real is None:
            self._real = self._folders[""] = os.path.realpath(self.path)
        return self._real

    def listing(self, rel: str = "") -> tuple[Entries, Entries] | None:
        """:func:`listing` of the folder ``rel`` below the root (``""``: the root), listed once."""
        try:
            folders, others, _ = self._listed_folder(rel)
        except OSError:
            return None
        return folders, others

    def entries(self, rel: str = "") -> tuple[Entries, Entries]:
        """:meth:`listing`, raising the ``OSError`` of a folder that cannot be listed."""
        folders, others, _ = self._listed_folder(rel)
        return folders, others

    def holds(self, rel: str) -> bool | None:
        """Does the folder of ``rel`` hold its last name? From that folder's listing (made
        once); ``None`` when the folder cannot be listed."""
        folder, _, name = rel.rpartition("/")
        if self.listing(folder) is None:
            return None
        return self._listed_entry(folder, name) is not False

    def _listed_folder(self, rel: str) -> tuple[Entries, Entries, dict[str, os.DirEntry[str]]]:
        got = self._listed.get(rel)
        if got is None:
            try:
                folders, others = _split_listing(os.path.join(self.path, rel) if rel else self.path)
                got = (folders, others, {entry.name: entry for entry in folders + others})
            except OSError as exc:
                got = exc
            self._listed[rel] = got
        if isinstance(got, OSError):
            raise got
        return got

    def _listed_entry(self, folder: str, name: str) -> os.DirEntry[str] | None | Literal[False]:
        """The entry ``name`` of ``folder`` if that folder was listed; ``False`` when it was
        listed without that name; ``None`` when it was not listed (or could not be)."""
        got = self._listed.get(folder)
        if got is None or isinstance(got, OSError):
            return None
        return got[2].get(name, False)

    def resolve(self, path: StrPath) -> str:
        """:func:`resolve_inside` of ``path`` under this root."""
        rel = os.fspath(path)
        if not _names_only(rel):
            return _inside(os.path.realpath(os.path.join(self.path, rel)), self.real)
        folder, _, name = rel.rpartition("/")
        return _inside(self._child(folder, name), self.real)

    def target(self, path: StrPath) -> str:
        """The path to open for ``path`` under this root: when no component below the root
        is a link (told by the listings, else by one ``lstat`` per folder, once), the path as
        given below the root, which names the same file as :meth:`resolve`'s answer without
        following the root's own links; else that answer. A name that a listed folder does
        not hold is missing (``FileNotFoundError``, as opening it would say) without a
        system call."""
        rel = os.fspath(path)
        if not _names_only(rel):
            return self.resolve(rel)
        folder, _, name = rel.rpartition("/")
        if not self._unlinked(folder):
            return self.resolve(rel)
        entry = self._listed_entry(folder, name)
        if entry is False:
            raise FileNotFoundError(errno.ENOENT, _NO_SUCH_FILE, os.path.join(self.path, rel))
        if self._is_link(folder, name, entry):
            return self.resolve(rel)
        return os.path.join(self.path, rel)

    def _unlinked(self, folder: str) -> bool:
        """Is no component of the folder ``folder`` below the root a link (so that the root's
        path joined with it names a folder inside the root)?"""
        if not folder:
            return True
        got = self._plain.get(folder)
        if got is None:
            parent, _, name = folder.rpartition("/")
            got = self._unlinked(parent) and not self._is_link(parent, name, self._listed_entry(parent, name))
            self._plain[folder] = got
        return got

    def _is_link(self, folder: str, name: str, entry: os.DirEntry[str] | None | Literal[False]) -> bool:
        """Is ``name`` in ``folder`` (an unlinked folder; ``entry`` its listed entry) a link?"""
        if entry is None:  # the folder was not listed
            try:
                return stat.S_ISLNK(os.lstat(os.path.join(self.path, folder, name)).st_mode)
            except OSError:
                return False  # missing (or not reachable): not a link
        return entry is not False and entry_is_link(entry)

    def _child(self, folder: str, name: str) -> str:
        """:func:`real_child` of the folder ``folder`` below the root (from its listing when listed)."""
        real_folder = self._folder(folder)
        entry = self._listed_entry(folder, name)
        if entry is None:
            return real_child(real_folder, name)
        if entry is not False and entry_is_link(entry):
            return os.path.realpath(os.path.join(real_folder, name))
        return os.path.join(real_folder, name)  # no link there (or missing: the name as written)

    def _folder(self, folder: str) -> str:
        if not folder:
            return self.real
        real = self._folders.get(folder)
        if real is None:
            parent, _, name = folder.rpartition("/")
            real = self._folders[folder] = self._child(parent, name)
        return real


def _names_only(rel: str) -> bool:
    """Is ``rel`` relative and made of plain names only (no empty part, ``.`` or ``..``)?"""
    parts = rel.split("/")
    return os.sep == "/" and not rel.startswith("/") and "" not in parts and "." not in parts and ".." not in parts


def real_child(real_folder: str, name: str) -> str:
    """``os.path.realpath(os.path.join(real_folder, name))`` for a folder already resolved
    and one plain name (not ``.`` or ``..``): one ``lstat``, a link followed in full."""
    path = os.path.join(real_folder, name)
    try:
        if stat.S_ISLNK(os.lstat(path).st_mode):
            return os.path.realpath(path)
    except OSError:
        pass  # missing (or not reachable): realpath keeps the name as written
    return path


class RealPaths:
    """``os.path.realpath`` of many paths in a row (the roots a user named): a folder
    they share is resolved once, then each path costs one ``lstat``. For one pass
    (one command's arguments), not for the life of a process."""

    __slots__ = ("_folders",)

    def __init__(self) -> None:
        self._folders: dict[str, str] = {}

    def __call__(self, path: StrPath) -> str:
        text = os.fspath(path)
        head, name = os.path.split(text)
        if not head or name in ("", ".", ".."):
            return os.path.realpath(text)
        real_head = self._folders.get(head)
        if real_head is None:
            real_head = self._folders[head] = self(head)
        return real_child(real_head, name)


def _inside(real: str, real_root: str) -> str:
    if real != real_root and not real.startswith(real_root.rstrip(os.sep) + os.sep):
        raise ReadRefused(OUTSIDE_NOTE, "outside-root")
    return real


def _target(path: StrPath, root: StrPath | Root | None) -> str:
    if root is None:
        return os.fspath(path)
    if isinstance(root, Root):
        return root.target(path)
    return resolve_inside(root, path)


def open_regular(path: StrPath) -> int:
    """An fd for ``path`` if it is a regular file (checked after a non-blocking open)."""
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise ReadRefused("a symbolic link where a file was expected; not read", "not-regular") from None
        if exc.errno == errno.ENXIO:  # a socket, or a FIFO opened for writing
            raise ReadRefused("not a regular file (a socket or a pipe); not read", "not-regular") from None
        if exc.errno in (errno.ENOENT, errno.EACCES, errno.EPERM):
            raise
        raise ReadRefused(f"cannot read: {exc.strerror or exc}", "io") from None
    try:
        mode = os.fstat(fd).st_mode
    except OSError as exc:  # pragma: no cover - fstat on an open fd
        os.close(fd)
        raise ReadRefused(f"cannot read: {exc.strerror or exc}", "io") from None
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise ReadRefused(f"{_kind_name(mode)}, not a regular file; not read", "not-regular")
    return fd


def open_binary(path: StrPath) -> BinaryIO:
    """A binary file object for a regular file the user named (links followed, then opened as :func:`open_regular`)."""
    return os.fdopen(open_regular(os.path.realpath(path)), "rb")


def read_fd(fd: int, limit: int) -> bytes:
    """At most ``limit`` bytes from ``fd``; raise if there are more."""
    chunks: list[bytes] = []
    total = 0
    while total <= limit:
        try:
            chunk = os.read(fd, min(_CHUNK, limit + 1 - total))
        except BlockingIOError:  # pragma: no cover - regular files never block
            break
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    if total > limit:
        raise ReadRefused(f"over the {limit:,}-byte limit; not read", "too-large")
    return b"".join(chunks)


def read_bytes(path: StrPath, *, root: StrPath | Root | None = None, limit: int = DEFAULT_LIMIT) -> bytes:
    """The bytes of a regular file inside ``root`` (when given), at most ``limit``.

    ``path`` is relative to ``root`` unless absolute. Raises :class:`ReadRefused`
    (or :class:`FileNotFoundError` for a missing file).
    """
    target = _target(path, root)
    fd = open_regular(target)
    try:
        return read_fd(fd, limit)
    finally:
        os.close(fd)


def read_head(path: StrPath, *, root: StrPath | Root | None = None, limit: int = DEFAULT_LIMIT) -> bytes:
    """Like :func:`read_bytes`, but the first ``limit`` bytes of a longer file instead of a refusal."""
    target = _target(path, root)
    fd = open_regular(target)
    try:
        try:
            return read_fd(fd, limit)
        except ReadRefused:
            os.lseek(fd, 0, os.SEEK_SET)
            return os.read(fd, limit) if limit <= _CHUNK else read_fd(fd, limit + 1)[:limit]
    finally:
        os.close(fd)


def read_text(path: StrPath, *, root: StrPath | Root | None = None, limit: int = DEFAULT_LIMIT) -> str:
    """UTF-8 text (a BOM dropped, undecodable bytes replaced) of :func:`read_bytes`."""
    data = read_bytes(path, root=root, limit=limit)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return data.decode("utf-8", "replace")


def is_regular(path: StrPath) -> bool:
    """Is ``path`` itself (no link followed) a regular file? Never opens it."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


# --------------------------------------------------------------------------- folders


def listing(folder: StrPath) -> tuple[Entries, Entries] | None:
    """A folder's entries sorted by name, split as :func:`os.walk` splits them: folders
    (links to folders too) and the rest; ``None`` when it cannot be listed (``os.walk``
    then skips it). One ``scandir``; an entry's kind comes with it (no ``stat`` except
    for a link)."""
    try:
        return _split_listing(folder)
    except OSError:
        return None


def _split_listing(folder: StrPath) -> tuple[Entries, Entries]:
    """:func:`listing`, raising the ``OSError`` of a folder that cannot be listed."""
    folders: Entries = []
    others: Entries = []
    with os.scandir(folder) as entries:
        for entry in entries:
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            (folders if is_dir else others).append(entry)
    folders.sort(key=_BY_NAME)
    others.sort(key=_BY_NAME)
    return folders, others


_BY_NAME = attrgetter("name")


def entry_is_regular(entry: os.DirEntry[str]) -> bool:
    """:func:`is_regular` of a listed entry (its kind usually comes with the listing)."""
    try:
        return entry.is_file(follow_symlinks=False)
    except OSError:
        return False


def entry_is_link(entry: os.DirEntry[str]) -> bool:
    """:func:`os.path.islink` of a listed entry."""
    try:
        return entry.is_symlink()
    except OSError:
        return False


# --------------------------------------------------------------------------- depth


def _too_deep(limit: int, what: str) -> ReadRefused:
    return ReadRefused(f"{what} nests deeper than {limit} levels; not parsed", "too-deep")


_BRACKET_VALUE = {"[": 1, "{": 1, "]": -1, "}": -1}
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


def _bracket_depth(skeleton: str) -> int:
    """Deepest nesting of ``[``/``{`` in a text whose strings and comments are gone."""
    brackets = _NOT_BRACKET.sub("", skeleton)
    if not brackets:
        return 0
    return max(accumulate(_BRACKET_VALUE[c] for c in brackets))


def _cheap_bound(text: str) -> int:
    return text.count("[") + text.count("{")


def json_depth(text: str) -> int:
    """Nesting depth of a JSON (or comment-free JSONC) text, measured without parsing it.

    The strings go first: with the escaped backslashes and quotes taken out, every
    other quote opens or closes one, so the text outside strings is every second
    piece between quotes. Exact for valid JSON; in a text with a backslash outside a
    string (not JSON) the parser stops there, and up to there both agree, so it never
    counts fewer levels than a parser can reach."""
    outside = text.replace("\\\\", "").replace('\\"', "").split('"')[::2]
    return _bracket_depth("".join(outside))


def check_json_depth(text: str, limit: int = MAX_DEPTH, what: str = "JSON") -> None:
    if _cheap_bound(text) > limit and json_depth(text) > limit:
        raise _too_deep(limit, what)


_TOML_SKIP = re.compile(
    r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"[^"\\\n]*(?:\\.[^"\\\n]*)*"|\'[^\'\n]*\'|#[^\n]*'
)


def toml_depth(text: str) -> int:
    """Nesting depth of inline arrays and tables in a TOML text (headers count one level)."""
    return _bracket_depth(_TOML_SKIP.sub("", text))


def check_toml_depth(text: str, limit: int = MAX_DEPTH, what: str = "TOML") -> None:
    if _cheap_bound(text) > limit and toml_depth(text) > limit:
        raise _too_deep(limit, what)




def yaml_shallow(text: str, limit: int = MAX_DEPTH) -> bool:
    """True when ``text`` cannot nest deeper than ``limit`` in YAML, told without parsing.

    Block nesting needs one more column of indentation (or one more ``-``/``?``
    indicator) per level and flow nesting one more bracket; a sequence may sit at
    its parent key's indentation, so two levels can share one column: a text with
    few brackets and no line prefix of ``limit/2`` such characters is shallow.
    """
    if _cheap_bound(text) > limit:
        return False
    # a deep line prefix at the start or after a newline (``^`` of re.M): a pattern that
    # starts with the newline is searched for that character first, not tried at every offset
    prefix = rf"[ \t\-?:]{{{limit // 2 - 1}}}"
    return not (re.match(prefix, text) or re.search("\n" + prefix, text))


def check_yaml_depth(text: str, limit: int = MAX_DEPTH, what: str = "YAML") -> None:
    """Refuse YAML nesting deeper than ``limit`` before anything composes it.

    Block nesting needs one more column of indentation (or one more ``-``/``?``
    indicator) per level and flow nesting one more bracket, so a text whose
    longest line prefix and bracket count are both small cannot be deep; only
    other texts get the exact measure from libyaml's event stream (which keeps
    its own stack and cannot overflow the C stack as composition does).
    """
    if yaml_shallow(text, limit):
        return
    import yaml

    try:
        loader: Any = yaml.CSafeLoader
    except AttributeError:  # pragma: no cover - PyYAML without libyaml
        loader = yaml.SafeLoader
    depth = 0
    try:
        for event in yaml.parse(text, Loader=loader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > limit:
                    err = _too_deep(limit, what)
                    err.line = event.start_mark.line + 1 if event.start_mark else 0
                    raise err
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        return  # the real parse reports the syntax error with its position


def parse_guarded(parse: Callable[[str], Any], text: str, what: str) -> Any:
    """``parse(text)``, with a ``RecursionError`` that still slips through turned into a note."""
    try:
        return parse(text)
    except RecursionError:
        raise _too_deep(MAX_DEPTH, what) from None


def load_json(text: str | bytes, what: str = "JSON", limit: int = MAX_DEPTH) -> Any:
    """``json.loads`` after the depth check. Raises :class:`ReadRefused` or ``ValueError``."""
    import json

    if isinstance(text, bytes):
        text = text.decode("utf-8-sig", "replace")
    check_json_depth(text, limit, what)
    return parse_guarded(json.loads, text, what)


def load_toml(text: str, what: str = "TOML", limit: int = MAX_DEPTH) -> dict[str, Any]:
    """``tomllib.loads`` after the depth check. Raises :class:`ReadRefused` or ``TOMLDecodeError``."""
    import tomllib

    check_toml_depth(text, limit, what)
    result: dict[str, Any] = parse_guarded(tomllib.loads, text, what)
    return result


def load_yaml(text: str, what: str = "YAML", limit: int = MAX_DEPTH) -> Any:
    """A safe-loaded YAML document after the depth check (libyaml's loader when present)."""
    import yaml

    try:
        loader: Any = yaml.CSafeLoader
    except AttributeError:  # pragma: no cover
        loader = yaml.SafeLoader
    check_yaml_depth(text, limit, what)
    return parse_guarded(lambda t: yaml.load(t, Loader=loader), text, what)  # noqa: S506 - safe loaders only
