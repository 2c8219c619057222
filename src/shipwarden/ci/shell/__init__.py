"""Structural facts about CI shell scripts (GitHub ``run:``, GitLab ``script:``, Jenkins ``sh``), from tree-sitter-bash.

``analyze(script, shell)`` returns :class:`ShellFacts`: every simple command (also inside
pipelines, lists, subshells, ``$(…)``, control flow, functions and literal ``bash -c '…'`` /
``eval '…'`` bodies), classified :class:`Event` s, every ``${{ }}`` site with the shell context
it lands in, and where the parser reported errors. Every offset indexes the original script.

GitHub substitutes ``${{ }}`` text before the shell runs, so each site is replaced by a
same-length placeholder word (``__E0_____``) before parsing; offsets stay exact and word values
show the original expression text again. What commands *mean* (installs, publishes, agent CLIs,
wrappers such as ``sudo``/``env``/``npx``) lives in ``data/commands.toml``.

Shells other than bash/sh/zsh/dash/ksh get ``parsed=False`` and a light fallback, see
:func:`_fallback`. Scripts over ``MAX_PARSE_CHARS`` take the same fallback on their first
``MAX_PARSE_CHARS`` characters (``truncated=True``). Nothing is ever executed.
"""

from __future__ import annotations

from shipwarden.ci.shell.analysis import analyze, normalise_shell
from shipwarden.ci.shell.model import (
    MAX_PARSE_CHARS,
    Assignment,
    Command,
    Event,
    EventKind,
    ExpressionSite,
    Position,
    Quoting,
    Redirect,
    ShellFacts,
    Span,
    Word,
)
from shipwarden.ci.shell.tables import InstallCode, install_code, load_tables

__all__ = [
    "MAX_PARSE_CHARS",
    "Assignment",
    "Command",
    "Event",
    "EventKind",
    "ExpressionSite",
    "InstallCode",
    "Position",
    "Quoting",
    "Redirect",
    "ShellFacts",
    "Span",
    "Word",
    "analyze",
    "install_code",
    "load_tables",
    "normalise_shell",
]
