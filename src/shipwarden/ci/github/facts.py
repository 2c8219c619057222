"""What each job does, derived once from the model: the shared layer under rules and paths.

Rules ask questions such as "does this job check out PR code and then run it?",
"which caches does it restore?", "where does outsider text reach a shell?".
The answers are computed here, from the knowledge tables, the expression
parser and the shell analyser, and cached per job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache

from shipwarden.ci.github import assume, conditions
from shipwarden.ci.github import expressions as ex
from shipwarden.ci.github.contexts import Control, classify, controlling_events
from shipwarden.ci.github.knowledge import ActionInfo, event_info, is_pr_code_context, pr_code_patterns, step_info
from shipwarden.ci.github.model import Job, Repository, Scalar, SourceFile, Step, Workflow
from shipwarden.ci.github.shell import EventKind, analyze
from shipwarden.core.findings import Confidence, Location

TRUTHY_FALSE = ("false", "0", "no", "off")


# --------------------------------------------------------------------------- expression sites


@dataclass(frozen=True, slots=True)
class Site:
    """One ``${{ }}`` occurrence inside a scalar field."""

    file: SourceFile
    node: Scalar
    start: int  # value offsets of the whole ``${{ … }}``
    end: int
    inner: str
    field: str  # "run", "with.script", "env.TITLE", "if", ...
    step: Step | None

    def location(self, label: str = "") -> Location:
        return self.file.value_location(self.node, self.start, self.end, label)


def sites_in(file: SourceFile, node: Scalar | None, field_name: str, step: Step | None) -> list[Site]:
    if node is None or "${{" not in node.value:
        return []
    return [
        Site(file, node, s.start, s.end, s.text, field_name, step)
        for s in ex.find_expressions(node.value)
        if s.terminated
    ]


def flowing_paths(inner: str) -> list[str]:
    """Context paths whose text can reach the value of an expression."""
    try:
        expr = ex.parse(inner)
    except ex.ExprSyntaxError:
        return []
    return [ref.dotted for ref in ex.flowing_refs(expr)]


def all_paths(inner: str) -> list[str]:
    try:
        expr = ex.parse(inner)
    except ex.ExprSyntaxError:
        return []
    return [ref.dotted for ref in ex.context_refs(expr)]


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
            script = _script_text(candidate)
            if (
                script
                and _SETS_OUTPUT.search(script)
                and _READS_EVENT_PAYLOAD.search(script)
                and _EVENT_TEXT_FIELD.search(script)
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


#: the path of a remote action file read at a commit (``owner/repo/action.yml@<sha>``)
_REMOTE_FILE = re.compile(r"@[0-9a-f]{40}$")


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
        if self.step.via is None or not _REMOTE_FILE.search(self.step.file.path):
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
            (i for i, s in enumerate(self.steps) if i > at and _mentions(s, checkout.path)), None
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


def _truthy(value: str | None, default: bool) -> bool:
    if value is None:
        return default
    v = value.strip().lower()
    if "${{" in v:
        return True
    return v not in TRUTHY_FALSE and v != ""


_SECRET_REF = re.compile(r"\bsecrets\s*(?:\.\s*([A-Za-z_][A-Za-z0-9_-]*)|\[\s*'([^']+)'\s*\])", re.IGNORECASE)


def _secret_names(text: str) -> set[str]:
    """Names of ``secrets.X`` referenced in expressions, with the case they were written in."""
    if "secrets" not in text.lower():
        return set()
    names: set[str] = set()
    for site in ex.find_expressions(text):
        for m in _SECRET_REF.finditer(site.text):
            names.add(m.group(1) or m.group(2))
    return names


#: names of values that carry a pull request's ref (``headSha``, ``pr_number``, ``pull_ref``), as
#: words — ``needs.prepare.outputs.tag`` is no pull request
_PR_WORDS = re.compile(r"(?i)\bpr\b|\bpr_?(?:number|num|ref|sha|head|branch)|pull|head|sha\b|\bref\b")


def _checkout(step: Step, info: ActionInfo | None) -> Checkout | None:
    if not info or "checkout" not in info.does:
        return None
    ref = step.with_.get("ref")
    repo = step.with_.get("repository")
    persist = _truthy(step.with_["persist-credentials"].value if "persist-credentials" in step.with_ else None, True)
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
    return Checkout(step, pr_code, confidence, " ".join(texts), persist, path=_checkout_path(step))


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


_WORKSPACE_PREFIX = re.compile(r"^\$\{\{\s*github\.workspace\s*\}\}/?|^\$\{?GITHUB_WORKSPACE\}?/?")


def _checkout_path(step: Step) -> str:
    """``with: path:`` of a checkout, normalised; "" for the workspace or anything not literal."""
    node = step.with_.get("path")
    if node is None:
        return ""
    value = _WORKSPACE_PREFIX.sub("", node.value.strip()).strip().removeprefix("./").rstrip("/")
    if not value or value == "." or "${{" in value or "$" in value or value.startswith(("/", "..")):
        return ""
    return value


def _mentions(step: Step, folder: str) -> bool:
    """Does ``step`` work inside or name ``folder`` (cd, --prefix, a path, a local action)?"""
    pattern = re.compile(r"(?:^|[\s'\"=:(/])(?:\./)?" + re.escape(folder) + r"(?:/|[\s'\";)&|]|$)")
    texts = [v.value for v in step.with_.values()]
    if step.run is not None:
        texts.append(step.run.value)
    if step.working_directory is not None:
        texts.append(" " + step.working_directory)
    if step.uses is not None and step.uses.from_workspace:
        texts.append(" " + step.uses.subpath)
    return any(pattern.search(text) for text in texts)


_MAJOR = re.compile(r"^v?(\d+)(?:[.\-]|$)")
_MAJOR_COMMENT = re.compile(r"#\s*v?(\d+)(?:[.\s]|$)")


def uses_major(step: Step) -> int | None:
    """Major version of a ``uses:`` reference: its tag, or for a SHA pin the
    version in the comment after it (``@<sha>  # v5.0.0``)."""
    uses = step.uses
    if uses is None:
        return None
    m = _MAJOR.match(uses.ref)
    if m is None and uses.ref_kind == "sha":
        line, _ = step.file.source.position(uses.node.start)
        m = _MAJOR_COMMENT.search(step.file.source.line_text(line))
    return int(m.group(1)) if m else None


def fork_artifacts(step: Step, wf: Workflow) -> bool:
    """Can this download step take artifacts another run produced — possibly a fork
    pull request's run — rather than this run's own jobs?

    ``actions/download-artifact`` does with ``run-id`` (or, in a ``workflow_run``
    workflow, a token to read the triggering run). A third-party downloader does
    with an explicit run id; a search of recent runs takes fork runs only when
    its fork input is on, or in versions from before that input defaulted to off.
    """
    info = step_info(step)
    if info is None or "artifact-download" not in info.does:
        # `gh run download`, or a github-script that lists and downloads a run's artifacts
        text = _script_text(step)
        if not _OTHER_DOWNLOAD.search(text):
            return False
        return "workflow_run" in wf.triggers or bool(_RUN_ID_OF_OTHERS.search(text))
    if info.name == "actions/download-artifact":
        return "run-id" in step.with_ or ("workflow_run" in wf.triggers and "github-token" in step.with_)
    if not info.forks_input:
        return True  # a downloader of other runs we know nothing more about
    if info.run_id_input and info.run_id_input in step.with_:
        return True
    value = step.with_.get(info.forks_input)
    if value is not None:
        text = value.value.strip().lower()
        return "${{" in text or text not in ("", "false")
    major = uses_major(step)
    return major is not None and major < info.forks_default_until_major


#: a script that sets step outputs ...
_SETS_OUTPUT = re.compile(r"GITHUB_OUTPUT|core\.setOutput\s*\(|::set-output\b")
#: ... from the event payload's outsider-written fields (titles, bodies, branch names, authors)
_READS_EVENT_PAYLOAD = re.compile(r"GITHUB_EVENT_PATH|github\.event_path|context\.payload\.")
_EVENT_TEXT_FIELD = re.compile(
    r"\.(?:title|body|message|head\.ref|head_ref|label|name|email|login)\b|\[['\"](?:title|body|message)['\"]\]"
)

#: artifact downloads written as commands or API calls instead of a downloader action
_OTHER_DOWNLOAD = re.compile(
    r"\bgh\s+run\s+download\b|\bdownloadArtifact\s*\(|\blistWorkflowRunArtifacts\s*\("
    r"|/actions/artifacts/[^\s'\"]*/zip|/actions/runs/[^\s'\"]*/artifacts"
)
#: ... naming another run than this one
_RUN_ID_OF_OTHERS = re.compile(
    r"workflow_run\.id|run_id\s*[:=]\s*(?!context\.runId|process\.env\.GITHUB_RUN_ID)"
    r"|\bgh\s+run\s+download\s+(?!\$\{\{\s*github\.run_id\s*\}\}|\$\{?GITHUB_RUN_ID\b|-)\S"
)


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
    if info.name == "actions/cache" and "lookup-only" in with_values and _truthy(with_values["lookup-only"], False):
        restores = False
    return CacheUse(step, restores, saves, key or info.cache.key, restore_keys, implicit, info.name)


def _literal_prefix(key: str) -> str:
    i = key.find("${{")
    return key if i < 0 else key[:i]


def cache_keys_meet(saved: str, key: str, restore_keys: tuple[str, ...]) -> bool:
    """Can a cache entry saved as ``saved`` be restored by ``key``/``restore_keys``?
    Expressions match anything; literal prefixes must agree."""
    saved_prefix = _literal_prefix(saved)
    for candidate in (key, *restore_keys):
        prefix = _literal_prefix(candidate)
        if not prefix or not saved_prefix:
            return True
        if prefix.startswith(saved_prefix) or saved_prefix.startswith(prefix):
            return True
    return False


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
            facts.secrets |= _secret_names(value.value)
    for step in steps:
        info = step_info(step)
        for value in (*step.env.values(), *step.with_.values()):
            facts.secrets |= _secret_names(value.value)
        if step.run is not None:
            facts.secrets |= _secret_names(step.run.value)
        if step.uses is not None:
            _uses_facts(facts, step, info)
        if step.run is not None:
            _run_facts(facts, step, tracer, job)
        if (info is None or "artifact-download" not in info.does) and _OTHER_DOWNLOAD.search(_script_text(step)):
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
        if name in with_ and _truthy(with_[name].value, False):
            facts.execs.append(Exec(step, f"{info.name} installs dependencies ({name})", install=True))
    for name in info.command_inputs:
        if name in with_ and with_[name].value.strip():
            facts.execs.append(Exec(step, f"{info.name} runs the command in `{name}`"))
    if "script" in info.does:
        # the script is the workflow's own text; it runs workspace code only when it loads a file from it
        loads = next((i for n in info.script_inputs if (i := with_.get(n)) is not None and _LOADS_FILE.search(i.value)), None)
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
            sorted(n for name in info.token_inputs if name in with_ for n in _secret_names(with_[name].value))
        )
        trusted = "oidc" in info.does and not any(n in with_ for n in info.oidc_unless)
        if info.name == "changesets/action":
            tokens = tuple(sorted(_secret_names(" ".join(v.value for v in step.env.values()))))
        facts.publishes.append(Publish(step, info.registry, info.name, tokens, trusted))
    if "agent" in info.does:
        prompts = tuple((n, with_[n]) for n in info.prompt_inputs if n in with_)
        tools = " ".join(with_[n].value for n in info.tool_inputs if n in with_)
        bypass = any(n in with_ and with_[n].value.strip() for n in info.actor_gate_bypass)
        facts.agents.append(Agent(step, info.name, info, prompts, tools, info.actor_gate and not bypass))


