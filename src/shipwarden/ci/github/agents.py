"""What an agent step can do and what reaches its prompt: shell grants in its tool inputs, and
outsider text traced into its prompt inputs, its environment, or files earlier steps wrote."""

from __future__ import annotations

import re

from shipwarden.ci.github import expressions as ex
from shipwarden.ci.github.facts import Tracer, job_facts
from shipwarden.ci.github.knowledge import exposure_table
from shipwarden.ci.github.model import Job
from shipwarden.ci.github.records import Agent, Taint
from shipwarden.core.findings import Confidence, Location
from shipwarden.core.patterns import LazyPattern

#: Tool grants that let an agent run commands or change files (matched in tool inputs and CLI args).
SHELL_TOOLS = LazyPattern(
    r"\bBash\b|\bshell\b|--dangerously-skip-permissions|--yolo|--full-auto|danger-full-access"
    r"|--dangerously-bypass-approvals-and-sandbox|\bEdit\b|\bWrite\b|run_shell_command",
    re.IGNORECASE,
)
_BASH_GRANT = LazyPattern(r"\bBash\b(?:\(([^)]*)\))?")
_OTHER_SHELL = LazyPattern(
    r"(?i:\bshell\b|--dangerously-skip-permissions|--yolo|--full-auto|danger-full-access"
    r"|--dangerously-bypass-approvals-and-sandbox|run_shell_command)|\bEdit\b|\bWrite\b|\bMultiEdit\b",
)


def has_shell(tool_text: str) -> bool:
    """Do the agent's tool grants let it run commands of its choosing or change files?

    ``Bash(echo:*)``-style grants that only name harmless commands (``exposure.toml``
    ``[agents] harmless_commands``) are no shell; a bare ``Bash`` or any other command is.
    """
    if _OTHER_SHELL.search(_BASH_GRANT.sub(" ", tool_text)):
        return True
    harmless = exposure_table().harmless_agent_commands
    for m in _BASH_GRANT.finditer(tool_text):
        spec = (m.group(1) or "").strip().lower()
        command = spec.split(":", 1)[0].rstrip("*").strip()
        if not command or not any(command == h or command.startswith(h + " ") for h in harmless):
            return True
    return False


_EVENT_FILE = LazyPattern(r"\$\{?GITHUB_EVENT_PATH\b")
#: a script writing to a file: `> issue.md`, `>> ctx.txt`, `tee issue.md`
_WRITES_FILE = LazyPattern(r"(?:>>?|\btee\s+(?:-a\s+)?)\s*['\"]?([\w./$-]*[\w-]\.(?:md|txt|json|ya?ml))\b")
#: commands that fetch outsider text by themselves
_FETCHES_TEXT = LazyPattern(r"\bgh\s+(?:issue|pr)\s+view\b|\bgh\s+api\b[^\n]*(?:issues|pulls|comments)|GITHUB_EVENT_PATH")


def _fed_by_file(agent: Agent, job: Job, tracer: Tracer) -> tuple[Taint, Location] | None:
    """Outsider text an earlier step wrote to a file the agent's inputs name."""
    named = " ".join(v.value for v in agent.step.with_.values())
    for step in job_facts(job).steps:
        if step is agent.step or step.node is agent.step.node:
            break
        if step.run is None:
            continue
        script = step.run.value
        for m in _WRITES_FILE.finditer(script):
            target = m.group(1).rsplit("/", 1)[-1]
            if not target or target not in named:
                continue
            line = script[script.rfind("\n", 0, m.start()) + 1 : m.end()]
            taint = None
            for site in ex.find_expressions(line) if "${{" in line else ():
                taint = tracer.trace_inner(site.text, step, job)
                if taint:
                    break
            if taint is None:
                for name, node in step.env.items():
                    if f"${name}" in line or f"${{{name}}}" in line:
                        taint = tracer.trace_value(node, step, job, 0)
                        if taint:
                            break
            if taint is None and _FETCHES_TEXT.search(line):
                taint = Taint((f"text fetched by `{line.strip()[:60]}`",), (), Confidence.MEDIUM)
            if taint is not None:
                loc = step.file.value_location(step.run, m.start(), m.end(), f"outsider text written to {target}")
                return Taint(taint.sources, (*taint.via, f"the file {target}"), taint.confidence), loc
    return None


def prompt_taint(agent: Agent, job: Job, tracer: Tracer) -> tuple[Taint, Location] | None:
    """Outsider text that reaches an agent's prompt, and where it enters.

    Prompt inputs of agent actions are traced like any expression; for an agent
    CLI in a ``run:`` script, so are the ``env:`` variables the script expands,
    and a script that hands the agent ``$GITHUB_EVENT_PATH`` gives it the whole
    event payload (titles, bodies, comments).
    """
    for _name, node in agent.prompt_fields:
        found = tracer.trace_value(node, agent.step, job, 0)
        if found:
            return found, agent.step.file.location(node, "outsider text enters the prompt")
    if agent.info is not None:
        # an agent action reads its step's environment, and files earlier steps wrote
        for name, node in agent.step.env.items():
            found = tracer.trace_value(node, agent.step, job, 0)
            if found:
                return found, agent.step.file.location(node, f"outsider text in the agent's ${name}")
        return _fed_by_file(agent, job, tracer)
    if agent.step.run is None:
        return None
    script = agent.step.run.value
    for name, node in {**job.env, **agent.step.env}.items():
        if f"${name}" in script or f"${{{name}}}" in script:
            found = tracer.trace_value(node, agent.step, job, 0)
            if found:
                return found, agent.step.file.location(node, f"outsider text in ${name}")
    m = _EVENT_FILE.search(script)
    if m is not None:
        taint = Taint(("the event payload ($GITHUB_EVENT_PATH)",), (), Confidence.MEDIUM)
        return taint, agent.step.file.value_location(agent.step.run, m.start(), m.end(), "the event payload")
    return None
