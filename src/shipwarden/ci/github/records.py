"""What job facts are made of: checkouts, caches, executions, writes to ``$GITHUB_ENV`` and
friends, publishes, agent steps — and the taint of outsider text (built in
:mod:`shipwarden.ci.github.facts`)."""

from __future__ import annotations

from dataclasses import field

from shipwarden.ci.github.knowledge import ActionInfo
from shipwarden.ci.github.model import REMOTE_FILE_RE, Job, Scalar, Step
from shipwarden.ci.github.steps import mentions
from shipwarden.core.findings import Confidence, Location
from shipwarden.core.structs import struct


@struct(frozen=True)
class Taint:
    """Where outsider text in an expression comes from."""

    sources: tuple[str, ...]  # outsider context paths, e.g. github.event.issue.title
    via: tuple[str, ...]  # intermediate names, e.g. env.TITLE, inputs.ref
    confidence: Confidence

    @property
    def describe(self) -> str:
        src = ", ".join(self.sources)
        return f"{src} (via {' → '.join(self.via)})" if self.via else src


def merge_taint(a: Taint | None, b: Taint) -> Taint:
    """Both taints in one: sources and steps of each, high confidence only when both are."""
    if a is None:
        return b
    conf = a.confidence if a.confidence is b.confidence else Confidence.MEDIUM
    return Taint(tuple(dict.fromkeys(a.sources + b.sources)), tuple(dict.fromkeys(a.via + b.via)), conf)


@struct(frozen=True)
class Checkout:
    step: Step
    pr_code: bool
    confidence: Confidence
    ref_text: str
    persist_credentials: bool
    by_shell: bool = False
    start: int = -1
    end: int = -1
    #: the folder the code lands in, relative to the workspace ("" = the workspace itself)
    path: str = ""

    def location(self) -> Location:
        label = "checks out the pull request's code" if self.pr_code else "checkout"
        if self.step.run is not None and self.start >= 0:
            return self.step.file.value_location(self.step.run, self.start, self.end, label)
        return self.step.location(label)


@struct(frozen=True)
class CacheUse:
    step: Step
    restores: bool
    saves: bool
    key: str
    restore_keys: tuple[str, ...]
    implicit: bool
    action: str

    def location(self) -> Location:
        """The step in the job's own file: a composite action's cache is shown at its caller."""
        outer = self.step
        while outer.via is not None:
            outer = outer.via
        if outer is self.step:
            return self.step.location("cache")
        return outer.location(f"cache step in {self.step.file.path}")

    @property
    def inside(self) -> str:
        """`` (cache step at PATH@SHA:LINE:COL)`` for a cache step inside a remote composite
        action (``--fetch-actions``), else "": the hop is the calling step, the file is elsewhere."""
        if self.step.via is None or not REMOTE_FILE_RE.search(self.step.file.path):
            return ""
        loc = self.step.location()
        return f" (cache step at {loc.path}:{loc.line}:{loc.column})"


@struct(frozen=True)
class Exec:
    """A step that runs code from the workspace (or install-time code of what it installs)."""

    step: Step
    what: str
    start: int = -1  # offset inside a run script, -1 for a whole step
    end: int = -1
    install: bool = False
    #: the code comes from the checked-out workspace (False: named registry packages only)
    workspace: bool = True
    #: install: what runs, a key of the shell table's ``[install_code]`` (``npm``, ``python``…)
    code: str = ""
    #: the package's own publish-time scripts (``npm publish`` runs ``prepublishOnly``)
    own: bool = False
    #: the install builds the checkout's own project (``pip install -e .``): no install switch stops that
    local: bool = False

    def location(self) -> Location:
        if self.step.run is not None and self.start >= 0:
            return self.step.file.value_location(self.step.run, self.start, self.end, self.what)
        return self.step.location(self.what)


@struct(frozen=True)
class EnvWrite:
    step: Step
    file: str  # GITHUB_ENV, GITHUB_PATH, GITHUB_OUTPUT
    names: tuple[str, ...]
    start: int
    end: int
    taint: Taint | None
    from_file: bool  # content comes from a file (cat x >> $GITHUB_ENV)


@struct(frozen=True)
class Publish:
    step: Step
    registry: str
    tool: str
    token_names: tuple[str, ...]  # secrets carrying a long-lived credential
    trusted: bool  # uses OIDC / trusted publishing
    start: int = -1
    end: int = -1

    def location(self) -> Location:
        if self.step.run is not None and self.start >= 0:
            return self.step.file.value_location(self.step.run, self.start, self.end, f"publishes to {self.registry}")
        return self.step.location(f"publishes to {self.registry}")


@struct(frozen=True)
class Agent:
    step: Step
    name: str
    info: ActionInfo | None
    prompt_fields: tuple[tuple[str, Scalar], ...]
    tool_text: str
    actor_gate: bool
    start: int = -1
    end: int = -1


@struct
class JobFacts:
    job: Job
    steps: list[Step]
    checkouts: list[Checkout] = field(default_factory=list)
    caches: list[CacheUse] = field(default_factory=list)
    execs: list[Exec] = field(default_factory=list)
    env_writes: list[EnvWrite] = field(default_factory=list)
    publishes: list[Publish] = field(default_factory=list)
    agents: list[Agent] = field(default_factory=list)
    remote_execs: list[Exec] = field(default_factory=list)
    artifact_downloads: list[Step] = field(default_factory=list)
    artifact_uploads: list[Step] = field(default_factory=list)
    oidc_steps: list[Step] = field(default_factory=list)
    pushes: list[Step] = field(default_factory=list)
    secrets: set[str] = field(default_factory=set)

    def first_pr_checkout(self) -> Checkout | None:
        return next((c for c in self.checkouts if c.pr_code), None)

    def pr_execs_after(self, checkout: Checkout) -> list[Exec]:
        """Executions after ``checkout`` that can run its code.

        A checkout into a sub-folder (``with: path: pr``) leaves the workspace to
        the base branch's code: only steps that work in or name that folder run the
        pull request's code — and, from the first such step on, every later one
        (it may have copied the code into the workspace).
        """
        execs = self.execs_after(checkout.step)
        if not checkout.path:
            return execs
        order = {id(s): i for i, s in enumerate(self.steps)}
        at = order.get(id(checkout.step), -1)
        touched = next(
            (i for i, s in enumerate(self.steps) if i > at and mentions(s, checkout.path)), None
        )
        if touched is None:
            return []
        return [e for e in execs if order.get(id(e.step), -1) >= touched]

    def execs_after(self, step: Step, *, workspace_only: bool = True) -> list[Exec]:
        """Executions in steps after ``step`` (by default only those running workspace code)."""
        order = {id(s): i for i, s in enumerate(self.steps)}
        at = order.get(id(step), -1)
        return [
            e for e in self.execs if order.get(id(e.step), -1) > at and (e.workspace or not workspace_only)
        ]

    @property
    def id_token(self) -> bool:
        return self.job.permission("id-token") == "write"

    @property
    def writes(self) -> list[str]:
        perms = self.job.effective_permissions
        return perms.writes() if perms else []