#: an inline script that loads code from the workspace: ``require('./x')``, ``await import(`${process.env.GITHUB_WORKSPACE}/…`)``
_LOADS_FILE = re.compile(r"""\b(?:require|import)\s*\(\s*[`'"](?:\.{1,2}/|\$\{\s*process\.env\.GITHUB_WORKSPACE)|GITHUB_WORKSPACE|github\.workspace""")

_RUN_SCRIPT = re.compile(r"^(?:npm|pnpm|yarn|bun)\s+(?:run(?:-script)?\s+)?(?:--?[\w-]+\s+)*([\w:.@/-]+)")
_PROVENANCE = re.compile(r"--provenance\b")


def _publish_through(text: str, job: Job, depth: int = 0) -> tuple[str, str] | None:
    """(registry, tool) when a command publishes indirectly: a ``package.json`` script
    (``pnpm run release`` → ``changeset publish``) or a release script given ``--provenance``
    (which only ``npm publish`` takes)."""
    if _PROVENANCE.search(text):
        return "npm", "a release script given --provenance"
    repo = job.workflow.repo
    m = _RUN_SCRIPT.match(text)
    if repo is None or m is None or depth > 2:
        return None
    body = repo.package_scripts.get(m.group(1))
    if not body:
        return None
    for ev in analyze(body, "bash").events:
        if ev.kind is EventKind.PUBLISH and ev.registry:
            return ev.registry, f"{ev.tool} publish (package.json script {m.group(1)})"
        if ev.kind is EventKind.EXECUTES_REPO_CODE:
            inner = _publish_through(" ".join(body[ev.start : ev.end].split()), job, depth + 1)
            if inner is not None:
                return inner
    return None


