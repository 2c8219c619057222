"""``${{ }}`` sites in a workflow's scalars, the context paths they read, and the sinks where
they become code (a ``run:`` script, an action's script or command input)."""

from __future__ import annotations

from functools import lru_cache

from shipwarden.ci.github import expressions as ex
from shipwarden.ci.github.knowledge import step_info
from shipwarden.ci.github.model import Scalar, Step
from shipwarden.ci.sourcefile import SourceFile
from shipwarden.core.findings import Location
from shipwarden.core.structs import struct


@struct(frozen=True)
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


@lru_cache(maxsize=8192)  # asked once per occurrence; a workflow repeats its expressions
def flowing_paths(inner: str) -> tuple[str, ...]:
    """Context paths whose text can reach the value of an expression."""
    try:
        expr = ex.parse(inner)
    except ex.ExprSyntaxError:
        return ()
    return tuple(ref.dotted for ref in ex.flowing_refs(expr))


@lru_cache(maxsize=8192)
def all_paths(inner: str) -> tuple[str, ...]:
    try:
        expr = ex.parse(inner)
    except ex.ExprSyntaxError:
        return ()
    return tuple(ref.dotted for ref in ex.context_refs(expr))


@struct(frozen=True)
class Sink:
    site: Site
    kind: str  # "shell script", "github-script code", "command input"


def sinks(step: Step) -> list[Sink]:
    run = step.run
    out = (
        [Sink(s, f"{step.shell} script (run:)") for s in sites_in(step.file, run, "run", step)]
        if run is not None and "${{" in run.value
        else []
    )
    if step.uses is None:
        return out  # no action, no inputs
    info = step_info(step)
    if info:
        for name in info.script_inputs:
            out += [Sink(s, f"{info.name} code (with.{name})") for s in sites_in(step.file, step.with_.get(name), f"with.{name}", step)]
        for name in info.command_inputs:
            out += [Sink(s, f"{info.name} command (with.{name})") for s in sites_in(step.file, step.with_.get(name), f"with.{name}", step)]
    return out
