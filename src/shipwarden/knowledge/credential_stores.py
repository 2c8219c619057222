"""The credential-store catalogue (``data/credential_stores.toml``) as typed objects.

The one source of where credentials live on a developer machine or a runner:

* ``endpoint`` sweeps every store it lists;
* ``deps`` asks :func:`credential_path_globs` which home paths an install
  script should never read (``deps/analysis/indicators.py``);
* ``detonate`` plants bait in every store (``detonate/bait.py``; its own
  templates must name catalogued stores, see :meth:`Catalogue.store_for`).
"""

from __future__ import annotations

import enum
import fnmatch
from dataclasses import dataclass
from functools import cache
from typing import Any

from shipwarden.core.tables import load_table

FORMATS = frozenset(
    {"json", "toml", "ini", "npmrc", "yaml", "netrc", "env", "sqlite", "plain", "pem", "ssh-key", "text", "history"}
)
CATEGORIES = frozenset({"ai-agent", "registry", "git", "cloud", "secret-manager", "ssh", "history", "env-file"})


class Publish(enum.Enum):
    """Whether a store's credential can publish packages or push code."""

    ALWAYS = "always"
    BY_TOKEN = "by-token"
    NEVER = "never"


class OS(enum.Enum):
    LINUX = "linux"
    MACOS = "macos"


@dataclass(frozen=True, slots=True)
class KeySpec:
    """A key path inside a parsed store (dotted, ``*`` = any key or list index)."""

    path: str
    decode: str = ""  # "" or "base64"
    #: A map of environment variables or headers: a value counts only under a
    #: secret-looking name or when it has a known token format.
    only_secret_names: bool = False

    def matches(self, key_path: str) -> bool:
        return fnmatch.fnmatchcase(key_path, self.path)


@dataclass(frozen=True, slots=True)
class FlagSpec:
    """A configuration setting that makes a tool store credentials in plain text."""

    path: str
    value: str  # regex on the setting's value
    message: str


@dataclass(frozen=True, slots=True)
class StoreEntry:
    id: str
    name: str
    category: str
    credential: str
    #: Globs relative to the home directory, for both operating systems.
    paths: tuple[str, ...]
    linux: tuple[str, ...]
    macos: tuple[str, ...]
    exclude: tuple[str, ...]
    format: str
    format_by_suffix: tuple[tuple[str, str], ...]
    keys: tuple[KeySpec, ...]
    flags: tuple[FlagSpec, ...]
    ignore: tuple[str, ...]
    publish: Publish
    fix: str
    rule_id: str
    #: the credentials of one file are one login session that one logout removes (an AWS SSO
    #: cache's access token, refresh token and client secret): reported as one finding per file
    session: bool = False

    def globs(self, os: OS | None = None) -> tuple[str, ...]:
        """Path globs relative to home; all operating systems when ``os`` is None."""
        extra: tuple[str, ...]
        if os is OS.LINUX:
            extra = self.linux
        elif os is OS.MACOS:
            extra = self.macos
        else:
            extra = self.linux + tuple(p for p in self.macos if p not in self.linux)
        return self.paths + extra

    def excluded(self, basename: str) -> bool:
        return any(fnmatch.fnmatchcase(basename, pat) for pat in self.exclude)

    def format_for(self, basename: str) -> str:
        for suffix, fmt in self.format_by_suffix:
            if basename.endswith(suffix):
                return fmt
        return self.format

    def ignored(self, key_path: str) -> bool:
        return any(fnmatch.fnmatchcase(key_path, pat) for pat in self.ignore)

    def key_spec(self, key_path: str) -> KeySpec | None:
        for spec in self.keys:
            if spec.matches(key_path):
                return spec
        return None


@dataclass(frozen=True, slots=True)
class NameRules:
    """Names (fnmatch, case-insensitive) that hold secrets, minus exceptions."""

    secret: tuple[str, ...]
    not_secret: tuple[str, ...]

    def is_secret(self, name: str) -> bool:
        low = name.lower()
        return any(fnmatch.fnmatchcase(low, p) for p in self.secret) and not any(
            fnmatch.fnmatchcase(low, p) for p in self.not_secret
        )


@dataclass(frozen=True, slots=True)
class EnvironmentRules:
    publish: tuple[str, ...]
    names: NameRules

    def is_publish(self, name: str) -> bool:
        return any(fnmatch.fnmatchcase(name.upper(), p.upper()) for p in self.publish)


