"""A typed model of a repository's GitHub Actions automation, with exact spans.

Built once per repository from :mod:`shipwarden.ci.yamlspan` nodes. Every
field a rule can point at keeps its YAML node, so a finding's location is the
exact key or value that was written, never a guess. Its parts: files and spans
(:mod:`shipwarden.ci.sourcefile`), ``permissions:`` (:mod:`~shipwarden.ci.github.permissions`) and
``uses:`` references (:mod:`~shipwarden.ci.github.uses`).
"""

from __future__ import annotations

import re
from dataclasses import field
from pathlib import PurePosixPath

from shipwarden.ci.github.permissions import Permissions, widest
from shipwarden.ci.github.pnpm import PnpmPolicy
from shipwarden.ci.github.uses import Uses
from shipwarden.ci.sourcefile import SourceFile

# The node types are part of the model's interface (re-exported).
from shipwarden.ci.yamlspan import Mapping as Mapping
from shipwarden.ci.yamlspan import Node as Node
from shipwarden.ci.yamlspan import Scalar as Scalar
from shipwarden.ci.yamlspan import Sequence as Sequence
from shipwarden.ci.yamlspan import str_list
from shipwarden.core.findings import Location
from shipwarden.core.structs import struct

#: the path of a remote action file read at a commit (``owner/repo/path/action.yml@<sha>``)
REMOTE_FILE_RE = re.compile(r"@[0-9a-f]{40}$")


@struct(eq=False)
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


@struct(eq=False)
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


@struct(eq=False)
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


@struct(eq=False)
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


@struct(eq=False)
class ActionInput:
    name: str
    key: Scalar
    default: Scalar | None


@struct(eq=False)
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


@struct(frozen=True)
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


@struct(eq=False)
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
    #: release tools whose registry publish the checkout's configuration turns off
    publish_off: frozenset[str] = frozenset()
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
    # positional, as the loader makes steps (a class called with keywords costs a dict per call)
    return Step(
        step.node,
        step.index,
        step.id,
        step.name,
        step.uses,
        step.run,
        step.shell,
        step.with_,
        step.env,
        step.if_,
        step.working_directory,
        step.file,
        via,
    )
