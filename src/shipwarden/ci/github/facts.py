"""What each job does, derived once from the model: the shared layer under rules and paths.

Rules ask questions such as "does this job check out PR code and then run it?",
"which caches does it restore?", "where does outsider text reach a shell?".
The answers are computed here, from the knowledge tables, the expression
parser and the shell analyser, and cached per job. Beside it: :mod:`~shipwarden.ci.github.sites`
(``${{ }}`` sites and sinks), :mod:`~shipwarden.ci.github.steps` (what one step says on its own),
:mod:`~shipwarden.ci.github.gates` (conditions and permission checks before a step) and
:mod:`~shipwarden.ci.github.agents` (agent steps: shell grants, prompt taint).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import cache

from shipwarden.ci.github import expressions as ex
from shipwarden.ci.github.contexts import Control, classify, controlling_events
from shipwarden.ci.github.knowledge import ActionInfo, event_info, is_pr_code_context, pr_code_patterns, step_info
from shipwarden.ci.github.model import REMOTE_FILE_RE, Job, Repository, Scalar, Step, Workflow
from shipwarden.ci.github.sites import all_paths, flowing_paths
from shipwarden.ci.github.steps import (
    EVENT_TEXT_FIELD,
    LOADS_FILE,
    OTHER_DOWNLOAD,
    READS_EVENT_PAYLOAD,
    SETS_OUTPUT,
    checkout_path,
    mentions,
    publish_through,
    script_text,
    secret_names,
    truthy,
    uses_major,
)
from shipwarden.ci.shell import EventKind, analyze
from shipwarden.core.findings import Confidence, Location

# --------------------------------------------------------------------------- taint


@dataclass(frozen=True, slots=True)
class Taint:
    """Where outsider text in an expression comes from."""

    sources: tuple[str, ...]  # outsider context paths, e.g. github.event.issue.title
    via: tuple[str, ...]  # intermediate names, e.g. env.TITLE, inputs.ref
    confidence: Confidence

    @property
    def describe(self) -> str:
        src = ", ".join(self.sources)
        return f"{src} (via {' → '.join(self.via)})" if self.via else src


MAX_TRACE_DEPTH = 6


class Tracer:
    """Follows env, step outputs, action inputs and reusable-workflow inputs back to contexts."""

    def __init__(self, repo: Repository | None, events: set[str]) -> None:
        self.repo = repo
        self.events = events

    def relevant(self, path: str) -> bool:
        evs = controlling_events(path)
        return evs is None or bool(evs & self.events)

    def trace_inner(self, inner: str, step: Step | None, job: Job | None, depth: int = 0) -> Taint | None:
        sources: list[str] = []
        via: list[str] = []
        confidence = Confidence.HIGH
        for path in flowing_paths(inner):
            control = classify(path)
            if control is Control.OUTSIDER:
                if self.relevant(path):
                    sources.append(path)
            elif control is Control.UNKNOWN:
                if self.relevant(path):
                    sources.append(path)
                    confidence = Confidence.MEDIUM
            elif control is Control.DERIVED and depth < MAX_TRACE_DEPTH:
                sub = self.trace_derived(path, step, job, depth + 1)
                if sub:
                    sources.extend(sub.sources)
                    via.extend((path, *sub.via))
                    if sub.confidence is not Confidence.HIGH:
                        confidence = sub.confidence
        if not sources:
            return None
        return Taint(tuple(dict.fromkeys(sources)), tuple(dict.fromkeys(via)), confidence)

    def trace_value(self, node: Scalar | None, step: Step | None, job: Job | None, depth: int) -> Taint | None:
        if node is None:
            return None
        found: Taint | None = None
        for site in ex.find_expressions(node.value):
            taint = self.trace_inner(site.text, step, job, depth)
            if taint:
                found = _merge(found, taint)
        return found

    def trace_derived(self, path: str, step: Step | None, job: Job | None, depth: int) -> Taint | None:
        parts = path.split(".")
        head = parts[0].lower()
        if head == "env" and len(parts) >= 2:
            return self._env(parts[1], step, job, depth)
        if head == "steps" and len(parts) >= 4 and parts[2] == "outputs" and job is not None:
            return self._step_output(parts[1], step, job, depth)
        if head == "inputs" and len(parts) >= 2:
            return self._input(parts[1], step, job, depth)
        if head == "needs" and len(parts) >= 4 and parts[2] == "outputs" and job is not None:
            other = next((j for j in job.workflow.jobs if j.id.lower() == parts[1]), None)
            if other is not None:
                value = next((v for k, v in other.outputs.items() if k.lower() == parts[3]), None)
                return self.trace_value(value, None, other, depth)
        return None

    def _env(self, name: str, step: Step | None, job: Job | None, depth: int) -> Taint | None:
        scopes = []
        if step is not None:
            scopes.append(step.env)
            if step.via is not None:
                scopes.append(step.via.env)
        if job is not None:
            scopes.extend((job.env, job.workflow.env))
        for scope in scopes:
            for key, value in scope.items():
                if key.lower() == name:
                    return self.trace_value(value, step, job, depth)
        if job is not None:
            # written to $GITHUB_ENV by an earlier step of the job
            for writer in job_facts(job).env_writes:
                if writer.file == "GITHUB_ENV" and writer.taint and name in (n.lower() for n in writer.names):
                    return writer.taint
        return None

    def _step_output(self, step_id: str, step: Step | None, job: Job, depth: int) -> Taint | None:
        scope = step.via if step is not None and step.via is not None else None
        for candidate in job.all_steps():
            if (candidate.id or "").lower() != step_id or candidate.via is not scope:
                continue
            info = step_info(candidate)
            if info and "outsider-outputs" in info.does:
                return Taint((f"outputs of {candidate.uses.raw if candidate.uses else step_id}",), (), Confidence.HIGH)
            if info and "passes-inputs" in info.does:
                # the output is one of its inputs: as controlled as the most controlled of them
                found: Taint | None = None
                for value in candidate.with_.values():
                    sub = self.trace_value(value, candidate, job, depth + 1)
                    if sub:
                        found = _merge(found, sub)
                if found:
                    return Taint(found.sources, (*found.via, f"{info.name} output"), found.confidence)
            script = script_text(candidate)
            if (
                script
                and SETS_OUTPUT.search(script)
                and READS_EVENT_PAYLOAD.search(script)
                and EVENT_TEXT_FIELD.search(script)
            ):
                # a script that reads the event payload and sets outputs: its outputs carry that text
                return Taint(
                    (f"the event payload read by step `{candidate.id}`",), (), Confidence.MEDIUM
                )
            facts = job_facts(job)
            for writer in facts.env_writes:
                if writer.step is candidate and writer.file == "GITHUB_OUTPUT" and writer.taint:
                    return writer.taint
        return None

    def _input(self, name: str, step: Step | None, job: Job | None, depth: int) -> Taint | None:
        if step is not None and step.via is not None:
            caller = step.via
            for key, value in caller.with_.items():
                if key.lower() == name:
                    return self.trace_value(value, caller, job, depth)
            action = self.repo.action_for(caller.uses) if self.repo and caller.uses else None
            for key, action_input in (action.inputs.items() if action else ()):
                if key.lower() == name:
                    return self.trace_value(action_input.default, caller, job, depth)
            return None
        if job is None or self.repo is None:
            return None
        wf = job.workflow
        if "workflow_call" not in wf.triggers:
            return None  # workflow_dispatch inputs come from people with write access
        found: Taint | None = None
        for caller_job in self.repo.callers.get(wf.path, []):
            for key, value in caller_job.with_.items():
                if key.lower() == name:
                    sub = Tracer(self.repo, self.repo.effective_events(caller_job.workflow))
                    taint = sub.trace_value(value, None, caller_job, depth)
                    if taint:
                        found = _merge(found, taint)
        return found


def _merge(a: Taint | None, b: Taint) -> Taint:
    if a is None:
        return b
    conf = a.confidence if a.confidence is b.confidence else Confidence.MEDIUM
    return Taint(tuple(dict.fromkeys(a.sources + b.sources)), tuple(dict.fromkeys(a.via + b.via)), conf)


# --------------------------------------------------------------------------- job facts


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
class Exec:
    """A step that runs code from the workspace (or installs with lifecycle scripts)."""

    step: Step
    what: str
    start: int = -1  # offset inside a run script, -1 for a whole step
    end: int = -1
    install: bool = False
    #: the code comes from the checked-out workspace (False: named registry packages only)
    workspace: bool = True

    def location(self) -> Location:
        if self.step.run is not None and self.start >= 0:
            return self.step.file.value_location(self.step.run, self.start, self.end, self.what)
        return self.step.location(self.what)


@dataclass(frozen=True, slots=True)
class EnvWrite:
    step: Step
    file: str  # GITHUB_ENV, GITHUB_PATH, GITHUB_OUTPUT
    names: tuple[str, ...]
    start: int
    end: int
    taint: Taint | None
    from_file: bool  # content comes from a file (cat x >> $GITHUB_ENV)


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
class Agent:
    step: Step
    name: str
    info: ActionInfo | None
    prompt_fields: tuple[tuple[str, Scalar], ...]
    tool_text: str
    actor_gate: bool
    start: int = -1
    end: int = -1


@dataclass(slots=True)
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


#: names of values that carry a pull request's ref (``headSha``, ``pr_number``, ``pull_ref``), as
#: words — ``needs.prepare.outputs.tag`` is no pull request
_PR_WORDS = re.compile(r"(?i)\bpr\b|\bpr_?(?:number|num|ref|sha|head|branch)|pull|head|sha\b|\bref\b")


def _checkout(step: Step, info: ActionInfo | None) -> Checkout | None:
    if not info or "checkout" not in info.does:
        return None
    ref = step.with_.get("ref")
    repo = step.with_.get("repository")
    persist = truthy(step.with_["persist-credentials"].value if "persist-credentials" in step.with_ else None, True)
    texts = [n.value for n in (ref, repo) if n is not None]
    pr_code = False
    confidence = Confidence.HIGH
    _, literals = pr_code_patterns()
    for text in texts:
        for site in ex.find_expressions(text):
            paths = all_paths(site.text)
            if any(is_pr_code_context(p) for p in paths):
                pr_code = True
            elif any(p.lower().startswith(("steps.", "needs.", "env.", "inputs.")) for p in paths) and _PR_WORDS.search(
                site.text
            ):
                pr_code, confidence = True, Confidence.MEDIUM
        if "refs/pull/" in text or any(lit in text for lit in literals if lit.startswith("refs/")):
            pr_code = True
    return Checkout(step, pr_code, confidence, " ".join(texts), persist, path=checkout_path(step))


_STEP_OUTPUT_REF = re.compile(r"steps\.([A-Za-z0-9_-]+)\.outputs\.")


def _checkout_via_outputs(checkout: Checkout, facts: JobFacts) -> Checkout:
    """A checkout whose ref is the output of an earlier step that picks a pull request's ref
    (a conditional-value action given `refs/pull/…/merge`, a script reading the PR's head)."""
    ids = set(_STEP_OUTPUT_REF.findall(checkout.ref_text))
    if not ids:
        return checkout
    for earlier in facts.steps:
        if (earlier.id or "") not in ids:
            continue
        texts = [v.value for v in earlier.with_.values()] + ([earlier.run.value] if earlier.run is not None else [])
        for text in texts:
            paths = [p for site in ex.find_expressions(text) for p in all_paths(site.text)]
            if "refs/pull/" in text or any(is_pr_code_context(p) for p in paths):
                return replace(checkout, pr_code=True, confidence=Confidence.MEDIUM)
    return checkout


def _cache(step: Step, info: ActionInfo | None, repo: Repository | None = None) -> CacheUse | None:
    if not info or info.cache is None:
        return None
    with_values = {k: v.value for k, v in step.with_.items()}
    if not info.cache.enabled(with_values):
        managers = info.cache.auto_managers(uses_major(step), with_values)
        if not managers or repo is None or repo.package_manager not in managers:
            return None
    restores = "cache-restore" in info.does or not info.does & {"cache-save"}
    saves = "cache-save" in info.does or not info.does & {"cache-restore"}
    key = with_values.get(info.cache.key_input, "") if info.cache.key_input else info.cache.key
    restore_keys: tuple[str, ...] = ()
    if info.cache.restore_keys_input and info.cache.restore_keys_input in with_values:
        restore_keys = tuple(
            line.strip() for line in with_values[info.cache.restore_keys_input].splitlines() if line.strip()
        )
    implicit = not info.cache.key_input
    if info.name == "actions/cache" and "lookup-only" in with_values and truthy(with_values["lookup-only"], False):
        restores = False
    return CacheUse(step, restores, saves, key or info.cache.key, restore_keys, implicit, info.name)


def _build_facts(job: Job) -> JobFacts:
    steps = job.all_steps()
    facts = JobFacts(job, steps)
    # visible while being built: tracing a value through $GITHUB_ENV or a step output
    # then sees the writes of earlier steps only, which is the order the runner uses
    _FACTS[id(job)] = (job, facts)
    wf = job.workflow
    events = wf.repo.effective_events(wf) if wf.repo else set(wf.triggers)
    tracer = Tracer(wf.repo, events)
    for scope in (wf.env, job.env, job.secrets):
        for value in scope.values():
            facts.secrets |= secret_names(value.value)
    for step in steps:
        info = step_info(step)
        for value in (*step.env.values(), *step.with_.values()):
            facts.secrets |= secret_names(value.value)
        if step.run is not None:
            facts.secrets |= secret_names(step.run.value)
        if step.uses is not None:
            _uses_facts(facts, step, info)
        if step.run is not None:
            _run_facts(facts, step, tracer, job)
        if (info is None or "artifact-download" not in info.does) and OTHER_DOWNLOAD.search(script_text(step)):
            facts.artifact_downloads.append(step)
    return facts


def _uses_facts(facts: JobFacts, step: Step, info: ActionInfo | None) -> None:
    assert step.uses is not None
    checkout = _checkout(step, info)
    if checkout is not None and not checkout.pr_code:
        checkout = _checkout_via_outputs(checkout, facts)
    if checkout:
        facts.checkouts.append(checkout)
    cache = _cache(step, info, facts.job.workflow.repo)
    if cache:
        facts.caches.append(cache)
    if step.uses.kind == "local":
        if step.uses.from_workspace:
            facts.execs.append(Exec(step, f"runs the local action {step.uses.raw} from the workspace"))
        # a ``$/`` action is read at the workflow's own commit: its composite steps
        # are judged one by one, but the action itself is no workspace code
        return
    if info is None:
        return
    with_ = step.with_
    if info.does & {"executes-repo-code", "install"}:
        facts.execs.append(Exec(step, f"{info.name} runs code from the workspace", install="install" in info.does))
    for name in info.install_inputs:
        if name in with_ and truthy(with_[name].value, False):
            facts.execs.append(Exec(step, f"{info.name} installs dependencies ({name})", install=True))
    for name in info.command_inputs:
        if name in with_ and with_[name].value.strip():
            facts.execs.append(Exec(step, f"{info.name} runs the command in `{name}`"))
    if "script" in info.does:
        # the script is the workflow's own text; it runs workspace code only when it loads a file from it
        loads = next((i for n in info.script_inputs if (i := with_.get(n)) is not None and LOADS_FILE.search(i.value)), None)
        if loads is not None:
            facts.execs.append(Exec(step, f"{info.name} loads a script file from the workspace"))
        else:
            facts.execs.append(Exec(step, f"{info.name} runs an inline script", workspace=False))
    if "artifact-download" in info.does:
        facts.artifact_downloads.append(step)
    if "artifact-upload" in info.does:
        facts.artifact_uploads.append(step)
    if "push" in info.does:
        facts.pushes.append(step)
    if "oidc" in info.does:
        token_set = [n for n in info.oidc_unless if n in with_ and with_[n].value.strip()]
        if not token_set:
            facts.oidc_steps.append(step)
    if "publish" in info.does or (info.registry and info.name == "changesets/action" and "publish" in with_):
        tokens = tuple(
            sorted(n for name in info.token_inputs if name in with_ for n in secret_names(with_[name].value))
        )
        trusted = "oidc" in info.does and not any(n in with_ for n in info.oidc_unless)
        if info.name == "changesets/action":
            tokens = tuple(sorted(secret_names(" ".join(v.value for v in step.env.values()))))
        facts.publishes.append(Publish(step, info.registry, info.name, tokens, trusted))
    if "agent" in info.does:
        prompts = tuple((n, with_[n]) for n in info.prompt_inputs if n in with_)
        tools = " ".join(with_[n].value for n in info.tool_inputs if n in with_)
        bypass = any(n in with_ and with_[n].value.strip() for n in info.actor_gate_bypass)
        facts.agents.append(Agent(step, info.name, info, prompts, tools, info.actor_gate and not bypass))


_NAME_RE = re.compile(r"^\s*[\"']?([A-Za-z_][A-Za-z0-9_]*)\s*(?:=|<<)", re.MULTILINE)


def _run_facts(facts: JobFacts, step: Step, tracer: Tracer, job: Job) -> None:
    assert step.run is not None
    script = step.run.value
    sf = analyze(script, step.shell)
    env_tokens = secret_names(
        " ".join(v.value for v in (*step.env.values(), *job.env.values(), *job.workflow.env.values()))
    )
    for ev in sf.events:
        text = " ".join(script[ev.start : ev.end].split())[:120]
        kind = ev.kind
        if kind is EventKind.INSTALL:
            if ev.scripts:
                named = "named-packages" in ev.flags
                what = f"`{text}` runs the lifecycle scripts of the packages it installs" if named else (
                    f"`{text}` runs dependency lifecycle scripts"
                )
                facts.execs.append(Exec(step, what, ev.start, ev.end, True, workspace=not named))
        elif kind is EventKind.EXECUTES_REPO_CODE:
            facts.execs.append(Exec(step, f"`{text}` runs code from the workspace", ev.start, ev.end))
            spelled = publish_through(text, job)
            if spelled is not None:
                registry, tool = spelled
                trusted = not env_tokens and job.permission("id-token") == "write"
                facts.publishes.append(
                    Publish(step, registry, tool, tuple(sorted(env_tokens)), trusted, ev.start, ev.end)
                )
        elif kind is EventKind.PR_CHECKOUT:
            facts.checkouts.append(Checkout(step, True, Confidence.HIGH, text, True, by_shell=True, start=ev.start, end=ev.end))
        elif kind is EventKind.REMOTE_EXEC:
            facts.remote_execs.append(Exec(step, f"`{text}` runs a script downloaded at run time", ev.start, ev.end))
        elif kind is EventKind.PUBLISH:
            trusted = not env_tokens and job.permission("id-token") == "write"
            facts.publishes.append(
                Publish(step, ev.registry or ev.tool, f"{ev.tool} {ev.action}".strip(), tuple(sorted(env_tokens)), trusted, ev.start, ev.end)
            )
            if ev.scripts:
                facts.execs.append(Exec(step, f"`{text}` runs the package's lifecycle scripts", ev.start, ev.end, True))
        elif kind is EventKind.AGENT_CLI:
            facts.agents.append(Agent(step, ev.tool, None, (("run", step.run),), text, False, ev.start, ev.end))
        elif kind in (EventKind.GIT_PUSH, EventKind.GH_WRITE):
            facts.pushes.append(step)
        elif kind is EventKind.ENV_FILE_WRITE:
            taint = None
            for index in ev.expressions:
                site = sf.expression_sites[index]
                if not site.injectable:
                    continue
                found = tracer.trace_inner(site.inner, step, job, 1)
                if found:
                    taint = _merge(taint, found)
            written = " ".join(script[span.start : span.end] for span in ev.written)
            names = tuple(dict.fromkeys(_NAME_RE.findall(written)))
            facts.env_writes.append(
                EnvWrite(step, ev.file, names, ev.start, ev.end, taint, "command-output" in ev.flags)
            )


_FACTS: dict[int, tuple[Job, JobFacts]] = {}


def job_facts(job: Job) -> JobFacts:
    """Facts of a job, computed once (keyed by object identity, kept alive with the job)."""
    hit = _FACTS.get(id(job))
    if hit is not None and hit[0] is job:
        return hit[1]
    if len(_FACTS) > 50_000:
        _FACTS.clear()
    return _build_facts(job)


# --------------------------------------------------------------------------- workflow trust


@cache
def _events_key(events: frozenset[str]) -> tuple[bool, bool, tuple[str, ...]]:
    outsider_priv = tuple(sorted(e for e in events if event_info(e).outsider and event_info(e).privileged))
    return bool(outsider_priv), any(event_info(e).outsider for e in events), outsider_priv


def events_of(wf: Workflow) -> set[str]:
    return wf.repo.effective_events(wf) if wf.repo else set(wf.triggers)


def privileged_outsider_events(wf: Workflow) -> tuple[str, ...]:
    """Events that let an outsider start this workflow with secrets/write token."""
    return _events_key(frozenset(events_of(wf)))[2]


def tracer_for(wf: Workflow) -> Tracer:
    return Tracer(wf.repo, events_of(wf))

