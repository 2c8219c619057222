"""gitlab-script-injection: outsider-chosen text (MR title, commit message, branch name)
parsed as code — through ``eval``, a ``sh -c``/``python -c`` string, or a variable that
carries it there.

The runner hands predefined variables to the shell as environment variables, so
``echo "$CI_COMMIT_TITLE"`` is data. Text becomes code only when a command parses an
argument again; that is what the shared shell analysis finds here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from shipwarden.ci.gitlab.facts import JobFacts, Script, job_facts
from shipwarden.ci.gitlab.model import Job, Pipeline, table
from shipwarden.ci.gitlab.reach import Tri
from shipwarden.ci.keys import number_repeats
from shipwarden.ci.shell import Command, Word
from shipwarden.core.catalogue import RuleMeta, rule
from shipwarden.core.findings import Confidence, Finding, Tier

META = RuleMeta(
    id="gitlab-script-injection",
    row=7,
    tier=Tier.P1,
    confidence=Confidence.HIGH,
    title="Outsider-controlled GitLab variable parsed as shell or interpreter code",
)


def expanded_names(text: str) -> list[tuple[str, int]]:
    """Variables the *current* shell expands in a word as written: ``$X``/``${X}`` outside
    single quotes (inside double quotes a ``'`` is literal). Returns (name, offset)."""
    out: list[tuple[str, int]] = []
    i, n = 0, len(text)
    state = ""
    while i < n:
        ch = text[i]
        if state == "'":
            if ch == "'":
                state = ""
        elif ch == "\\":
            i += 2
            continue
        elif ch == "'" and state != '"':
            state = "'"
        elif ch == '"':
            state = "" if state == '"' else '"'
        elif ch == "$" and i + 1 < n:
            j = i + 1
            brace = text[j] == "{"
            if brace:
                j += 1
            k = j
            while k < n and (text[k].isalnum() or text[k] == "_"):
                k += 1
            if k > j and not text[j].isdigit():
                out.append((text[j:k], i))
            i = k
            continue
        i += 1
    return out


def _code_words(cmd: Command) -> list[Word]:
    """Words of ``cmd`` that a shell or interpreter parses again as code."""
    sinks = table()["code_sinks"]
    name = cmd.canonical or cmd.name or ""
    args = list(cmd.argv[1:])
    if name == sinks["eval"]:
        return args
    if name in sinks["shells"]:
        for i, w in enumerate(args):
            if w.value is not None and w.value.startswith("-") and "c" in w.value.lstrip("-") and not w.value.startswith("--"):
                return args[i + 1 : i + 2]
        return []
    options = sinks["interpreters"].get(name)
    if options:
        for i, w in enumerate(args):
            if w.value in options:
                return args[i + 1 : i + 2]
    return []


@rule(META)
def check(pipeline: Pipeline) -> Iterator[Finding]:
    # the same variable reaching the same command twice in a job: a fingerprint each
    yield from number_repeats(_check(pipeline))


def _check(pipeline: Pipeline) -> Iterator[Finding]:
    variables = table()["variables"]
    for job in pipeline.jobs:
        facts = job_facts(job)
        # variables whose value carries outsider text (job/global `variables:`, shell assignments)
        carriers: dict[str, str] = {}
        for name, value in job.variables().items():
            for ref, _ in expanded_names(value.value):
                if ref in variables:
                    carriers[name] = ref
        for script in facts.scripts:
            yield from _script(job, facts, script, carriers, variables)


#: a bare ``NAME=value`` statement (tree-sitter-bash gives it no command)
_ASSIGN = re.compile(r"(?m)^[ \t]*([A-Za-z_][A-Za-z0-9_]*)=(.*)$")


def _script(
    job: Job, facts: JobFacts, script: Script, carriers: dict[str, str], variables: dict[str, dict[str, object]]
) -> Iterator[Finding]:
    for m in _ASSIGN.finditer(script.node.value):
        for ref, _ in expanded_names(m.group(2)):
            source = ref if ref in variables else carriers.get(ref)
            if source:
                carriers[m.group(1)] = source
    for cmd in script.facts.commands:
        for a in cmd.assignments:
            if a.value is not None:
                for ref, _ in expanded_names(a.value.text):
                    source = ref if ref in variables else carriers.get(ref)
                    if source:
                        carriers[a.name] = source
        for word in _code_words(cmd):
            for ref, offset in expanded_names(word.text):
                source = ref if ref in variables else carriers.get(ref)
                if not source:
                    continue
                found = _finding(job, facts, script, cmd, word, ref, source, offset, variables[source])
                if found is not None:
                    yield found
                    break


def _finding(
    job: Job,
    facts: JobFacts,
    script: Script,
    cmd: Command,
    word: Word,
    ref: str,
    source: str,
    offset: int,
    info: dict[str, object],
) -> Finding | None:
    who = str(info.get("who"))
    mr = facts.runs("mr")
    if info.get("mr_only") and mr is Tri.NO:
        return None  # empty outside merge request pipelines
    default = max(facts.runs("default"), facts.runs("tag"))
    if who == "mr-author":
        tier = Tier.P1 if mr is Tri.YES else Tier.P2
        why = "the merge request's author chooses it"
    elif who == "commit-author":
        tier = Tier.P1 if Tri.YES in (mr, default) else Tier.P2
        why = "commit authors choose it, and GitLab's default merge and squash messages carry the MR title"
    else:
        tier = Tier.P1 if mr is Tri.YES else Tier.P2
        why = "in merge request pipelines it is the source branch name the MR author chose" if mr is Tri.YES else (
            "whoever pushes the branch or tag chooses it"
        )
    via = "" if ref == source else f" (through ${ref})"
    start = word.start + offset
    loc = job.pipeline.file_of(script.node, job.file).value_location(script.node, start, start + len(ref) + 1, "outsider text")
    sink = cmd.name or "command"
    return META.finding(
        f"job '{job.name}': ${source}{via} is parsed again as code by `{sink}`; {why}. "
        "Pass it as data (an environment variable read by the program, a quoted argument) instead.",
        [loc, job.location("job")],
        tier=tier,
        key=f"{job.name}\x1f{source}\x1f{sink}",
        properties={"job": job.name, "variable": source, "sink": sink},
    )
