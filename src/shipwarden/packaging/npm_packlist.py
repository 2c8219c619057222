"""npm's packlist rules, ported: the files ``npm pack``/``npm publish`` would include.

A faithful port of npm-packlist 10 (npm 11) over ignore-walk 8 and minimatch 10:

* ``files`` in package.json: everything else is excluded, and the root
  ``.npmignore``/``.gitignore`` stop applying (nested ignore files still do);
* otherwise ``.npmignore`` replaces ``.gitignore`` (in each directory);
* always included: ``package.json``, root ``README*``/``LICENSE*``/``LICENCE*``/
  ``COPYING*``, and the ``main``, ``browser`` and ``bin`` targets;
* always excluded: ``.git``, ``.svn``, ``.hg``, ``CVS``, ``node_modules`` (but
  bundled dependencies), ``.npmrc``, lockfiles, ``.DS_Store``, ``._*``,
  ``.*.swp``, ``*.orig``, ``npm-debug.log``, ``/build/config.gypi`` …;
* symbolic links and names containing ``*`` are skipped.

Workspaces are not modelled: for a workspace root prefer ``npm pack`` itself.
"""

from __future__ import annotations

import os
import posixpath
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shipwarden.core import safeio
from shipwarden.packaging.minimatch import Minimatch

DEFAULT_RULES = "\0default"
STRICT_RULES = "\0strict"

DEFAULTS = [
    ".npmignore",
    ".gitignore",
    "**/.git",
    "**/.svn",
    "**/.hg",
    "**/CVS",
    "**/.git/**",
    "**/.svn/**",
    "**/.hg/**",
    "**/CVS/**",
    "/.lock-wscript",
    "/.wafpickle-*",
    "/build/config.gypi",
    "npm-debug.log",
    "**/.npmrc",
    ".*.swp",
    ".DS_Store",
    "**/.DS_Store/**",
    "._*",
    "**/._*/**",
    "*.orig",
    "/archived-packages/**",
]

STRICT_DEFAULTS = ["/.git"]

PACKAGE_STRICT = [
    "!/package.json",
    "!/readme{,.*[^~$]}",
    "!/copying{,.*[^~$]}",
    "!/license{,.*[^~$]}",
    "!/licence{,.*[^~$]}",
    "/.git",
    "/node_modules",
    ".npmrc",
    "/package-lock.json",
    "/yarn.lock",
    "/pnpm-lock.yaml",
    "/bun.lockb",
]

ROOT_IGNORE_FILES = [DEFAULT_RULES, "package.json", ".npmignore", ".gitignore", STRICT_RULES]
CHILD_IGNORE_FILES = [DEFAULT_RULES, ".npmignore", ".gitignore", STRICT_RULES]


class PacklistError(Exception):
    pass


def _rules(text: str) -> list[Minimatch]:
    out = []
    for line in text.replace("\r\n", "\n").split("\n"):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        out.append(Minimatch.compile(stripped))
    return out


def _node_join_slice(value: str) -> str:
    """``path.join('/', value).slice(1)`` as npm-normalize-package-bin does it."""
    return posixpath.normpath("/" + value.replace("\\", "/")).lstrip("/") if value else ""


def normalize_manifest(pkg: dict[str, Any], root: Path | None = None) -> dict[str, Any]:
    """The fields of package.json that packing reads, normalised the way npm does."""
    data = dict(pkg)
    if data.get("bundleDependencies") is None and data.get("bundledDependencies") is not None:
        data["bundleDependencies"] = data["bundledDependencies"]
    data.pop("bundledDependencies", None)
    bd = data.get("bundleDependencies")
    if bd is True:
        data["bundleDependencies"] = list((data.get("dependencies") or {}).keys())
    elif bd is False:
        data["bundleDependencies"] = []
    elif isinstance(bd, dict):
        data["bundleDependencies"] = list(bd.keys())
    elif bd is not None and not isinstance(bd, list):
        data.pop("bundleDependencies", None)
    directories = data.get("directories")
    bin_dir = directories.get("bin") if isinstance(directories, dict) else None
    if isinstance(bin_dir, str) and not data.get("bin") and root is not None:
        clean = _node_join_slice(bin_dir)
        base = root / clean
        bins: dict[str, str] = {}
        if base.is_dir():
            for dirpath, dirnames, filenames in os.walk(base):
                dirnames[:] = [d for d in dirnames if not d.startswith(".")]
                for name in [*dirnames, *filenames]:
                    if name.startswith("."):
                        continue
                    rel = os.path.relpath(os.path.join(dirpath, name), base).replace(os.sep, "/")
                    bins[posixpath.basename(rel)] = f"{clean}/{rel}"
        data["bin"] = bins
    else:
        data["bin"] = normalize_bin(data)
    if not data["bin"]:
        data.pop("bin")
    return data


