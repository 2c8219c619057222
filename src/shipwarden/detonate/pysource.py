"""Python source distributions for detonate: what ``pip install`` of an sdist runs, and what it needs.

``pip install`` of an sdist (or of a local source tree) makes an isolated
build environment with the project's ``[build-system] requires``, asks the
PEP 517 backend (setuptools' legacy ``setup.py`` when there is no
``pyproject.toml``) to build a wheel, installs that wheel, and from then on
every interpreter start runs its ``.pth`` files. detonate does the same inside
the sandbox:

1. outside the sandbox, the build requirements (and ``pip`` and ``build``) are
   fetched **as wheels only** through the user's pip configuration
   (:func:`shipwarden.packaging.pybuild.fetch_wheels`): code is fetched, none runs;
2. inside, before tracing starts, a build venv gets those wheels installed
   offline (installing a wheel runs none of its code);
3. traced, with the bait home and environment and no network but the sink:
   ``python -m build --wheel --no-isolation`` in the unpacked source (the
   backend's hooks and ``setup.py`` run here), ``pip install --no-deps
   --target`` of the built wheel into the workspace venv, then that venv's
   interpreter starts.
"""

from __future__ import annotations

import ast
import configparser
import email.parser
import re
import shlex
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement

from shipwarden.core import safeio
from shipwarden.packaging.pybuild import BuildError, build_requirements, fetch_wheels

#: where things are inside the sandbox (pip's own temporary-folder names, with a fixed suffix)
SOURCE_ROOT = "/tmp/pip-install-sw"
BUILD_ENV = "/tmp/pip-build-env-sw"
WHEEL_DIR = "/tmp/pip-wheel-sw"
#: the fetched wheels, in the harness's read-only folder (:data:`shipwarden.detonate.run.HARNESS`)
WHEELHOUSE = "/scratch/.sw/ro/wheels"
#: the interpreter inside the sandbox
PYTHON = "/usr/bin/python3"

_PKG_INFO_LIMIT = 1 << 20
_NAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$")


class SourceError(Exception):
    pass


def is_source_tree(folder: Path) -> bool:
    """A Python project that a build backend would build (``pyproject.toml`` or ``setup.py``), not an npm package."""
    return not (folder / "package.json").is_file() and (
        (folder / "setup.py").is_file() or (folder / "pyproject.toml").is_file()
    )


def name_and_version(folder: Path, fallback: str = "") -> tuple[str, str]:
    """The distribution's name and version from ``PKG-INFO`` (an sdist), else ``pyproject.toml``, else ``fallback``

    (the sdist's file or the folder's name, ``name-version``)."""
    try:
        text = safeio.read_text(folder / "PKG-INFO", limit=_PKG_INFO_LIMIT)
        meta = email.parser.HeaderParser().parsestr(text)
        name, version = str(meta.get("Name") or ""), str(meta.get("Version") or "")
        if _NAME.match(name):
            return name, version or "0"
    except (OSError, ValueError):
        pass
    try:
        project = safeio.load_toml(safeio.read_text(folder / "pyproject.toml", limit=_PKG_INFO_LIMIT), "pyproject.toml")
        table = project.get("project")
        if isinstance(table, dict) and _NAME.match(str(table.get("name", ""))):
            return str(table["name"]), str(table.get("version") or "0")
    except (OSError, ValueError):
        pass
    base = re.sub(r"\.(tar\.gz|tgz|zip)$", "", fallback or folder.name)
    stem, _, version = base.rpartition("-")
    if stem and _NAME.match(stem) and version[:1].isdigit():
        return stem, version
    return (base, "0") if _NAME.match(base) else ("source", "0")


def requirements(folder: Path) -> list[str]:
    """The build requirements to fetch as wheels (validated; direct URLs refused)."""
    try:
        return build_requirements(folder)
    except BuildError as exc:
        raise SourceError(str(exc)) from None


_SETUP_PY_LIMIT = 1 << 20


