"""The GitLab CI model: a pipeline (root file and its local includes) and its jobs.

Every job's keywords are the resolved configuration GitLab would run (includes merged,
``default:`` and global keywords inherited, ``extends`` and ``<<`` merges applied,
``!reference`` tags replaced); every node still carries its span in the file it was
written in (:attr:`Pipeline.origins`).
"""

from __future__ import annotations

import functools
import re
from dataclasses import field
from typing import Any

from shipwarden.ci.sourcefile import SourceFile
from shipwarden.ci.yamlspan import Mapping, Node, Scalar, Sequence
from shipwarden.core.findings import Location
from shipwarden.core.structs import struct
from shipwarden.core.tables import load_table


@functools.cache
def table() -> dict[str, Any]:
    """``data/gitlab.toml``: predefined variables, keywords, credential names."""
    return load_table("shipwarden.ci.gitlab", "gitlab.toml")


@functools.cache
def secret_name() -> re.Pattern[str]:
    return re.compile(str(table()["credentials"]["secret_name"]))


@struct
class Include:
    """One ``include:`` entry. Only ``local`` ones are read; the others are judged."""

    kind: str  # local | project | remote | template | component
    target: str
    node: Node
    file: SourceFile
    ref: str | None = None
    integrity: str | None = None

    def location(self, label: str = "") -> Location:
        return self.file.location(self.node, label)


@struct(eq=False)
class Job:
    name: str
    key: Scalar
    file: SourceFile
    config: dict[str, Node]
    pipeline: Pipeline = field(repr=False)

    def get(self, keyword: str) -> Node | None:
        return self.config.get(keyword)

    def text(self, keyword: str) -> str | None:
        node = self.config.get(keyword)
        return node.value if isinstance(node, Scalar) else None

    def location(self, label: str = "") -> Location:
        return self.file.location(self.key, label)

    def where(self, node: Node | None, label: str = "") -> Location:
        """Location of a node of this job's configuration, in the file it was written in."""
        if node is None:
            return self.location(label)
        return self.pipeline.file_of(node, self.file).location(node, label)

    def scripts(self) -> list[tuple[str, Scalar]]:
        """Every script line, ``(section, scalar)``, ``before_script`` first."""
        out: list[tuple[str, Scalar]] = []
        for section in ("before_script", "script", "after_script"):
            for item in flatten(self.config.get(section)):
                out.append((section, item))
        return out

    def variables(self) -> dict[str, Scalar]:
        """The job's variables over the pipeline's global ones (``value:`` forms too)."""
        merged: dict[str, Scalar] = {}
        inherit = self.config.get("inherit")
        take_global = True
        if isinstance(inherit, Mapping):
            flag = inherit.get("variables")
            take_global = not (isinstance(flag, Scalar) and flag.value == "false")
        if take_global:
            merged.update(self.pipeline.variables)
        merged.update(variable_map(self.config.get("variables")))
        return merged

    @property
    def trigger(self) -> bool:
        return "trigger" in self.config


@struct(eq=False)
class Pipeline:
    """A root ``.gitlab-ci.yml`` with everything it includes locally."""

    root: SourceFile
    files: dict[str, SourceFile] = field(default_factory=dict)
    origins: dict[int, SourceFile] = field(default_factory=dict)
    jobs: list[Job] = field(default_factory=list)
    includes: list[Include] = field(default_factory=list)
    variables: dict[str, Scalar] = field(default_factory=dict)
    workflow: Mapping | None = None
    #: the merged top-level configuration (hidden jobs too), for ``!reference`` and ``extends``
    top: dict[str, Node] = field(default_factory=dict)
    #: per-job facts computed once and shared by every rule (``ci.gitlab.facts``)
    memo: dict[int, object] = field(default_factory=dict, repr=False)
    #: the trigger jobs that start this pipeline as a child (``trigger: include: local``)
    parent_jobs: list[Job] = field(default_factory=list, repr=False)
    children: list[Pipeline] = field(default_factory=list, repr=False)

    @property
    def path(self) -> str:
        return self.root.path

    def file_of(self, node: Node, default: SourceFile | None = None) -> SourceFile:
        return self.origins.get(id(node)) or default or self.root

    def job(self, name: str) -> Job | None:
        for job in self.jobs:
            if job.name == name:
                return job
        return None


def flatten(node: Node | None) -> list[Scalar]:
    """Scalars of a scalar or (nested, as ``!reference`` leaves them) sequence."""
    if isinstance(node, Scalar):
        return [node]
    out: list[Scalar] = []
    if isinstance(node, Sequence):
        for item in node.items:
            out.extend(flatten(item))
    return out


def variable_map(node: Node | None) -> dict[str, Scalar]:
    """``variables:`` as name → value scalar (``NAME: {value: …}`` forms too)."""
    out: dict[str, Scalar] = {}
    if not isinstance(node, Mapping):
        return out
    for key, value in node.items:
        if isinstance(value, Mapping):
            value = value.get("value")  # type: ignore[assignment]
        if isinstance(value, Scalar):
            out[key.value] = value
    return out