def normalize_bin(pkg: dict[str, Any]) -> dict[str, str]:
    raw = pkg.get("bin")
    if not raw:
        return {}
    if isinstance(raw, str):
        name = pkg.get("name")
        if not isinstance(name, str) or not name:
            return {}
        raw = {name: raw}
    elif isinstance(raw, list):
        raw = {posixpath.basename(str(k)): k for k in raw}
    if not isinstance(raw, dict):
        return {}
    clean: dict[str, str] = {}
    for key, target in raw.items():
        base = _node_join_slice(posixpath.basename(str(key).replace("\\", "/").replace(":", "/")))
        if not isinstance(target, str) or not base:
            continue
        value = _node_join_slice(target)
        if value:
            clean[base] = value
    return clean


@dataclass
class _Context:
    result: set[str] = field(default_factory=set)
    seen: set[str] = field(default_factory=set)


class _Walker:
    def __init__(
        self,
        path: Path,
        *,
        ctx: _Context,
        pkg: dict[str, Any] | None,
        ignore_files: list[str],
        parent: _Walker | None = None,
        root: Path | None = None,
        is_package: bool = False,
        required_files: list[str] | None = None,
        exact: bool = False,
    ) -> None:
        self.path = path
        self.basename = path.name
        self.ctx = ctx
        self.pkg = pkg
        self.ignore_files = ignore_files
        self.parent = parent
        self.root = root if root is not None else path
        self.is_package = is_package
        self.required_files = list(required_files or [])
        self.exact = exact
        self.rules: dict[str, list[Minimatch] | None] = {}
        self.rules[DEFAULT_RULES] = _rules("\n".join(DEFAULTS))
        if not is_package:
            self.rules[STRICT_RULES] = _rules("\n".join([*STRICT_DEFAULTS, *(f"!{f}" for f in self.required_files)]))

    # ignore-walk: readdir, read ignore files, filter
    def walk(self) -> None:
        try:
            entries = os.listdir(self.path)
        except OSError as exc:
            raise PacklistError(f"cannot list {self.path}: {exc}") from None
        if not entries:
            return
        for name in entries:
            if name in self.ignore_files:
                self._add_ignore_file(name)
        self._filter_entries(entries)

    def _add_ignore_file(self, name: str) -> None:
        if name == "package.json" and self.is_package:
            self._process_package()
            return
        try:
            text = safeio.read_text(self.path / name, root=self.root, limit=MAX_IGNORE_FILE_BYTES)
        except OSError as exc:
            raise PacklistError(f"cannot read {self.path / name}: {exc}") from None
        self.rules[name] = _rules(text)

    def _process_package(self) -> None:
        pkg = self.pkg or {}
        ignores: list[str] = []
        strict = [*STRICT_DEFAULTS, *PACKAGE_STRICT]
        files = pkg.get("files")
        if isinstance(files, list) and files is not None:
            for entry in files:
                if not isinstance(entry, str):
                    continue
                file = entry
                if file.startswith("./"):
                    file = file[1:]
                if file.endswith("/*"):
                    file += "*"
                inverse = f"!{file}"
                target = self.path / file.lstrip("!").lstrip("/") if file.lstrip("!") else self.path
                try:
                    st = os.lstat(target)
                except OSError:
                    ignores.append(inverse)
                    continue
                if stat.S_ISREG(st.st_mode):
                    strict.insert(0, inverse)
                    self.required_files.append(file[1:] if file.startswith("/") else file)
                elif stat.S_ISDIR(st.st_mode):
                    ignores.append(inverse)
                    ignores.append(f"{inverse}/**")
            self.rules["package.json"] = _rules("\n".join(["*", *ignores]))
        browser = pkg.get("browser")
        if browser:
            strict.append(f"!/{browser if isinstance(browser, str) else '[object Object]'}")
        main = pkg.get("main")
        if main:
            strict.append(f"!/{main}")
        bins = pkg.get("bin")
        if isinstance(bins, dict):
            for target in bins.values():
                strict.append(f"!/{target}")
        self.rules[STRICT_RULES] = _rules("\n".join(strict))

    def _filter_entries(self, entries: list[str]) -> None:
        if self.rules.get("package.json"):
            self.rules[".npmignore"] = None
            self.rules[".gitignore"] = None
        elif self.rules.get(".npmignore"):
            self.rules[".gitignore"] = None
        for entry in entries:
            pass_file = self.filter_entry(entry)
            pass_dir = self.filter_entry(entry, partial=True)
            if not (pass_file or pass_dir):
                continue
            if "*" in entry:
                continue
            full = self.path / entry
            try:
                st = os.lstat(full)
            except OSError as exc:
                raise PacklistError(f"cannot stat {full}: {exc}") from None
            if stat.S_ISDIR(st.st_mode):
                if pass_dir:
                    self._child(entry, exact=pass_file or self.filter_entry(entry + "/"))
            elif stat.S_ISREG(st.st_mode) and pass_file:
                self.ctx.result.add(full.relative_to(self.root).as_posix())

    def _child(self, entry: str, exact: bool) -> None:
        required = []
        for file in self.required_files:
            if posixpath.dirname(posixpath.normpath(file)) == entry:
                required.append(posixpath.basename(posixpath.normpath(file)))
        child = _Walker(
            self.path / entry,
            ctx=self.ctx,
            pkg=self.pkg,
            ignore_files=CHILD_IGNORE_FILES,
            parent=self,
            root=self.root,
            required_files=required,
            exact=exact,
        )
        child.walk()

    def filter_entry(self, entry: str, partial: bool = False, entry_basename: str | None = None) -> bool:
        included = True
        if self.parent is not None:
            included = self.parent.filter_entry(self.basename + "/" + entry, partial, entry_basename or entry)
            if not included and not self.exact:
                return False
        for name in self.ignore_files:
            rules = self.rules.get(name)
            if not rules:
                continue
            for rule in rules:
                if rule.negate == included:
                    continue
                relative = bool(entry_basename) and any(len(part) <= (1 if part[-1] else 2) for part in rule.glob_parts)
                match = (
                    rule.match("/" + entry)
                    or rule.match(entry)
                    or (
                        partial
                        and (
                            rule.match("/" + entry + "/")
                            or rule.match(entry + "/")
                            or (rule.negate and (rule.match("/" + entry, True) or rule.match(entry, True)))
                            or (
                                relative
                                and (
                                    rule.match("/" + str(entry_basename) + "/")
                                    or rule.match(str(entry_basename) + "/")
                                    or (
                                        rule.negate
                                        and (
                                            rule.match("/" + str(entry_basename), True)
                                            or rule.match(str(entry_basename), True)
                                        )
                                    )
                                )
                            )
                        )
                    )
                )
                if match:
                    included = rule.negate
        return included


