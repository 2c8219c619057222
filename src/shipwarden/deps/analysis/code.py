"""Dispatch code to the analyser for its language (never executes it).

The shared types live in :mod:`shipwarden.deps.analysis.facts`; the analysers import
only that module, and code nested in code comes back here through ``Context.dispatch``.
"""

from __future__ import annotations

from dataclasses import replace

from shipwarden.deps.analysis.facts import LANGUAGES, CodeFacts, Context, language_of
from shipwarden.deps.analysis.javascript import analyze_javascript
from shipwarden.deps.analysis.python import analyze_python
from shipwarden.deps.analysis.shell import analyze_shell

__all__ = ["LANGUAGES", "CodeFacts", "Context", "analyze_code", "language_of"]

_ANALYSERS = {"javascript": analyze_javascript, "python": analyze_python, "shell": analyze_shell}


def analyze_code(language: str, text: str, ctx: Context) -> CodeFacts:
    """Analyse ``text`` as ``language`` (javascript, python or shell). Never executes it."""
    analyser = _ANALYSERS.get(language)
    if analyser is None:
        return CodeFacts(notes=[f"{ctx.path}: no analyser for {language}"])
    if ctx.dispatch is None:
        ctx = replace(ctx, dispatch=analyze_code)
    return analyser(text, ctx)
