"""Bait for a detonation: a fake home full of canaries, canary environment variables, a workspace.

Every secret value is a fresh canary (a format-valid fake token of a known
kind, random per run, from :mod:`shipwarden.secrets.fakes`). :class:`Bait`
remembers which bait each canary sits in, so a sighting anywhere later — in a
write, at the network sink — names where it was taken from.
"""

from __future__ import annotations

import base64
import binascii
import enum
import fnmatch
import re
import secrets
import urllib.parse
from dataclasses import dataclass, field
from functools import lru_cache

from shipwarden.core.tables import load_table
from shipwarden.knowledge.credential_stores import StoreEntry, load_catalogue
from shipwarden.secrets.fakes import FAKE_KINDS, fake_token


class Profile(enum.StrEnum):
    LAPTOP = "laptop"
    CI = "ci"


#: Where things are inside the sandbox, per profile.
HOMES = {Profile.LAPTOP: "/home/dev", Profile.CI: "/home/runner"}
USERS = {Profile.LAPTOP: "dev", Profile.CI: "runner"}
WORKSPACES = {Profile.LAPTOP: "/home/dev/src/app", Profile.CI: "/home/runner/work/app/app"}

_PLACEHOLDER = re.compile(r"\{([a-z0-9-]+)\}")


@dataclass(frozen=True, slots=True)
class BaitFile:
    path: str
    content: str
    canary: bool = True
    profiles: tuple[str, ...] = ("laptop", "ci")
    #: hosts these credentials are configured for (their tool's own login there is not exfiltration)
    auth_hosts: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class BaitTable:
    files: tuple[BaitFile, ...]
    env: dict[str, dict[str, str]]


@lru_cache(maxsize=1)
def load_bait_table() -> BaitTable:
    raw = load_table("shipwarden.detonate", "bait.toml")
    files = tuple(
        BaitFile(
            path=str(f["path"]),
            content=str(f["content"]),
            canary=bool(f.get("canary", True)),
            profiles=tuple(f.get("profiles", ("laptop", "ci"))),
            auth_hosts=tuple(str(h).lower() for h in f.get("auth_hosts", ())),
        )
        for f in raw.get("file", [])
    )
    env = {str(k): {str(n): str(v) for n, v in table.items()} for k, table in raw.get("env", {}).items()}
    return BaitTable(files, env)


@dataclass(slots=True)
class Bait:
    profile: Profile
    home: str
    workspace: str
    #: files to create, relative to HOME
    files: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    #: canary value -> where it was planted ("~/.npmrc", "env:NPM_TOKEN", "memory:Runner.Worker")
    canaries: dict[str, str] = field(default_factory=dict)
    #: where a canary was planted ("~/.npmrc") -> the hosts it is configured to authenticate to
    auth_hosts: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: catalogue store id -> the globs (relative to HOME) of its files
    stores: dict[str, tuple[str, ...]] = field(default_factory=dict)
    _salt: int = field(default_factory=lambda: secrets.randbits(48))
    _n: int = 0

    def canary(self, kind: str, where: str) -> str:
        self._n += 1
        if kind not in FAKE_KINDS:
            kind = "generic-secret"
        value = fake_token(kind, self._salt + self._n).strip()
        self.canaries[value] = where
        return value

    def fill(self, template: str, where: str) -> str:
        return _PLACEHOLDER.sub(lambda m: self.canary(m.group(1), where), template)

    def store_of(self, home_rel: str) -> str | None:
        """The catalogue store a path (relative to HOME) belongs to."""
        for store, globs in self.stores.items():
            if any(fnmatch.fnmatchcase(home_rel, g) for g in globs):
                return store
        return None

    def search(self, data: bytes) -> list[str]:
        """Labels of the canaries ``data`` contains (also base64-, hex- or URL-encoded, or reversed)."""
        if not data:
            return []
        text = data.decode("latin-1")
        forms = [text]
        lowered = text.lower()
        found: list[str] = []
        for value, where in self.canaries.items():
            core = value.split("\n")[1] if value.startswith("-----") and "\n" in value else value
            needle = core[:40]
            variants = (
                needle,
                urllib.parse.quote(needle, safe=""),
                needle[::-1],
            )
            hit = any(v in form for v in variants for form in forms)
            if not hit:
                hit = binascii.hexlify(needle.encode()).decode() in lowered or _b64_contains(text, needle)
            if hit and where not in found:
                found.append(where)
        return found


def _b64_contains(text: str, needle: str) -> bool:
    """Whether ``needle`` appears base64-encoded in ``text`` (at any of the three alignments)."""
    raw = needle.encode()
    for shift in range(3):
        chunk = raw[shift:]
        chunk = chunk[: len(chunk) - len(chunk) % 3]
        if len(chunk) < 12:
            continue
        enc = base64.b64encode(chunk).decode()
        if enc in text or enc.replace("+", "-").replace("/", "_") in text:
            return True
    return False


def _plain_path(store: StoreEntry) -> str | None:
    for glob in (*store.paths, *store.linux):
        if not any(c in glob for c in "*?["):
            return glob
    return None


def make_bait(profile: Profile) -> Bait:
    """A fresh set of canaries for ``profile``."""
    table = load_bait_table()
    bait = Bait(profile=profile, home=HOMES[profile], workspace=WORKSPACES[profile])
    catalogue = load_catalogue()
    for store in catalogue.stores:
        bait.stores[store.id] = tuple(store.paths) + tuple(store.linux)
    for f in table.files:
        if profile.value not in f.profiles:
            continue
        bait.files[f.path] = bait.fill(f.content, f"~/{f.path}") if f.canary else f.content
        if f.auth_hosts:
            bait.auth_hosts[f"~/{f.path}"] = f.auth_hosts
    for store in catalogue.stores:
        if any(bait.store_of(p) == store.id for p in bait.files):
            continue
        path = _plain_path(store)
        if path is None or path in bait.files:
            continue
        bait.files[path] = bait.fill("token={generic-secret}\n", f"~/{path}")
    for name, template in {**table.env.get("common", {}), **table.env.get(profile.value, {})}.items():
        bait.env[name] = bait.fill(template, f"env:{name}")
    return bait
