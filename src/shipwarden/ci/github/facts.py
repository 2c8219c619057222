"""What each job does, derived once from the model: the shared layer under rules and paths.

Rules ask questions such as "does this job check out PR code and then run it?",
"which caches does it restore?", "where does outsider text reach a shell?".
The answers are computed here, from the knowledge tables, the expression
parser and the shell analyser, and cached per job; what they are made of is in
:mod:`~shipwarden.ci.github.records`. Beside it: :mod:`~shipwarden.ci.github.sites`
(``${{ }}`` sites and sinks), :mod:`~shipwarden.ci.github.steps` (what one step says on its own),
:mod:`~shipwarden.ci.github.gates` (conditions and permission checks before a step) and
:mod:`~shipwarden.ci.github.agents` (agent steps: shell grants, prompt taint).
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import cache

from shipwarden.ci.github import expressions as ex
from shipwarden.ci.github.contexts import Control, classify, controlling_events
from shipwarden.ci.github.knowledge import ActionInfo, event_info, is_pr_code_context, pr_code_patterns, step_info
from shipwarden.ci.github.model import Job, Repository, Scalar, Step, Workflow
from shipwarden.ci.github.records import (
    Agent,
    CacheUse,
    Checkout,
    EnvWrite,
    Exec,
    JobFacts,
    Publish,
    Taint,
    merge_taint,
)
from shipwarden.ci.github.sites import all_paths, flowing_paths
from shipwarden.ci.github.steps import (
    EVENT_TEXT_FIELD,
    LOADS_FILE,
    READS_EVENT_PAYLOAD,
    SETS_OUTPUT,
    checkout_path,
    other_download,
    publish_through,
    script_text,
    secret_names,
    truthy,
    uses_major,
)
from shipwarden.ci.shell import EventKind, analyze, install_code
from shipwarden.core.findings import Confidence
from shipwarden.core.patterns import LazyPattern

# --------------------------------------------------------------------------- taint


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
                found = merge_taint(found, taint)
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
                        found = merge_taint(found, sub)
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
                        found = merge_taint(found, taint)
        return found


# --------------------------------------------------------------------------- job facts


#: names of values that carry a pull request's ref (``headSha``, ``pr_number``, ``pull_ref``), as
#: words — ``needs.prepare.outputs.tag`` is no pull request
_PR_WORDS = LazyPattern(r"(?i)\bpr\b|\bpr_?(?:number|num|ref|sha|head|branch)|pull|head|sha\b|\bref\b")


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


_STEP_OUTPUT_REF = LazyPattern(r"steps\.([A-Za-z0-9_-]+)\.outputs\.")


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
        if (info is None or "artifact-download" not in info.does) and other_download(script_text(step)):
            facts.artifact_downloads.append(step)
    return facts


#: what an action that runs code does, as said in findings (``install``: its ecosystem's words
#: from the shell table, bahmutov/npm-install "installs the dependencies, running their lifecycle scripts")
_ACTION_EXEC_TEXT = (
    ("install", "{install}"),
    ("executes-repo-code", "runs code from the workspace"),
)


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
        installs = install_code(info.install_code).action
        doing = [text.format(install=installs) for does, text in _ACTION_EXEC_TEXT if does in info.does]
        facts.execs.append(
            Exec(step, f"{info.name} {' and '.join(doing)}", install="install" in info.does, code=info.install_code)
        )
    for name in info.install_inputs:
        if name in with_ and truthy(with_[name].value, False):
            facts.execs.append(
                Exec(step, f"{info.name} installs dependencies ({name})", install=True, code=info.install_code)
            )
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


_NAME_RE = LazyPattern(r"^\s*[\"']?([A-Za-z_][A-Za-z0-9_]*)\s*(?:=|<<)", re.MULTILINE)


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
                # each ecosystem's own words (npm: lifecycle scripts; pip: sdist build backends)
                what = f"`{text}` {install_code(ev.code).says(ev.flags)}"
                named = "named-packages" in ev.flags
                local = "local-path" in ev.flags
                facts.execs.append(
                    Exec(step, what, ev.start, ev.end, True, workspace=not named, code=ev.code, local=local)
                )
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
            if job.workflow.repo is not None and ev.tool in job.workflow.repo.publish_off:
                continue  # the checkout's own configuration turns this tool's publish off
            trusted = not env_tokens and job.permission("id-token") == "write"
            facts.publishes.append(
                Publish(step, ev.registry or ev.tool, f"{ev.tool} {ev.action}".strip(), tuple(sorted(env_tokens)), trusted, ev.start, ev.end)
            )
            if ev.scripts:
                own = install_code(ev.code).own
                facts.execs.append(Exec(step, f"`{text}` {own}", ev.start, ev.end, True, code=ev.code, own=True))
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
                    taint = merge_taint(taint, found)
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

