"""The types every code analyser shares: where evidence goes (:class:`Context`), what an analysis
found (:class:`CodeFacts`), the judgement of named paths, and language guessing.

The analysers (``javascript``, ``python``, ``shell``) and the dispatcher (``code``) all import
this module and never each other: nested code is handed to ``Context.dispatch``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from shipwarden.deps.analysis.model import Capability, Evidence
from shipwarden.deps.analysis.strings import safe_snippet

LANGUAGES = ("javascript", "python", "shell")

#: ``analyze(language, text, ctx)``: the signature of the dispatcher.
Analyser = Callable[[str, str, "Context"], "CodeFacts"]


@dataclass(slots=True)
class Context:
    """Where evidence found in a piece of code is reported."""

    path: str
    #: When non-zero every evidence line is this one (code inline in a manifest, decoded payloads).
    fixed_line: int = 0
    #: Where the code sits ("in decoded data"; nested contexts joined by " › ").
    context: str = ""
    #: Nesting of inline and decoded code; analysis stops at the indicator limit.
    depth: int = 0
    #: The dispatcher nested code goes to (set by :func:`shipwarden.deps.analysis.code.analyze_code`);
    #: passed down rather than imported, so the analysers and the dispatcher form no import cycle.
    dispatch: Analyser | None = field(default=None, compare=False, repr=False)

    def evidence(
        self, capability: Capability, detail: str, line: int, column: int = 0, text: str = "", strong: bool = True
    ) -> Evidence:
        return Evidence(
            capability=capability,
            detail=detail,
            context=self.context,
            path=self.path,
            line=self.fixed_line or line,
            column=0 if self.fixed_line else column,
            snippet=safe_snippet(text),
            strong=strong,
        )

    def nested(self, line: int, context: str) -> Context:
        joined = " › ".join(c for c in (self.context, context) if c)
        return Context(self.path, self.fixed_line or line, joined, self.depth + 1, self.dispatch)

    def analyze_nested(self, language: str, text: str, line: int, context: str) -> CodeFacts:
        """Analyse code found inside this code (evaluated, decoded, inline) as ``language``."""
        if self.dispatch is None:
            return CodeFacts(notes=[f"{self.path}: nested {language} code not analysed (no dispatcher)"])
        return self.dispatch(language, text, self.nested(line, context))


@dataclass(slots=True)
class CodeFacts:
    evidence: list[Evidence] = field(default_factory=list)
    #: Local files this code runs or loads: (language, path as written, line).
    runs: list[tuple[str, str, int]] = field(default_factory=list)
    #: Python: modules imported, dotted (a ``.pth`` line's imports run at start-up).
    imports: list[str] = field(default_factory=list)
    #: Problems (syntax errors, truncation) worth telling the user.
    notes: list[str] = field(default_factory=list)

    def extend(self, other: CodeFacts) -> None:
        self.evidence.extend(other.evidence)
        self.runs.extend(other.runs)
        self.imports.extend(other.imports)
        self.notes.extend(other.notes)


def upgrade_named_paths(
    facts: CodeFacts, ctx: Context, *, dynamic_reads: bool, dynamic_writes: bool, dynamic_shell: bool
) -> None:
    """Judge the paths a file only *names* by what else it does (JavaScript and Python alike).

    A credential path named in a file that reads computed paths is a read. A
    persistence location counts where the file could write it: strong when the
    file writes files by computed path, weak when it runs shell command lines built
    at run time. A file that does neither (a library that reads, checks or removes a
    service file) only names it, and the mention is dropped — except in decoded or
    evaluated code, whose mentions stay for the file around it.
    """
    kept = []
    for ev in facts.evidence:
        own = not ev.strong and ev.path == ctx.path
        if own and ev.capability is Capability.CREDENTIAL_READ and dynamic_reads:
            ev = replace(ev, strong=True, detail=ev.detail + "; the file reads files by computed path")
        elif own and ev.capability is Capability.PERSISTENCE:
            if dynamic_writes:
                ev = replace(ev, strong=True, detail=ev.detail + "; the file writes files by computed path")
            elif not dynamic_shell and ctx.depth == 0 and ev.context == ctx.context:
                continue
        kept.append(ev)
    facts.evidence[:] = kept


def guess_language(code: str) -> str:
    head = code[:4000]
    if re.search(r"\brequire\(|=>|\bconst |\bfunction\b|process\.", head):
        return "javascript"
    if re.search(r"^\s*(?:import |from \S+ import |def |exec\()", head, re.M):
        return "python"
    return "shell"


def language_of(path: str) -> str | None:
    low = path.lower()
    if low.endswith((".js", ".cjs", ".mjs", ".ts", ".cts", ".mts", ".jsx")):
        return "javascript"
    if low.endswith((".py", ".pyw")):
        return "python"
    if low.endswith((".sh", ".bash", ".zsh")):
        return "shell"
    return None
