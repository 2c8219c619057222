"""Dispatch code to the analyser for its language; the shared result and context types."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from shipwarden.deps.analysis.model import Capability, Evidence
from shipwarden.deps.analysis.strings import safe_snippet

LANGUAGES = ("javascript", "python", "shell")


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
        return Context(self.path, self.fixed_line or line, joined, self.depth + 1)


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


def analyze_code(language: str, text: str, ctx: Context) -> CodeFacts:
    """Analyse ``text`` as ``language`` (javascript, python or shell). Never executes it."""
    if language == "javascript":
        from shipwarden.deps.analysis.javascript import analyze_javascript

        return analyze_javascript(text, ctx)
    if language == "python":
        from shipwarden.deps.analysis.python import analyze_python

        return analyze_python(text, ctx)
    if language == "shell":
        from shipwarden.deps.analysis.shell import analyze_shell

        return analyze_shell(text, ctx)
    return CodeFacts(notes=[f"{ctx.path}: no analyser for {language}"])


def language_of(path: str) -> str | None:
    low = path.lower()
    if low.endswith((".js", ".cjs", ".mjs", ".ts", ".cts", ".mts", ".jsx")):
        return "javascript"
    if low.endswith((".py", ".pyw")):
        return "python"
    if low.endswith((".sh", ".bash", ".zsh")):
        return "shell"
    return None