@dataclass(frozen=True, slots=True)
class IncludeRules:
    env_globs: tuple[str, ...]
    exclude: tuple[str, ...]
    skip_dirs: frozenset[str]
    max_depth: int
    max_files: int

    def wanted(self, basename: str) -> bool:
        return any(fnmatch.fnmatchcase(basename, p) for p in self.env_globs) and not any(
            fnmatch.fnmatchcase(basename, p) for p in self.exclude
        )


@dataclass(frozen=True, slots=True)
class Catalogue:
    stores: tuple[StoreEntry, ...]
    secret_keys: NameRules
    environment: EnvironmentRules
    include: IncludeRules
    #: Store used for .env files found under --include trees.
    include_store: StoreEntry

    def store(self, store_id: str) -> StoreEntry:
        for entry in self.stores:
            if entry.id == store_id:
                return entry
        raise KeyError(store_id)

    def store_for(self, home_path: str) -> StoreEntry | None:
        """The store a path relative to home (``.aws/credentials``, ``~/.npmrc``) belongs to, on any OS."""
        rel = home_path.removeprefix("~/").lstrip("/")
        base = rel.rsplit("/", 1)[-1]
        for entry in self.stores:
            if not entry.excluded(base) and any(fnmatch.fnmatchcase(rel, glob) for glob in entry.globs()):
                return entry
        return None


def _key_spec(raw: str | dict[str, Any]) -> KeySpec:
    if isinstance(raw, str):
        return KeySpec(raw)
    return KeySpec(str(raw["path"]), str(raw.get("decode", "")), bool(raw.get("only_secret_names", False)))


def _store(raw: dict[str, Any], categories: dict[str, str]) -> StoreEntry:
    fmt = str(raw["format"])
    category = str(raw["category"])
    by_suffix = tuple((str(k), str(v)) for k, v in raw.get("format_by_suffix", {}).items())
    for f in (fmt, *(v for _, v in by_suffix)):
        if f not in FORMATS:
            raise ValueError(f"store {raw['id']}: unknown format {f!r}")
    if category not in CATEGORIES:
        raise ValueError(f"store {raw['id']}: unknown category {category!r}")
    return StoreEntry(
        id=str(raw["id"]),
        name=str(raw["name"]),
        category=category,
        credential=str(raw["credential"]),
        paths=tuple(raw.get("paths", ())),
        linux=tuple(raw.get("linux", ())),
        macos=tuple(raw.get("macos", ())),
        exclude=tuple(raw.get("exclude", ())),
        format=fmt,
        format_by_suffix=by_suffix,
        keys=tuple(_key_spec(k) for k in raw.get("keys", ())),
        flags=tuple(FlagSpec(str(f["path"]), str(f["value"]), str(f["message"])) for f in raw.get("flags", ())),
        ignore=tuple(raw.get("ignore", ())),
        publish=Publish(raw.get("publish", "by-token")),
        fix=str(raw["fix"]),
        rule_id=categories[category],
        session=bool(raw.get("session", False)),
    )


def parse_catalogue(data: dict[str, Any]) -> Catalogue:
    categories = {str(k): str(v) for k, v in data["categories"].items()}
    stores = tuple(_store(raw, categories) for raw in data["store"])
    ids = [s.id for s in stores]
    if len(ids) != len(set(ids)):
        raise ValueError("duplicate store ids in the credential catalogue")
    env = data["environment"]
    inc = data["include"]
    catalogue = Catalogue(
        stores=stores,
        secret_keys=NameRules(tuple(data["secret_names"]["keys"]), tuple(data["secret_names"]["not_secret"])),
        environment=EnvironmentRules(
            publish=tuple(env["publish"]),
            names=NameRules(tuple(p.lower() for p in env["secret"]), tuple(p.lower() for p in env["not_secret"])),
        ),
        include=IncludeRules(
            env_globs=tuple(inc["env_globs"]),
            exclude=tuple(inc["exclude"]),
            skip_dirs=frozenset(inc["skip_dirs"]),
            max_depth=int(inc["max_depth"]),
            max_files=int(inc["max_files"]),
        ),
        include_store=next(s for s in stores if s.category == "env-file"),
    )
    return catalogue


@cache
def load_catalogue() -> Catalogue:
    """The packaged catalogue, parsed once."""
    return parse_catalogue(load_table("shipwarden", "credential_stores.toml"))


def credential_path_globs(os: OS | None = None) -> tuple[str, ...]:
    """Every catalogued credential path glob, relative to home (``.npmrc``, ``.ssh/*`` …).

    For ``deps``: an install script that reads one of these is harvesting
    credentials. Prefix with ``~/`` or ``$HOME/`` when matching script text.
    """
    seen: dict[str, None] = {}
    for entry in load_catalogue().stores:
        for glob in entry.globs(os):
            seen.setdefault(glob, None)
    return tuple(seen)
