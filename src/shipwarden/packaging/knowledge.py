"""Load the gate's data tables (``shipwarden/data/never_ship.toml``, ``install_time.toml``)."""

from __future__ import annotations

import fnmatch
import functools
import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any

from shipwarden.config import glob_match
from shipwarden.findings import Tier


@dataclass(frozen=True, slots=True)
class NeverShip:
    id: str
    category: str
    patterns: tuple[str, ...]
    exceptions: tuple[str, ...]
    tier: Tier
    reason: str

    def matches(self, path: str) -> str | None:
        """The pattern that matches ``path`` (None when none does or an exception applies)."""
        name = path.rsplit("/", 1)[-1]
        if any(fnmatch.fnmatchcase(name, e) or glob_match(e, path) for e in self.exceptions):
            return None
        for pattern in self.patterns:
            if glob_match(pattern, path):
                return pattern
        return None


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


def _table(name: str) -> dict[str, Any]:
    text = resources.files("shipwarden").joinpath("data", name).read_text(encoding="utf-8")
    return tomllib.loads(text)


@functools.cache
def never_ship() -> tuple[NeverShip, ...]:
    data = _table("never_ship.toml")
    return tuple(
        NeverShip(
            id=e["id"],
            category=e["category"],
            patterns=tuple(e["patterns"]),
            exceptions=tuple(e.get("except", ())),
            tier=Tier.parse(e["tier"]),
            reason=e["reason"],
        )
        for e in data["entry"]
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
    )


def suspicious(text: str, markers: tuple[str, ...]) -> list[str]:
    low = text.lower()
    return [m.strip() for m in markers if m in low]
