"""A Jenkinsfile parsed with tree-sitter-groovy: its script steps, the credentials in scope
of each, and the shared libraries and files it loads. Spans are exact."""

from __future__ import annotations

import functools
from dataclasses import field
from typing import Any

from shipwarden.ci.sourcefile import SourceFile
from shipwarden.core.structs import struct
from shipwarden.core.tables import load_table


@functools.cache
def table() -> dict[str, Any]:
    return load_table("shipwarden.ci.jenkins", "jenkins.toml")


@struct(frozen=True)
class Interpolation:
    """``${expr}`` or ``$name`` inside a Groovy double-quoted (G)string."""

    start: int
    end: int
    expr: str


@struct
class ScriptStep:
    """``sh "…"``/``bat``/``powershell`` with the (G)string it runs."""

    step: str
    start: int
    end: int
    gstring: bool
    text_start: int
    text: str
    interpolations: list[Interpolation] = field(default_factory=list)
    #: credential variables bound around the step (``withCredentials``, ``credentials()``)
    credentials: frozenset[str] = frozenset()
    #: the condition that keeps the step off pull request builds (a stage's ``when``, an
    #: ``if`` on the branch), or "" when nothing visible does
    guard: str = ""


@struct
class LibraryRef:
    kind: str  # library | load
    target: str
    version: str | None
    start: int
    end: int


@struct(eq=False)
class Jenkinsfile:
    source: SourceFile
    steps: list[ScriptStep] = field(default_factory=list)
    libraries: list[LibraryRef] = field(default_factory=list)
    #: regions tree-sitter could not parse (the rest is still analysed)
    parse_errors: int = 0
    #: the file shows it builds pull requests (``changeRequest()``, ``CHANGE_ID``…)
    builds_prs: bool = False

    @property
    def path(self) -> str:
        return self.source.path