def setup_requires(folder: Path) -> tuple[list[str], list[str]]:
    """What legacy setuptools fetches at build time (``setup_requires``), read without running anything: the
    literal list of ``setup(setup_requires=…)`` in ``setup.py`` and ``[options] setup_requires`` in
    ``setup.cfg``. Returns (requirements, coverage notes): a computed value, or one that is not a plain
    requirement (a URL), is a note, not a guess."""
    reqs: list[str] = []
    notes: list[str] = []
    try:
        tree = ast.parse(safeio.read_text(folder / "setup.py", limit=_SETUP_PY_LIMIT), "setup.py")
    except FileNotFoundError:
        tree = None
    except (OSError, ValueError, SyntaxError, RecursionError, MemoryError):
        tree = None
        notes.append("setup.py could not be parsed: whether it asks for setup_requires is not known")
    for node in ast.walk(tree) if tree is not None else ():
        if not isinstance(node, ast.Call):
            continue
        for kw in node.keywords:
            if kw.arg != "setup_requires":
                continue
            try:
                value = ast.literal_eval(kw.value)
            except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
                notes.append(f"setup.py computes setup_requires (line {kw.value.lineno}): not fetched beforehand, "
                             "so setuptools' own download of it fails in the sandbox and the build may stop there")
                continue
            items = [value] if isinstance(value, str) else value if isinstance(value, (list, tuple)) else []
            reqs += [v for v in items if isinstance(v, str)]
    try:
        cfg = configparser.ConfigParser(interpolation=None)
        cfg.read_string(safeio.read_text(folder / "setup.cfg", limit=_SETUP_PY_LIMIT), "setup.cfg")
        raw = cfg.get("options", "setup_requires", fallback="")
        reqs += [line.strip() for line in re.split(r"[\n;]", raw) if line.strip() and not line.strip().startswith("#")]
    except FileNotFoundError:
        pass
    except (OSError, ValueError, configparser.Error):
        notes.append("setup.cfg could not be read: whether it asks for setup_requires is not known")
    out: list[str] = []
    for text in dict.fromkeys(reqs):
        try:
            req = Requirement(text)
        except InvalidRequirement:
            notes.append(f"setup_requires {text[:80]!r} is not a requirement pip can fetch as a wheel: not fetched")
            continue
        if req.url:
            notes.append(f"setup_requires {req.name} is a direct URL: not fetched (only wheels from your index)")
            continue
        out.append(str(req))
    return out, notes


def fetch(reqs: list[str], dest: Path, python_version: str, timeout: float = 600.0) -> None:
    """The build's wheels (``pip``, ``build`` and ``reqs``) through the user's pip configuration, outside the sandbox."""
    try:
        fetch_wheels(reqs, dest, timeout, python_version)
    except BuildError as exc:
        raise SourceError(str(exc)) from None
    if not any(dest.glob("pip-*.whl")):
        raise SourceError("pip's own wheel was not fetched: the build environment cannot be made")


def setup_steps(reqs: list[str]) -> str:
    """Shell run by the launcher before tracing: the build venv with the fetched wheels, offline."""
    quoted = " ".join(shlex.quote(r) for r in ["pip", "build", *reqs])
    return f"""
{PYTHON} -m venv --without-pip {BUILD_ENV} || echo "the build venv could not be made" >> /scratch/.sw/notes
pipwheel=$(ls {WHEELHOUSE}/pip-*.whl 2>/dev/null | head -n 1)
PIP_CONFIG_FILE=/dev/null HOME=/nonexistent {BUILD_ENV}/bin/python "$pipwheel/pip" install --quiet --no-index \\
    --no-cache-dir --disable-pip-version-check --only-binary=:all: --find-links {WHEELHOUSE} {quoted} \\
    >/scratch/.sw/build-env.log 2>&1 || echo "the build requirements did not install: $(tail -n 1 /scratch/.sw/build-env.log)" >> /scratch/.sw/notes
"""


def build_command() -> list[str]:
    """pip's build step: the PEP 517 ``build_wheel`` hook (``setup.py`` for legacy projects) in the unpacked source."""
    return [f"{BUILD_ENV}/bin/python", "-m", "build", "--wheel", "--no-isolation", "--skip-dependency-check",
            "--outdir", WHEEL_DIR, "."]


def install_prefix(site: str) -> list[str]:
    """pip's install step (the start of its argv): the built wheel into the workspace venv's site-packages."""
    return [f"{BUILD_ENV}/bin/python", "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", "--no-cache-dir",
            "--disable-pip-version-check", "--target", site]


def lifecycle_steps(source_dir: str, workspace: str, site: str) -> list[str]:
    """The traced part of ``pip install`` of the sdist: build, install, then interpreter start-up."""
    build = " ".join(shlex.quote(a) for a in build_command())
    install = " ".join(shlex.quote(a) for a in install_prefix(site))
    return [
        "cd " + shlex.quote(source_dir),
        "echo '> pip: build_wheel (PEP 517 backend / setup.py)'",
        f"{build}",
        "rc=$?",
        '[ "$rc" -eq 0 ] || return "$rc"',
        "echo '> pip: install the built wheel'",
        f"{install} {WHEEL_DIR}/*.whl",
        "rc=$?",
        '[ "$rc" -eq 0 ] || return "$rc"',
        "cd " + shlex.quote(workspace),
    ]
