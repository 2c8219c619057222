"""A typed model of a repository's GitHub Actions automation, with exact spans.

Built once per repository from :mod:`shipwarden.ci.yamlspan` nodes. Every
field a rule can point at keeps its YAML node, so a finding's location is the
exact key or value that was written, never a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from shipwarden.ci.github.pnpm import PnpmPolicy

# The node types are part of the model's interface (re-exported).
from shipwarden.ci.yamlspan import Mapping as Mapping
from shipwarden.ci.yamlspan import Node as Node
from shipwarden.ci.yamlspan import Scalar as Scalar
from shipwarden.ci.yamlspan import Sequence as Sequence
from shipwarden.ci.yamlspan import SourceText
from shipwarden.core.findings import Location

SHA_RE = re.compile(r"^[0-9a-f]{40}$|^[0-9a-f]{64}$")
VERSIONISH_RE = re.compile(r"^v?\d+(\.\d+){0,3}([-+._][0-9A-Za-z.-]+)?$")
DIGEST_RE = re.compile(r"@sha256:[0-9a-f]{64}$")
#: the path of a remote action file read at a commit (``owner/repo/path/action.yml@<sha>``)
REMOTE_FILE_RE = re.compile(r"@[0-9a-f]{40}$")

#: Permission scopes GitHub knows (``permissions:`` keys).
PERMISSION_SCOPES = (
    "actions",
    "attestations",
    "checks",
    "contents",
    "deployments",
    "discussions",
    "id-token",
    "issues",
    "models",
    "packages",
    "pages",
    "pull-requests",
    "repository-projects",
    "security-events",
    "statuses",
)


# --------------------------------------------------------------------------- source


@dataclass(slots=True, eq=False)
class SourceFile:
    """A parsed file: its path relative to the scanned root and its text."""

    path: str
    source: SourceText

    def location(self, node: Node | None, label: str = "", *, whole: bool = False) -> Location:
        """Location of a node. Block scalars point at their first line unless ``whole``."""
        if node is None:
            return Location(self.path, 1, 1, 1, 1, label)
        start, end = node.start, node.end
        if isinstance(node, Scalar) and node.style in ("|", ">") and not whole:
            end = start + 1
        return self.span(start, end, label)

    def span(self, start: int, end: int, label: str = "") -> Location:
        line, col = self.source.position(start)
        # a span ending with a newline should end on its last line, not the next
        text = self.source.text
        while end > start and text[end - 1 : end] in ("\n", "\r"):
            end -= 1
        end_line, end_col = self.source.position(end)
        return Location(self.path, line, col, end_line, end_col, label, self.source.line_text(line).rstrip())

    def scalar_offset(self, node: Scalar, value_offset: int) -> int:
        """Map an offset inside a scalar's *value* back to a source offset.

        Exact for literal blocks (``|``), plain and single-line quoted scalars;
        other styles fall back to searching the raw text of the node.
        """
        text = self.source.text
        if node.style == "|":
            value = node.value
            line_no = value.count("\n", 0, value_offset)
            line_start_in_value = value.rfind("\n", 0, value_offset) + 1
            col = value_offset - line_start_in_value
            first_src_line, _ = self.source.position(node.start)
            src_line = first_src_line + 1 + line_no
            if src_line > self.source.line_count:
                return node.start
            indent = self._block_indent(node, first_src_line)
            return min(self.source.line_start(src_line) + indent + col, node.end)
        if node.style == "" and "\n" not in text[node.start : node.end]:
            return node.start + value_offset
        if node.style in ("'", '"') and "\n" not in text[node.start : node.end]:
            raw = text[node.start + 1 : node.end - 1]
            if raw == node.value:
                return node.start + 1 + value_offset
        # fallback: find the value's text near the offset in the raw node
        probe = node.value[value_offset : value_offset + 24]
        raw_index = text.find(probe, node.start, node.end) if probe else -1
        return raw_index if raw_index >= 0 else node.start

    def _block_indent(self, node: Scalar, header_line: int) -> int:
        header = self.source.line_text(header_line)
        m = re.search(r"[|>]([1-9])?[+-]?([1-9])?\s*(#.*)?$", header)
        explicit = m and (m.group(1) or m.group(2))
        parent_indent = len(header) - len(header.lstrip(" "))
        if explicit:
            return parent_indent + int(explicit)
        for ln in range(header_line + 1, self.source.line_count + 1):
            line = self.source.line_text(ln)
            if line.strip():
                return len(line) - len(line.lstrip(" "))
            if self.source.line_start(ln) >= node.end:
                break
        return parent_indent + 2

    def value_location(self, node: Scalar, start: int, end: int, label: str = "") -> Location:
        """Location of the value substring ``[start, end)`` of a scalar."""
        s = self.scalar_offset(node, start)
        e = self.scalar_offset(node, end) if end > start else s
        if e < s:
            e = s
        return self.span(s, e, label)


# --------------------------------------------------------------------------- values


def scalar(node: Node | None) -> str | None:
    return node.value if isinstance(node, Scalar) else None


def str_list(node: Node | None) -> list[str]:
    if isinstance(node, Scalar):
        return [node.value]
    if isinstance(node, Sequence):
        return [item.value for item in node.items if isinstance(item, Scalar)]
    return []


def str_map(node: Node | None) -> dict[str, Scalar]:
    """A mapping of scalars (env, with, outputs); non-scalar values are skipped."""
    if not isinstance(node, Mapping):
        return {}
    return {k.value: v for k, v in node.items if isinstance(v, Scalar)}


# --------------------------------------------------------------------------- model


@dataclass(slots=True, eq=False)
class Permissions:
    """``permissions:`` at workflow or job level."""

    node: Node
    #: "map", "read-all", "write-all", "none" (``{}``) or "expression"
    kind: str
    scopes: dict[str, str] = field(default_factory=dict)
    scope_nodes: dict[str, Scalar] = field(default_factory=dict)
    #: the file the block is written in (a caller's, for an inherited grant)
    file: SourceFile | None = None
    #: per scope, the file of ``scope_nodes[scope]`` when it differs from ``file``
    scope_files: dict[str, SourceFile] = field(default_factory=dict)

    def location(self, scope: str, label: str = "") -> Location | None:
        """Where ``scope`` is granted (the scope's line, else the whole block)."""
        file = self.scope_files.get(scope, self.file)
        if file is None:
            return None
        return file.location(self.scope_nodes.get(scope) or self.node, label)

    def level(self, scope: str) -> str:
        """'write', 'read' or 'none' for a scope."""
        if self.kind == "write-all":
            return "write"
        if self.kind == "read-all":
            return "read"
        return self.scopes.get(scope, "none")

    def writes(self) -> list[str]:
        if self.kind == "write-all":
            return list(PERMISSION_SCOPES)
        return sorted(s for s, v in self.scopes.items() if v == "write")


_LEVEL_RANK = {"none": 0, "read": 1, "write": 2}


def widest(grants: list[Permissions]) -> Permissions:
    """One grant holding, per scope, the highest level any of ``grants`` gives."""
    if len(grants) == 1:
        return grants[0]
    for grant in grants:
        if grant.kind in ("write-all", "expression"):
            return grant
    merged = Permissions(grants[0].node, "map", file=grants[0].file)
    for grant in grants:
        for scope, level in grant.scopes.items():
            if _LEVEL_RANK.get(level, 0) > _LEVEL_RANK.get(merged.scopes.get(scope, "none"), 0):
                merged.scopes[scope] = level
                if scope in grant.scope_nodes:
                    merged.scope_nodes[scope] = grant.scope_nodes[scope]
                    if grant.file is not None:
                        merged.scope_files[scope] = grant.scope_files.get(scope, grant.file)
        if grant.kind == "read-all":
            for scope in PERMISSION_SCOPES:
                if merged.scopes.get(scope, "none") == "none":
                    merged.scopes[scope] = "read"
    if not merged.scopes:
        merged.kind = "none"
    return merged


def parse_permissions(node: Node | None, file: SourceFile | None = None) -> Permissions | None:
    if node is None:
        return None
    if isinstance(node, Scalar):
        value = node.value.strip()
        if value in ("read-all", "write-all"):
            return Permissions(node, value, file=file)
        if value in ("", "{}"):
            return Permissions(node, "none", file=file)
        return Permissions(node, "expression", file=file)
    if isinstance(node, Mapping):
        perms = Permissions(node, "map" if node.items else "none", file=file)
        for k, v in node.items:
            if isinstance(v, Scalar):
                perms.scopes[k.value] = v.value.strip()
                perms.scope_nodes[k.value] = v
        return perms
    return Permissions(node, "expression", file=file)


@dataclass(slots=True, eq=False)
class Trigger:
    event: str
    key: Scalar
    config: Node | None

    def filter(self, name: str) -> list[str]:
        if isinstance(self.config, Mapping):
            return str_list(self.config.get(name))
        return []

    @property
    def types(self) -> list[str]:
        return self.filter("types")

    @property
    def branches(self) -> list[str]:
        return self.filter("branches")

    @property
    def tags(self) -> list[str]:
        return self.filter("tags")


@dataclass(slots=True, eq=False)
class Uses:
    """A ``uses:`` reference with its kind."""

    node: Scalar
    raw: str
    #: "repo", "local", "docker"
    kind: str
    owner: str = ""
    repo: str = ""
    subpath: str = ""
    ref: str = ""
    #: "sha", "tag", "branch", "none" (repo); "digest", "tag", "none" (docker); "" (local)
    ref_kind: str = ""
    #: a ``$/path`` self-repository reference: this repository at the running workflow's
    #: own commit (``subpath`` is then written ``./path``). Unlike ``./path`` it is not
    #: read from the workspace, so no checkout can replace it.
    self_ref: bool = False

    @property
    def from_workspace(self) -> bool:
        """Is the referenced code read from the job's workspace (``./path``)?"""
        return self.kind == "local" and not self.self_ref

    @property
    def action(self) -> str:
        """``owner/repo[/path]`` lower-cased, the key into the actions table."""
        base = f"{self.owner}/{self.repo}".lower()
        return f"{base}/{self.subpath.lower()}" if self.subpath else base

    @property
    def remote_key(self) -> str:
        """``owner/repo[/path]@ref`` (owner and name lower-cased): the key of a resolved
        remote action in :attr:`Repository.remote_actions`."""
        base = f"{self.owner}/{self.repo}".lower()
        return f"{base}/{self.subpath.strip('/')}@{self.ref}" if self.subpath else f"{base}@{self.ref}"

    @property
    def pinned(self) -> bool:
        return self.kind == "local" or self.ref_kind in ("sha", "digest")


def parse_uses(node: Scalar) -> Uses:
    raw = node.value.strip()
    if raw.startswith("./") or raw.startswith("../") or raw == ".":
        return Uses(node, raw, "local", subpath=raw)
    if raw.startswith("$/"):
        # GitHub's self-repository syntax: same tree as ``./``, other provenance
        return Uses(node, raw, "local", subpath="./" + raw[2:].split("@", 1)[0], self_ref=True)
    if raw.startswith("docker://"):
        image = raw[len("docker://") :]
        if DIGEST_RE.search(image):
            kind = "digest"
        elif ":" in image.rsplit("/", 1)[-1]:
            kind = "tag"
        else:
            kind = "none"
        return Uses(node, raw, "docker", repo=image, ref_kind=kind)
    name, _, ref = raw.partition("@")
    parts = name.split("/")
    owner = parts[0]
    repo = parts[1] if len(parts) > 1 else ""
    subpath = "/".join(parts[2:])
    if not ref:
        ref_kind = "none"
    elif SHA_RE.match(ref):
        ref_kind = "sha"
    elif VERSIONISH_RE.match(ref):
        ref_kind = "tag"
    else:
        ref_kind = "branch"
    return Uses(node, raw, "repo", owner, repo, subpath, ref, ref_kind)


@dataclass(slots=True, eq=False)
class Step:
    node: Mapping
    index: int
    id: str | None
    name: str | None
    uses: Uses | None
    run: Scalar | None
    shell: str
    with_: dict[str, Scalar]
    env: dict[str, Scalar]
    if_: Scalar | None
    working_directory: str | None
    #: the file the step is written in (a workflow or a composite action)
    file: SourceFile
    #: when the step lives in a composite action: the calling step
    via: Step | None = None

    @property
    def label(self) -> str:
        if self.name:
            return self.name
        if self.id:
            return self.id
        if self.uses:
            return self.uses.raw
        if self.run is not None:
            first = self.run.value.strip().splitlines()
            return first[0][:60] if first else "run"
        return f"step {self.index + 1}"

    def location(self, label: str = "") -> Location:
        key = self.uses.node if self.uses else (self.run or self.node)
        return self.file.location(key, label)


@dataclass(slots=True, eq=False)
class Job:
    workflow: Workflow
    id: str
    key: Scalar
    node: Mapping
    name: str | None
    runs_on: list[str]
    runs_on_node: Node | None
    environment: str | None
    environment_node: Node | None
    needs: list[str]
    if_: Scalar | None
    permissions: Permissions | None
    env: dict[str, Scalar]
    container: Scalar | None
    services: dict[str, Scalar]
    steps: list[Step]
    uses: Uses | None
    with_: dict[str, Scalar]
    secrets_inherit: Scalar | None
    secrets: dict[str, Scalar]
    outputs: dict[str, Scalar]
    strategy: Node | None
    default_shell: str | None

    def location(self, label: str = "") -> Location:
        return self.workflow.file.location(self.key, label)

    @property
    def effective_permissions(self) -> Permissions | None:
        """Job permissions, else the workflow's, else — for a workflow only ever called
        by local ``uses:`` jobs — the widest grant of its callers (a called workflow
        without ``permissions:`` runs with its caller's token); ``None`` means the
        repository default."""
        declared = self.permissions if self.permissions is not None else self.workflow.permissions
        if declared is not None:
            return declared
        repo = self.workflow.repo
        if repo is None or set(self.workflow.triggers) != {"workflow_call"}:
            return None
        return repo.callers_grant(self.workflow.path)

    def permission(self, scope: str) -> str:
        perms = self.effective_permissions
        if perms is None:
            return "default"
        return perms.level(scope)

    @property
    def self_hosted(self) -> bool:
        labels = [label.lower() for label in self.runs_on]
        return "self-hosted" in labels

    def all_steps(self) -> list[Step]:
        """Steps with local (and resolved remote) composite actions expanded in place (after their caller)."""
        repo = self.workflow.repo
        return repo.expand_steps(self.steps) if repo else list(self.steps)


@dataclass(slots=True, eq=False)
class Workflow:
    file: SourceFile
    root: Mapping
    name: str | None
    triggers: dict[str, Trigger]
    on_node: Node | None
    permissions: Permissions | None
    env: dict[str, Scalar]
    jobs: list[Job] = field(default_factory=list)
    default_shell: str | None = None
    concurrency: Node | None = None
    repo: Repository | None = None

    @property
    def path(self) -> str:
        return self.file.path

    def job(self, job_id: str) -> Job | None:
        for job in self.jobs:
            if job.id == job_id:
                return job
        return None


@dataclass(slots=True, eq=False)
class ActionInput:
    name: str
    key: Scalar
    default: Scalar | None


@dataclass(slots=True, eq=False)
class Action:
    """A local action (``action.yml``): composite steps are followed."""

    file: SourceFile
    dir: str
    name: str | None
    using: str
    inputs: dict[str, ActionInput]
    steps: list[Step]
    root: Mapping

    @property
    def path(self) -> str:
        return self.file.path


@dataclass(frozen=True, slots=True)
class RunnerLabels:
    """Custom ``runs-on`` labels the user has settled: GitHub-hosted or self-hosted."""

    hosted: frozenset[str] = frozenset()
    self_hosted: frozenset[str] = frozenset()

    @classmethod
    def of(cls, hosted: list[str], self_hosted: list[str]) -> RunnerLabels:
        return cls(frozenset(x.strip().lower() for x in hosted), frozenset(x.strip().lower() for x in self_hosted))

    def declared(self, label: str) -> str | None:
        """"hosted", "self-hosted" or None for a label (``group:NAME`` matches NAME too)."""
        low = label.strip().lower()
        names = {low, low.removeprefix("group:")}
        if names & self.self_hosted:
            return "self-hosted"
        if names & self.hosted:
            return "hosted"
        return None


@dataclass(slots=True, eq=False)
class Repository:
    """Every workflow and local action of one scanned root."""

    root: str
    workflows: list[Workflow] = field(default_factory=list)
    actions: dict[str, Action] = field(default_factory=dict)
    #: ref name for workflows read from other branches (``--all-branches``)
    ref: str | None = None
    #: the package manager ``package.json`` names in ``packageManager`` ("" if none)
    package_manager: str = ""
    #: ``scripts`` of the root ``package.json`` (name → command line)
    package_scripts: dict[str, str] = field(default_factory=dict)
    #: pnpm's dependency build-script policy declared at the root
    pnpm: PnpmPolicy = field(default_factory=PnpmPolicy)
    #: runner labels the user declared (configuration), lower-cased
    runner_labels: RunnerLabels | None = None
    #: ``owner/name`` of the repository (lower case) from the checkout's ``origin``
    #: remote, "" when unknown: actions of the same owner are its own trust boundary
    slug: str = ""
    #: action definitions found in the checkout (an action repository's product, and
    #: local actions), as keys of ``actions``
    published_actions: list[str] = field(default_factory=list)
    #: remote actions read with ``--fetch-actions`` (:mod:`shipwarden.ci.github.remote`),
    #: by :attr:`Uses.remote_key`; their composite steps are expanded like local ones
    remote_actions: dict[str, Action] = field(default_factory=dict)

    def same_owner(self, uses: Uses) -> str:
        """"repository" or "owner" when ``uses`` names this repository or another of its
        owner (known from the checkout's remote), else ""."""
        if not self.slug or uses.kind != "repo":
            return ""
        owner, _, name = self.slug.partition("/")
        if uses.owner.lower() != owner:
            return ""
        return "repository" if uses.repo.lower() == name else "owner"

    def action_for(self, uses: Uses, from_path: str = "") -> Action | None:
        if uses.kind == "repo":
            return self.remote_actions.get(uses.remote_key)
        if uses.kind != "local":
            return None
        return self.actions.get(str(PurePosixPath(uses.subpath)).strip("/"))

    def expand_steps(self, steps: list[Step], depth: int = 0) -> list[Step]:
        out: list[Step] = []
        for step in steps:
            out.append(step)
            if step.uses and step.uses.kind in ("local", "repo") and depth < 8:
                action = self.action_for(step.uses)
                if action and action.steps:
                    inner = [_rebind(s, step) for s in action.steps]
                    out.extend(self.expand_steps(inner, depth + 1))
        return out

    _callers: dict[str, list[Job]] | None = None

    @property
    def callers(self) -> dict[str, list[Job]]:
        """Local reusable workflow path → jobs that call it."""
        if self._callers is not None:
            return self._callers
        result: dict[str, list[Job]] = {}
        for wf in self.workflows:
            for job in wf.jobs:
                if job.uses and job.uses.kind == "local":
                    target = job.uses.subpath.removeprefix("./").split("@")[0]
                    result.setdefault(target, []).append(job)
        self._callers = result
        return result

    def callers_grant(self, path: str, seen: frozenset[str] = frozenset()) -> Permissions | None:
        """The widest token grant of the local jobs that call the workflow at ``path``.

        ``None`` (the repository default) when no local job calls it, when one of
        them leaves the default, or on a call cycle.
        """
        callers = self.callers.get(path, [])
        if not callers or path in seen:
            return None
        grants: list[Permissions] = []
        for job in callers:
            if job.permissions is not None or job.workflow.permissions is not None:
                grant = job.effective_permissions
            elif set(job.workflow.triggers) == {"workflow_call"}:
                grant = self.callers_grant(job.workflow.path, seen | {path})
            else:
                grant = None
            if grant is None:
                return None
            grants.append(grant)
        return widest(grants)

    def effective_events(self, wf: Workflow) -> set[str]:
        """Events that can run ``wf``: its own, plus its callers' for ``workflow_call``."""
        events = set(wf.triggers)
        if "workflow_call" in events:
            seen = {wf.path}
            todo = [wf]
            while todo:
                current = todo.pop()
                for job in self.callers.get(current.path, []):
                    caller = job.workflow
                    events |= set(caller.triggers)
                    if caller.path not in seen and "workflow_call" in caller.triggers:
                        seen.add(caller.path)
                        todo.append(caller)
        return events


def _rebind(step: Step, via: Step) -> Step:
    return Step(
        node=step.node,
        index=step.index,
        id=step.id,
        name=step.name,
        uses=step.uses,
        run=step.run,
        shell=step.shell,
        with_=step.with_,
        env=step.env,
        if_=step.if_,
        working_directory=step.working_directory,
        file=step.file,
        via=via,
    )