_NAME_RE = re.compile(r"^\s*[\"']?([A-Za-z_][A-Za-z0-9_]*)\s*(?:=|<<)", re.MULTILINE)


def _run_facts(facts: JobFacts, step: Step, tracer: Tracer, job: Job) -> None:
    assert step.run is not None
    script = step.run.value
    sf = analyze(script, step.shell)
    env_tokens = _secret_names(
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
            spelled = _publish_through(text, job)
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


# --------------------------------------------------------------------------- gates


@dataclass(frozen=True, slots=True)
class GateHit:
    """An ``if:`` condition that must hold for a step to run, and what it means for outsiders."""

    kind: str  # a conditions.Gate kind: author_association, same_repo, label, user, actor, event_name, ...
    detail: str
    #: "block" (outsiders never pass), "approval" (a maintainer must act first) or
    #: "weak" (looks like a gate, but an outsider can satisfy it)
    effect: str
    location: Location


TRUSTED_ASSOCIATIONS = frozenset({"OWNER", "MEMBER", "COLLABORATOR"})


def _effect(gate: conditions.Gate, outsider_events: frozenset[str]) -> str:
    if gate.kind == "never":
        return "block"
    if gate.kind in ("label", "merged") and not gate.negated:
        return "approval"  # only triagers apply labels, however loosely the name is matched
    if gate.strength == "weak" and not gate.negated:
        return "weak"
    if gate.strength != "strong":
        return "none"
    if gate.kind == "same_repo" and not gate.negated:
        return "block"
    if gate.kind == "author_association":
        values = {v.upper() for v in gate.values}
        if not gate.negated and values and values <= TRUSTED_ASSOCIATIONS:
            return "block"
        if gate.negated and {"NONE", "FIRST_TIMER", "FIRST_TIME_CONTRIBUTOR", "CONTRIBUTOR"} <= values:
            return "block"
        return "none"
    if gate.kind == "user" and not gate.negated:
        return "block"
    if gate.kind == "event_name" and outsider_events:
        allowed = {v.lower() for v in gate.values}
        reach = outsider_events - allowed if gate.negated else outsider_events & allowed
        return "none" if reach else "block"
    return "none"


def gates_for(job: Job, step: Step | None = None) -> list[GateHit]:
    """Gates on the job and (optionally) the step and its composite callers, as the
    outsider meets them: each condition is specialised to every privileged outsider
    event (and to a fork), and a gate counts only if it holds for all of them."""
    nodes: list[tuple[SourceFile, Scalar]] = []
    # a job whose `needs` were skipped is skipped too, unless its condition says otherwise
    seen: set[str] = set()
    todo = [job]
    while todo:
        current_job = todo.pop()
        if current_job.id in seen:
            continue
        seen.add(current_job.id)
        if current_job.if_ is not None:
            nodes.append((current_job.workflow.file, current_job.if_))
            if _STATUS_FUNCS.search(current_job.if_.value):
                continue
        for need in current_job.needs:
            needed = current_job.workflow.job(need)
            if needed is not None:
                todo.append(needed)
    current = step
    while current is not None:
        if current.if_ is not None:
            nodes.append((current.file, current.if_))
        current = current.via
    outsider = frozenset(privileged_outsider_events(job.workflow))
    hits: list[GateHit] = list(_api_gates(job, step, nodes, seen))
    for file, node in nodes:
        per_event = [_node_hits(file, node, event, outsider) for event in sorted(outsider)] or [
            _node_hits(file, node, "", outsider)
        ]
        hits.extend(_weakest(per_event))
    return hits


_STATUS_FUNCS = re.compile(r"\b(always|failure|cancelled)\s*\(", re.IGNORECASE)

#: A script that asks GitHub for the actor's permission on the repository (the API form
#: of an ``author_association`` gate).
_PERMISSION_API = re.compile(
    r"getCollaboratorPermissionLevel|checkCollaborator\b|/collaborators/[^\s/'\"]+/permission"
    r"|\bauthor_association\b[^\n]*(?:OWNER|MEMBER|COLLABORATOR)|(?:OWNER|MEMBER|COLLABORATOR)[^\n]*\bauthor_association\b"
    r"|orgs\.checkMembershipForUser|/orgs/[^\s/'\"]+/members/",
)
#: ... and stops the job when the answer is no.
_FAILS = re.compile(r"core\.setFailed|process\.exit\(\s*[1-9]|\bexit\s+[1-9]|\bthrow\b")
_OUTPUT_REF = re.compile(r"\b(needs|steps)\.([A-Za-z0-9_-]+)\.outputs\.", re.IGNORECASE)


def _script_text(step: Step) -> str:
    if step.run is not None:
        return step.run.value
    script = step.with_.get("script")
    return script.value if script is not None else ""


def permission_check(step: Step) -> bool:
    """Does the step ask GitHub for the actor's repository permission (or association)?"""
    text = _script_text(step)
    return bool(text) and bool(_PERMISSION_API.search(text))


def _stops_on_no(step: Step) -> bool:
    text = _script_text(step)
    coe = step.node.get("continue-on-error")
    return bool(_FAILS.search(text)) and not (isinstance(coe, Scalar) and coe.value.strip().lower() == "true")


def _api_hit(step: Step, how: str) -> GateHit:
    return GateHit("permission_api", how, "block", step.location(f"gate: {how}"))


def _api_gates(job: Job, step: Step | None, nodes: list[tuple[SourceFile, Scalar]], jobs: set[str]) -> list[GateHit]:
    """Permission checks written as API calls, which gate like an ``if:`` on the same fact:
    an earlier step of the job (or of a job it needs) that fails the run for an actor without
    write access, or an ``if:`` that reads the output of such a check."""
    wf = job.workflow
    if step is not None:
        facts = job_facts(job)
        for earlier in facts.steps:
            if earlier is step or earlier.node is step.node:
                break
            if permission_check(earlier) and _stops_on_no(earlier) and earlier.if_ is None:
                return [_api_hit(earlier, "an earlier step fails unless the actor has write access")]
    for job_id in sorted(jobs - {job.id}):
        needed = wf.job(job_id)
        if needed is None:
            continue
        for candidate in needed.steps:
            if permission_check(candidate) and _stops_on_no(candidate) and candidate.if_ is None:
                return [_api_hit(candidate, f"job `{job_id}` fails unless the actor has write access")]
    for _file, node in nodes:
        for kind, name in _OUTPUT_REF.findall(node.value):
            owner = wf.job(name) if kind.lower() == "needs" else job
            if owner is None:
                continue
            producers = owner.steps if kind.lower() == "needs" else [s for s in owner.steps if (s.id or "") == name]
            found = next((s for s in producers if permission_check(s)), None)
            if found is not None:
                return [_api_hit(found, f"`{node.value.strip()[:60]}` reads a permission check")]
    return []


def _node_hits(file: SourceFile, node: Scalar, event: str, outsider: frozenset[str]) -> list[GateHit]:
    text = (assume.for_outsider(node.value, event) or node.value) if event else node.value
    found: list[GateHit] = []
    for gate in _condition_gates(text):
        effect = _effect(gate, outsider)
        if effect != "none":
            detail = gate.detail.split(" — ")[0]
            found.append(GateHit(gate.kind, detail, effect, file.location(node, f"gate: {detail}")))
    return found


_RANK = {"block": 3, "approval": 2, "weak": 1}


def _weakest(per_event: list[list[GateHit]]) -> list[GateHit]:
    """The gate that holds for every event is the one with the weakest strongest effect."""
    if not per_event or not all(per_event):
        return []
    best = [max(hits, key=lambda h: _RANK[h.effect]) for hits in per_event]
    return [min(best, key=lambda h: _RANK[h.effect])]


def blocked(hits: list[GateHit]) -> GateHit | None:
    return next((h for h in hits if h.effect == "block"), None)


def weak(hits: list[GateHit]) -> GateHit | None:
    """A condition that looks like a gate but an outsider can satisfy (e.g. ``github.actor``)."""
    return next((h for h in hits if h.effect == "weak"), None)


def approval(hits: list[GateHit]) -> GateHit | None:
    return next((h for h in hits if h.effect == "approval"), None)


@lru_cache(maxsize=4096)
def _condition_gates(text: str) -> tuple[conditions.Gate, ...]:
    return tuple(conditions.gates(text))