#: Largest package.json and ignore file read.
MAX_MANIFEST_BYTES = 4 * 1024 * 1024
MAX_IGNORE_FILE_BYTES = 1024 * 1024


def read_manifest(directory: Path) -> dict[str, Any]:
    path = directory / "package.json"
    try:
        data = safeio.load_json(safeio.read_text(path, root=directory, limit=MAX_MANIFEST_BYTES), "package.json")
    except FileNotFoundError:
        raise PacklistError(f"{path}: no package.json") from None
    except (OSError, ValueError) as exc:
        raise PacklistError(f"{path}: cannot read package.json: {exc}") from None
    if not isinstance(data, dict):
        raise PacklistError(f"{path}: package.json is not a JSON object")
    return data


def _resolve_dep(from_dir: Path, name: str, stop: Path) -> Path | None:
    """Node-style lookup of ``node_modules/<name>`` from ``from_dir`` up to ``stop``."""
    current = from_dir
    while True:
        candidate = current / "node_modules" / name
        if (candidate / "package.json").is_file():
            return candidate
        if current == stop or stop not in current.parents:
            return None
        current = current.parent
        if current.name == "node_modules":
            current = current.parent


def npm_packlist(directory: str | os.PathLike[str]) -> list[str]:
    """Files ``npm pack`` would put in the tarball, relative to ``directory`` (sorted)."""
    root = Path(directory).resolve()
    try:
        manifest = read_manifest(root)
    except PacklistError:
        manifest = {}  # unreadable: the review reports it; list the files as npm would without one
    pkg = normalize_manifest(manifest, root)
    ctx = _Context()
    walker = _Walker(root, ctx=ctx, pkg=pkg, ignore_files=ROOT_IGNORE_FILES, is_package=True)
    walker.walk()
    _gather_bundles(root, root, pkg, ctx, is_root=True)
    return sorted(ctx.result)


def _gather_bundles(project: Path, node_dir: Path, pkg: dict[str, Any], ctx: _Context, is_root: bool) -> None:
    key = str(node_dir)
    if key in ctx.seen:
        return
    ctx.seen.add(key)
    if is_root:
        names = [n for n in pkg.get("bundleDependencies") or [] if isinstance(n, str)]
    else:
        names = [*(pkg.get("dependencies") or {}), *(pkg.get("optionalDependencies") or {})]
    dev = set(pkg.get("devDependencies") or {})
    peer = set(pkg.get("peerDependencies") or {})
    declared = set(pkg.get("dependencies") or {}) | set(pkg.get("optionalDependencies") or {})
    for name in names:
        if name in peer or (name in dev and name not in declared):
            continue
        if is_root and name not in declared:
            continue
        dep_dir = _resolve_dep(node_dir, name, project)
        if dep_dir is None or dep_dir.is_symlink():
            continue  # missing, or a link (npm packs link targets; not modelled)
        try:
            dep_pkg = normalize_manifest(read_manifest(dep_dir), dep_dir)
        except PacklistError:
            continue
        sub = _Context(seen=ctx.seen)
        walker = _Walker(dep_dir, ctx=sub, pkg=dep_pkg, ignore_files=["package.json", STRICT_RULES], is_package=True)
        walker.walk()
        prefix = dep_dir.relative_to(project).as_posix()
        for file in sub.result:
            ctx.result.add(f"{prefix}/{file}")
        _gather_bundles(project, dep_dir, dep_pkg, ctx, is_root=False)
