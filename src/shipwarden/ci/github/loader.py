"""Build the :mod:`shipwarden.ci.github.model` from files on disk or in git refs.

Nothing here executes anything from the scanned repository. Files are read
with size limits, links that leave the root are refused, and each file that
cannot be analysed becomes a :class:`ScanError` while the rest goes on.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Callable
from dataclasses import field
from pathlib import Path, PurePosixPath

from shipwarden.ci.github.model import Action, ActionInput, Job, Repository, Step, Trigger, Workflow
from shipwarden.ci.github.permissions import parse_permissions
from shipwarden.ci.github.pnpm import read_policy
from shipwarden.ci.github.releaseconfig import publish_off
from shipwarden.ci.github.uses import parse_uses
from shipwarden.ci.sourcefile import SourceFile
from shipwarden.ci.yamlspan import (
    MAX_FILE_BYTES,
    Mapping,
    Node,
    Scalar,
    Sequence,
    SourceText,
    YamlError,
    decode,
    load,
    scalar,
    str_list,
    str_map,
)
from shipwarden.ci.yamlspan import read_inside as _read_inside
from shipwarden.core import safeio
from shipwarden.core.findings import ScanError
from shipwarden.core.gitconfig import config_hazard, run_git
from shipwarden.core.structs import struct

WORKFLOW_DIR = ".github/workflows"
WORKFLOW_SUFFIXES = (".yml", ".yaml")
ACTION_FILES = ("action.yml", "action.yaml")
#: A workflow file with more jobs than this is reported, not analysed.
MAX_JOBS = 2_000
MAX_STEPS = 2_000


class ModelError(Exception):
    """The YAML is valid but is not a workflow/action shape we can analyse."""


@struct
class LoadResult:
    repo: Repository
    errors: list[ScanError] = field(default_factory=list)
    files: int = 0


# --------------------------------------------------------------------------- parse


def _shell_for(node: Node | None) -> str | None:
    if isinstance(node, Mapping):
        run = node.get("run")
        if isinstance(run, Mapping):
            return scalar(run.get("shell"))
    return None


def _parse_step(node: Node, index: int, file: SourceFile, default_shell: str) -> Step:
    if not isinstance(node, Mapping):
        raise ModelError(f"step {index + 1} is not a mapping")
    get = {k.value: v for k, v in reversed(node.items)}.get  # first of a repeated key, as node.get
    uses_node = get("uses")
    run_node = get("run")
    if_node = get("if")
    # positional: a class called with keywords costs a dict per call (a workflow has thousands of steps)
    return Step(
        node,
        index,
        scalar(get("id")),  # id
        scalar(get("name")),  # name
        parse_uses(uses_node) if isinstance(uses_node, Scalar) else None,
        run_node if isinstance(run_node, Scalar) else None,
        scalar(get("shell")) or default_shell,  # shell
        str_map(get("with")),  # with_
        str_map(get("env")),  # env
        if_node if isinstance(if_node, Scalar) else None,
        scalar(get("working-directory")),  # working_directory
        file,
    )


def _parse_steps(node: Node | None, file: SourceFile, default_shell: str) -> list[Step]:
    if not isinstance(node, Sequence):
        return []
    if len(node.items) > MAX_STEPS:
        raise ModelError(f"{len(node.items):,} steps in one job (limit {MAX_STEPS:,})")
    return [_parse_step(item, i, file, default_shell) for i, item in enumerate(node.items)]


def _runs_on(node: Node | None) -> list[str]:
    if isinstance(node, Mapping):
        return str_list(node.get("labels")) + ([f"group:{g}"] if (g := scalar(node.get("group"))) else [])
    return str_list(node)


def _parse_triggers(node: Node | None) -> dict[str, Trigger]:
    triggers: dict[str, Trigger] = {}
    if isinstance(node, Scalar):
        triggers[node.value] = Trigger(node.value, node, None)
    elif isinstance(node, Sequence):
        for item in node.items:
            if isinstance(item, Scalar):
                triggers[item.value] = Trigger(item.value, item, None)
    elif isinstance(node, Mapping):
        for key, value in node.items:
            triggers[key.value] = Trigger(key.value, key, value)
    return triggers


def _parse_job(wf: Workflow, key: Scalar, node: Node, wf_shell: str | None) -> Job:
    if not isinstance(node, Mapping):
        raise ModelError(f"job {key.value!r} is not a mapping")
    get = {k.value: v for k, v in reversed(node.items)}.get  # first of a repeated key, as node.get
    runs_on_node = get("runs-on")
    runs_on = _runs_on(runs_on_node)
    job_shell = _shell_for(get("defaults")) or wf_shell
    windows = any("windows" in label.lower() for label in runs_on)
    default_shell = job_shell or ("pwsh" if windows else "bash")
    env_node = get("environment")
    if isinstance(env_node, Mapping):
        environment = scalar(env_node.get("name"))
    else:
        environment = scalar(env_node)
    container = get("container")
    if isinstance(container, Mapping):
        container = container.get("image")
    services: dict[str, Scalar] = {}
    svc = get("services")
    if isinstance(svc, Mapping):
        for name, value in svc.items:
            image = value.get("image") if isinstance(value, Mapping) else value
            if isinstance(image, Scalar):
                services[name.value] = image
    uses_node = get("uses")
    secrets_node = get("secrets")
    if_node = get("if")
    return Job(  # positional, as Step above
        wf,
        key.value,  # id
        key,
        node,
        scalar(get("name")),  # name
        runs_on,
        runs_on_node,
        environment,
        env_node,  # environment_node
        str_list(get("needs")),  # needs
        if_node if isinstance(if_node, Scalar) else None,
        parse_permissions(get("permissions"), wf.file),
        str_map(get("env")),  # env
        container if isinstance(container, Scalar) else None,
        services,
        _parse_steps(get("steps"), wf.file, default_shell),
        parse_uses(uses_node) if isinstance(uses_node, Scalar) else None,
        str_map(get("with")),  # with_
        secrets_node if isinstance(secrets_node, Scalar) and secrets_node.value == "inherit" else None,
        str_map(secrets_node),  # secrets
        str_map(get("outputs")),  # outputs
        node.get("strategy"),  # strategy
        job_shell,  # default_shell
    )


def parse_workflow(path: str, text: str) -> Workflow:
    root = load(text)
    if not isinstance(root, Mapping):
        raise ModelError("top level is not a mapping: not a workflow")
    file = SourceFile(path, SourceText(text))
    on_node = root.get("on")
    if on_node is None and root.get("jobs") is None:
        raise ModelError("no 'on' or 'jobs' key: not a workflow")
    wf_shell = _shell_for(root.get("defaults"))
    wf = Workflow(
        file=file,
        root=root,
        name=scalar(root.get("name")),
        triggers=_parse_triggers(on_node),
        on_node=on_node,
        permissions=parse_permissions(root.get("permissions"), file),
        env=str_map(root.get("env")),
        default_shell=wf_shell,
        concurrency=root.get("concurrency"),
    )
    jobs = root.get("jobs")
    if isinstance(jobs, Mapping):
        if len(jobs.items) > MAX_JOBS:
            raise ModelError(f"{len(jobs.items):,} jobs in one workflow (limit {MAX_JOBS:,})")
        wf.jobs = [_parse_job(wf, key, value, wf_shell) for key, value in jobs.items]
    return wf


def parse_action(path: str, directory: str, text: str) -> Action:
    root = load(text)
    if not isinstance(root, Mapping):
        raise ModelError("top level is not a mapping: not an action")
    file = SourceFile(path, SourceText(text))
    inputs: dict[str, ActionInput] = {}
    inputs_node = root.get("inputs")
    if isinstance(inputs_node, Mapping):
        for key, value in inputs_node.items:
            default = value.get("default") if isinstance(value, Mapping) else None
            inputs[key.value] = ActionInput(key.value, key, default if isinstance(default, Scalar) else None)
    runs = root.get("runs")
    using = ""
    steps: list[Step] = []
    if isinstance(runs, Mapping):
        using = scalar(runs.get("using")) or ""
        if using == "composite":
            steps = _parse_steps(runs.get("steps"), file, "bash")
    return Action(file, directory, scalar(root.get("name")), using, inputs, steps, root)


# --------------------------------------------------------------------------- reading


def _error(path: str, exc: Exception) -> ScanError:
    if isinstance(exc, YamlError):
        where = f" (line {exc.line})" if exc.line else ""
        return ScanError(path, f"{exc}{where}", exc.kind, exc.line)
    if isinstance(exc, ModelError):
        return ScanError(path, str(exc), "model")
    if isinstance(exc, safeio.ReadRefused):
        return ScanError(path, str(exc), exc.kind)
    if isinstance(exc, OSError):
        return ScanError(path, f"cannot read: {exc.strerror or exc}", "io")
    return ScanError(path, f"{type(exc).__name__}: {exc}", "internal")


Reader = Callable[[str], bytes]
#: does the root hold this file? (None: cannot tell)
Holds = Callable[[str], bool | None]


def _load_into(
    repo: Repository, paths: list[str], read: Reader, result: LoadResult, prefix: str, holds: Holds | None = None
) -> None:
    """Load the workflows ``paths`` and what they need; ``holds`` tells, when known, whether a
    root file that may well be missing (``package.json``, ``.npmrc``) is there."""
    for rel in paths:
        shown = prefix + rel
        result.files += 1
        try:
            wf = parse_workflow(shown, decode(read(rel), shown))
        except (YamlError, ModelError, OSError, ValueError) as exc:
            result.errors.append(_error(shown, exc))
            continue
        except Exception as exc:  # noqa: BLE001 - one file must not end the root's scan
            result.errors.append(_error(shown, exc))
            continue
        wf.repo = repo
        repo.workflows.append(wf)
    _load_actions(repo, read, result, prefix)
    if repo.workflows:
        optional = _optional(read, holds)
        manifest = _manifest(optional("package.json"))
        repo.package_manager = _package_manager(manifest)
        repo.package_scripts = _package_scripts(manifest)
        repo.publish_off = publish_off(read)
        repo.pnpm = read_policy(optional, manifest)


def _optional(read: Reader, holds: Holds | None) -> Callable[[str], bytes | None]:
    """``read`` for a root file that may well be missing: None for one that is (told by the
    root's listing, ``holds``, when there is one: no exception raised and caught per root)
    or cannot be read."""

    def optional(rel: str) -> bytes | None:
        if holds is not None and holds(rel) is False:
            return None
        try:
            return read(rel)
        except (OSError, YamlError):
            return None

    return optional


#: ``package.json`` is read for its ``packageManager`` field only (it decides
#: ``actions/setup-node``'s automatic caching); a bigger file is not a manifest.
MAX_MANIFEST_BYTES = 1024 * 1024


def _manifest(data: bytes | None) -> object:
    """The root ``package.json`` (``data``, None when missing or unreadable) parsed once for
    all that ask, or None when it is bigger than :data:`MAX_MANIFEST_BYTES` or not JSON."""
    if data is None or len(data) > MAX_MANIFEST_BYTES:
        return None
    try:
        return safeio.load_json(data.decode("utf-8"), "package.json")
    except (OSError, ValueError, YamlError, RecursionError):
        return None


def _package_manager(manifest: object) -> str:
    """The package manager the root ``package.json`` names (``pnpm@9.1.0`` → ``pnpm``), or ""."""
    value = manifest.get("packageManager") if isinstance(manifest, dict) else None
    return value.split("@", 1)[0].strip().lower() if isinstance(value, str) else ""


def _package_scripts(manifest: object) -> dict[str, str]:
    """``scripts`` of the root ``package.json`` (a release step may publish through one)."""
    scripts = manifest.get("scripts") if isinstance(manifest, dict) else None
    if not isinstance(scripts, dict):
        return {}
    return {k: v[:4096] for k, v in list(scripts.items())[:500] if isinstance(k, str) and isinstance(v, str)}


def _load_actions(repo: Repository, read: Reader, result: LoadResult, prefix: str) -> None:
    """Follow local ``uses: ./dir`` references (transitively) and parse their action files."""
    pending: list[str] = []

    def want(steps: list[Step]) -> None:
        for step in steps:
            if step.uses and step.uses.kind == "local":
                target = str(PurePosixPath(step.uses.subpath)).strip("/")
                if target.startswith("..") or target.startswith(".github/workflows/"):
                    continue
                if target not in repo.actions and target not in pending:
                    pending.append(target)

    for wf in repo.workflows:
        for job in wf.jobs:
            want(job.steps)
    missing: set[str] = set()
    while pending:
        target = pending.pop(0)
        if target in repo.actions or target in missing:
            continue
        for name in ACTION_FILES:
            rel = f"{target}/{name}" if target != "." else name
            try:
                data = read(rel)
            except FileNotFoundError:
                continue
            except (OSError, YamlError) as exc:
                result.errors.append(_error(prefix + rel, exc))
                missing.add(target)
                break
            result.files += 1
            try:
                action = parse_action(prefix + rel, target, decode(data, rel))
            except Exception as exc:  # noqa: BLE001 - one file must not end the root's scan
                result.errors.append(_error(prefix + rel, exc))
                missing.add(target)
                break
            repo.actions[target] = action
            want(action.steps)
            break
        else:
            missing.add(target)


#: Folders never searched for action definitions (dependencies, test data, VCS).
_SKIP_DIRS = frozenset(
    {".git", "node_modules", "vendor", "test", "tests", "__tests__", "fixtures", "testdata", "examples", "dist"}
)
MAX_ACTION_FILES = 200
MAX_ACTION_DEPTH = 6


def action_definition_paths(root: Path | safeio.Root) -> list[str]:
    """``action.yml``/``action.yaml`` files anywhere outside ``.github/workflows`` (bounded
    walk, links not followed): the product of an action repository."""
    found: list[str] = []
    _find_actions(root if isinstance(root, safeio.Root) else safeio.Root(root), "", 0, found)
    return sorted(found)


def _find_actions(base: safeio.Root, rel: str, depth: int, found: list[str]) -> bool:
    """Add the action file of the folder ``rel`` below the root (``depth`` folders down) and
    those of its subfolders, depth first in name order (``os.walk``'s order), to ``found``;
    True once there are MAX_ACTION_FILES."""
    listed = base.listing(rel)
    if listed is None:
        return False
    folders, others = listed
    files = {entry.name: entry for entry in others}
    for name in ACTION_FILES:
        entry = files.get(name)
        if entry is not None and not safeio.entry_is_link(entry):
            found.append(f"{rel}/{name}" if rel else name)
            break
    if len(found) >= MAX_ACTION_FILES:
        return True
    if depth < MAX_ACTION_DEPTH:
        for entry in folders:
            name = entry.name
            if name in _SKIP_DIRS or safeio.entry_is_link(entry) or (rel == ".github" and name == "workflows"):
                continue
            if _find_actions(base, f"{rel}/{name}" if rel else name, depth + 1, found):
                return True
    return False


def _load_definitions(repo: Repository, read: Reader, base: safeio.Root, result: LoadResult) -> None:
    """Load every action definition of the checkout (those workflows reached are kept as loaded)."""
    for rel in action_definition_paths(base):
        target = rel.rsplit("/", 1)[0] if "/" in rel else "."
        if target in repo.actions:
            repo.published_actions.append(target)
            continue
        try:
            data = read(rel)
            action = parse_action(rel, target, decode(data, rel))
        except (YamlError, ModelError, OSError, ValueError) as exc:
            result.errors.append(_error(rel, exc))
            continue
        result.files += 1
        repo.actions[target] = action
        repo.published_actions.append(target)


def _workflow_paths(root: Path | safeio.Root) -> list[str]:
    """The workflow files of ``.github/workflows`` (links followed as ``Path.is_dir`` follows
    them: a link to a folder is no workflow), from the folder's one listing."""
    base = root if isinstance(root, safeio.Root) else safeio.Root(root)
    try:
        _, others = base.entries(WORKFLOW_DIR)
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR, errno.ELOOP):
            return []  # no folder there (Path.is_dir says False)
        raise
    return [f"{WORKFLOW_DIR}/{e.name}" for e in others if e.name.endswith(WORKFLOW_SUFFIXES)]


_REMOTE = re.compile(r'^\s*\[remote\s+"origin"\]\s*$(.*?)(?=^\s*\[|\Z)', re.M | re.S)
_URL = re.compile(r"^\s*url\s*=\s*(\S+)\s*$", re.M)
_SLUG = re.compile(r"[:/]([A-Za-z0-9][A-Za-z0-9_.-]*)/([A-Za-z0-9_.-]+?)(?:\.git)?/?$")


def origin_slug(root: Path, base: safeio.Root | None = None) -> str:
    """``owner/name`` of the checkout's ``origin`` remote (``.git/config``, read bounded, never run).
    With the root's ``base``, a root listing without ``.git`` answers at once."""
    if base is not None and base.holds(".git") is False:
        return ""
    config = os.path.join(root, ".git", "config")
    try:
        info = os.lstat(config)  # a link is not followed
        if not stat.S_ISREG(info.st_mode) or info.st_size > 64 * 1024:
            return ""
        text = Path(config).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    block = _REMOTE.search(text)
    url = _URL.search(block.group(1)) if block else None
    slug = _SLUG.search(url.group(1)) if url else None
    return f"{slug.group(1)}/{slug.group(2)}".lower() if slug else ""


def _reader(base: safeio.Root) -> Reader:
    """Reads under the root for one load: its folders resolved once (:class:`safeio.Root`,
    whose listings answer for missing files), and each file outside the workflow folder read
    once (``package.json`` is asked for by three readers; a workflow is read once anyway
    and its bytes are not kept)."""
    done: dict[str, bytes | OSError | YamlError] = {}

    def read(rel: str) -> bytes:
        got = done.get(rel)
        if got is None:
            try:
                got = _read_inside(base, rel)
            except (OSError, YamlError) as exc:
                got = exc
            if not rel.startswith(WORKFLOW_DIR + "/"):
                done[rel] = got
        if isinstance(got, bytes):
            return got
        raise got

    return read


def load_directory(root: Path, files: list[str] | None = None, base: safeio.Root | None = None) -> LoadResult:
    """Load a repository checkout (or, with ``files``, just those workflow files). ``base``:
    the root's :class:`safeio.Root` when the caller lists it for other providers too."""
    base = base if base is not None else safeio.Root(root)
    repo = Repository(str(root), slug=origin_slug(root, base))
    result = LoadResult(repo)
    paths = files if files is not None else _workflow_paths(base)
    read = _reader(base)
    _load_into(repo, paths, read, result, "", base.holds)
    if files is None:
        _load_definitions(repo, read, base, result)
    return result


# --------------------------------------------------------------------------- git refs


_HAZARDS: dict[str, str | None] = {}


def _git(root: Path, *args: str, max_bytes: int = 64 * 1024 * 1024) -> bytes:
    key = str(root)
    if key not in _HAZARDS:
        _HAZARDS[key] = config_hazard(root)
    hazard = _HAZARDS[key]
    if hazard is not None:
        raise OSError(hazard)
    # plumbing commands only; the repository's own config must not run anything
    return run_git(root, *args, max_bytes=max_bytes)


def branch_refs(root: Path) -> list[str]:
    """Local and remote-tracking branch refs, without HEAD aliases."""
    out = _git(root, "for-each-ref", "--format=%(refname)", "refs/heads", "refs/remotes")
    refs = [line for line in out.decode("utf-8", "replace").splitlines() if not line.endswith("/HEAD")]
    return sorted(refs)


def load_git_ref(root: Path, ref: str, blobs: dict[bytes, bytes] | None = None) -> LoadResult:
    """Load the workflows of ``ref`` straight from git objects (no checkout).

    ``blobs`` (object id → content) is shared across the refs of one scan, so a
    workflow identical on many branches is read from git once.
    """
    blobs = blobs if blobs is not None else {}
    short = ref.removeprefix("refs/heads/").removeprefix("refs/remotes/")
    repo = Repository(str(root), ref=short)
    result = LoadResult(repo)
    try:
        # the scanned root may be a folder inside the repository (a monorepo package)
        prefix = _git(root, "rev-parse", "--show-prefix").decode("utf-8", "replace").strip()
        listing = _git(root, "ls-tree", "-r", "-z", "--full-tree", "-l", ref, "--", prefix + WORKFLOW_DIR)
    except OSError as exc:
        result.errors.append(ScanError(f"{short}:", f"cannot list workflows: {exc}", "git"))
        return result
    paths: list[str] = []
    objects: dict[str, tuple[bytes, int]] = {}
    for entry in listing.split(b"\0"):
        if not entry:
            continue
        meta, _, name = entry.partition(b"\t")
        mode, kind, _obj, size = meta.split()[:4]
        rel = name.decode("utf-8", "replace").removeprefix(prefix)
        if kind != b"blob" or not rel.endswith(WORKFLOW_SUFFIXES) or rel.count("/") != 2:
            continue
        if mode == b"120000":
            result.errors.append(ScanError(f"{short}:{rel}", "symbolic link in git tree; not followed", "symlink"))
            continue
        paths.append(rel)
        objects[rel] = (_obj, int(size) if size.isdigit() else 0)

    def read(rel: str) -> bytes:
        if rel in objects:
            obj, size = objects[rel]
            if size > MAX_FILE_BYTES:
                raise YamlError(f"file is {size:,} bytes, over the {MAX_FILE_BYTES:,}-byte limit", kind="too-large")
            if obj not in blobs:
                blobs[obj] = _git(root, "cat-file", "blob", obj.decode("ascii", "replace"))
            return blobs[obj]
        try:
            size = int(_git(root, "cat-file", "-s", f"{ref}:{prefix}{rel}").strip())
        except (OSError, ValueError):
            raise FileNotFoundError(rel) from None
        if size > MAX_FILE_BYTES:
            raise YamlError(f"file is {size:,} bytes, over the {MAX_FILE_BYTES:,}-byte limit", kind="too-large")
        return _git(root, "cat-file", "blob", f"{ref}:{prefix}{rel}")

    _load_into(repo, sorted(paths), read, result, f"{short}:")
    return result
