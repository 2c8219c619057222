"""What a project's package-manager configuration lets dependencies run at install.

Read from the project folder: ``package.json`` (npm ``allowScripts``, pnpm's
``pnpm.onlyBuiltDependencies`` / ``neverBuiltDependencies``, bun
``trustedDependencies``, LavaMoat ``lavamoat.allowScripts``, yarn
``dependenciesMeta.*.built``), ``.npmrc`` / ``.yarnrc`` (``ignore-scripts``),
``.yarnrc.yml`` (``enableScripts``) and ``pnpm-workspace.yaml`` (``allowBuilds``,
``onlyBuiltDependencies``, ``dangerouslyAllowAllBuilds``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from shipwarden.core import safeio
from shipwarden.deps.model import SourceKind
from shipwarden.deps.shapes import as_dict

_TRUE = frozenset({"true", "1", "yes", "on"})
MAX_CONFIG_BYTES = 1024 * 1024


class Decision(enum.StrEnum):
    RUNS = "runs"  # nothing stops it
    ALLOWED = "allowed"  # an allowlist names it
    BLOCKED = "blocked"  # a setting stops it
    DEFAULT_BLOCKED = "blocked-by-default"  # the package manager's default stops it


@dataclass(slots=True)
class Policy:
    """Install-script settings of one project folder (root-relative ``folder``)."""

    folder: str
    manager: str = "npm"  # npm, pnpm, yarn, yarn-berry, bun
    ignore_scripts: str = ""  # the file that sets it, "" when unset
    npm_allow: dict[str, bool] | None = None
    pnpm_allow: dict[str, bool] | None = None
    pnpm_only: set[str] | None = None
    pnpm_never: set[str] = field(default_factory=set)
    pnpm_all: bool = False
    bun_trusted: set[str] | None = None
    lavamoat: dict[str, bool] | None = None
    yarn_enable_scripts: bool = True
    yarn_not_built: set[str] = field(default_factory=set)
    #: Files the settings came from.
    files: list[str] = field(default_factory=list)

    @property
    def gated(self) -> bool:
        """Does the configuration keep unknown dependencies' scripts from running?"""
        if self.ignore_scripts or self.lavamoat is not None:
            return True
        if self.manager == "npm":
            return self.npm_allow is not None
        if self.manager == "pnpm":
            return not self.pnpm_all and (self.pnpm_allow is not None or self.pnpm_only is not None or not self.pnpm_never)
        if self.manager == "bun":
            return True
        if self.manager == "yarn-berry":
            return not self.yarn_enable_scripts
        return False

    def decide(self, name: str, version: str, source: SourceKind) -> tuple[Decision, str]:
        """Whether this project's installs run ``name``'s install-time code, and why."""
        ident = f"{name}@{version}" if version else name
        if self.lavamoat is not None:
            verdict = _lookup(self.lavamoat, name, version)
            if verdict is not None:
                return (Decision.ALLOWED, "LavaMoat allowScripts: true") if verdict else (Decision.BLOCKED, "LavaMoat allowScripts: false")
            if self.ignore_scripts:
                return Decision.BLOCKED, f"not in LavaMoat allowScripts; ignore-scripts in {self.ignore_scripts}"
        if self.ignore_scripts:
            return Decision.BLOCKED, f"ignore-scripts=true in {self.ignore_scripts}"
        if self.manager == "npm":
            if self.npm_allow is None:
                return Decision.RUNS, "npm runs every dependency's install scripts: no allowScripts, no ignore-scripts"
            verdict = _lookup(self.npm_allow, name, version)
            if verdict is True:
                return Decision.ALLOWED, f"allowScripts allows {ident}"
            if verdict is False:
                return Decision.BLOCKED, f"allowScripts denies {name}"
            return Decision.RUNS, "not in allowScripts: npm 11 only warns and runs it; npm 12 blocks it"
        if self.manager == "pnpm":
            if self.pnpm_all:
                return Decision.RUNS, "dangerouslyAllowAllBuilds: true"
            if self.pnpm_allow is not None:
                verdict = _lookup(self.pnpm_allow, name, version)
                if verdict is not None:
                    return (Decision.ALLOWED, "allowBuilds: true") if verdict else (Decision.BLOCKED, "allowBuilds: false")
            if self.pnpm_only is not None:
                if name in self.pnpm_only or ident in self.pnpm_only:
                    return Decision.ALLOWED, "listed in onlyBuiltDependencies"
                return Decision.BLOCKED, "not in onlyBuiltDependencies"
            if name in self.pnpm_never:
                return Decision.BLOCKED, "listed in neverBuiltDependencies"
            if self.pnpm_never:
                return Decision.RUNS, "pnpm runs it: only neverBuiltDependencies is set (a denylist)"
            return Decision.DEFAULT_BLOCKED, "pnpm 10+ blocks builds not in allowBuilds; pnpm 9 and older run them"
        if self.manager == "bun":
            if self.bun_trusted is not None and name in self.bun_trusted:
                return Decision.ALLOWED, "listed in trustedDependencies"
            if source is not SourceKind.REGISTRY:
                return Decision.BLOCKED, "bun runs scripts of non-registry dependencies only when trustedDependencies lists them"
            return Decision.DEFAULT_BLOCKED, "not in trustedDependencies; bun still runs packages on its built-in default list"
        if self.manager == "yarn-berry":
            if not self.yarn_enable_scripts:
                return Decision.BLOCKED, "enableScripts: false in .yarnrc.yml"
            if name in self.yarn_not_built:
                return Decision.BLOCKED, "dependenciesMeta built: false"
            return Decision.RUNS, "yarn runs dependency scripts: enableScripts is not false"
        return Decision.RUNS, "yarn classic runs every dependency's install scripts: no ignore-scripts"


def _lookup(table: dict[str, bool], name: str, version: str) -> bool | None:
    if version and f"{name}@{version}" in table:
        return table[f"{name}@{version}"]
    if name in table:
        return table[name]
    # LavaMoat keys are dependency paths (`a>b`): the last part is the package.
    for key, value in table.items():
        if key.rsplit(">", 1)[-1] == name:
            return value
    return None


def _read(path: Path, root: Path) -> str | None:
    """A project configuration file's text: a regular file inside ``root``, bounded; else ``None``."""
    try:
        return safeio.read_text(path, root=root, limit=MAX_CONFIG_BYTES)
    except OSError:
        return None


def _bool_map(value: Any) -> dict[str, bool] | None:
    if isinstance(value, dict):
        return {str(k): bool(v) for k, v in value.items()}
    if isinstance(value, list):
        return {str(v): True for v in value}
    return None


def _ini_flag(text: str, key: str) -> bool:
    for line in text.splitlines():
        line = line.split("#", 1)[0].split(";", 1)[0].strip()
        if not line:
            continue
        k, sep, v = line.partition("=") if "=" in line else line.partition(" ")
        if k.strip() == key and v.strip().strip("'\"").lower() in _TRUE:
            return True
    return False


def read_policy(root: Path, folder: str, manager: str) -> Policy:
    """The install-script policy of the project in root-relative ``folder``."""
    base = root / folder if folder else root
    policy = Policy(folder, manager)

    def rel(name: str) -> str:
        return f"{folder}/{name}" if folder else name

    for rc in (".npmrc", ".yarnrc"):
        text = _read(base / rc, root)
        if text is not None:
            policy.files.append(rel(rc))
            if _ini_flag(text, "ignore-scripts"):
                policy.ignore_scripts = rel(rc)
    text = _read(base / "package.json", root)
    if text is not None:
        try:
            manifest = safeio.load_json(text, "package.json")
        except ValueError:
            manifest = {}
        if isinstance(manifest, dict):
            policy.files.append(rel("package.json"))
            policy.npm_allow = _bool_map(manifest.get("allowScripts"))
            pnpm = as_dict(manifest.get("pnpm"))
            if "onlyBuiltDependencies" in pnpm:
                policy.pnpm_only = set(map(str, pnpm.get("onlyBuiltDependencies") or []))
            policy.pnpm_never = set(map(str, pnpm.get("neverBuiltDependencies") or []))
            if "allowBuilds" in pnpm:
                policy.pnpm_allow = _bool_map(pnpm["allowBuilds"])
            policy.pnpm_all = bool(pnpm.get("dangerouslyAllowAllBuilds", False))
            if isinstance(manifest.get("trustedDependencies"), list):
                policy.bun_trusted = set(map(str, manifest["trustedDependencies"]))
            lavamoat = manifest.get("lavamoat")
            if isinstance(lavamoat, dict) and "allowScripts" in lavamoat:
                policy.lavamoat = _bool_map(lavamoat["allowScripts"]) or {}
            meta = manifest.get("dependenciesMeta")
            if isinstance(meta, dict):
                policy.yarn_not_built = {
                    str(k).rsplit("@", 1)[0] if str(k).rfind("@") > 0 else str(k)
                    for k, v in meta.items()
                    if isinstance(v, dict) and v.get("built") is False
                }
    text = _read(base / "pnpm-workspace.yaml", root)
    if text is not None:
        try:
            ws = safeio.load_yaml(text, "pnpm-workspace.yaml")
        except (yaml.YAMLError, ValueError):
            ws = None
        if isinstance(ws, dict):
            policy.files.append(rel("pnpm-workspace.yaml"))
            if "allowBuilds" in ws:
                policy.pnpm_allow = _bool_map(ws["allowBuilds"])
            if "onlyBuiltDependencies" in ws:
                policy.pnpm_only = set(map(str, ws.get("onlyBuiltDependencies") or []))
            if ws.get("neverBuiltDependencies"):
                policy.pnpm_never |= set(map(str, ws["neverBuiltDependencies"]))
            if ws.get("dangerouslyAllowAllBuilds"):
                policy.pnpm_all = True
    text = _read(base / ".yarnrc.yml", root)
    if text is not None:
        try:
            yrc = safeio.load_yaml(text, ".yarnrc.yml")
        except (yaml.YAMLError, ValueError):
            yrc = None
        if isinstance(yrc, dict):
            policy.files.append(rel(".yarnrc.yml"))
            if str(yrc.get("enableScripts", True)).lower() in ("false", "0"):
                policy.yarn_enable_scripts = False
    return policy
