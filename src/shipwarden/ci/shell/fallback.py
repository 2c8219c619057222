"""Token-level analysis for shells tree-sitter-bash does not parse (pwsh, cmd, oversized scripts)."""

from __future__ import annotations

import bisect
import re

from shipwarden.ci.shell.commands import resolve
from shipwarden.ci.shell.model import Span, Word
from shipwarden.ci.shell.state import Analysis, Cmd, Element
from shipwarden.ci.shell.tables import POSIX_SHELLS
from shipwarden.core.patterns import LazyPattern

_FB_TOKEN = LazyPattern(
    r"""(?P<sep>\r?\n|;|&&|\|\||\||&)"""
    r"""|(?P<redir>\d?>>?|<)"""
    r"""|(?P<word>(?:'[^'\n]*'|"(?:[^"\\\n]|\\.)*"|`.|[^\s;&|'"`<>])+)"""
    r"""|(?P<other>\S)""",
)
_FB_QUOTES = LazyPattern(r"""'([^']*)'|"((?:[^"\\]|\\.)*)"|`(.)""")
_CMD_VARIABLE = LazyPattern(r"%\w+%")
_CMD_COMMENT = LazyPattern(r"(?im)^[ \t]*(?:rem\b|::).*$")
_CODE_HASH_COMMENTS = frozenset({"python", "ruby", "perl"})


def run_fallback(an: Analysis, text: str, shell: str) -> None:
    """Light, token-level analysis for shells tree-sitter-bash does not parse.

    * pwsh / cmd / oversized bash: statements split on newlines, ``;``, ``&&``, ``||``, ``|``;
      words split on whitespace with simple quote handling; ``#`` after whitespace (cmd:
      ``REM``/``::`` lines) starts a comment. Each statement becomes a Command (words holding
      ``$``/``%VAR%`` are dynamic) and goes through the same wrapper and rules tables as parsed
      commands, so ``npm ci`` or ``twine upload`` are still recognised, as are ``curl … | bash``
      pipes. pwsh only: ``iex (iwr …)`` / ``irm … | iex`` lines (``[remote_exec.pwsh]``).
      Writes to ``$GITHUB_ENV`` / ``$env:GITHUB_ENV`` / ``%GITHUB_ENV%`` by ``>``/``>>`` or by a
      writer command (``tee``, ``Add-Content``, ``Out-File``, ``Set-Content``).
    * python / node / any other program: only expression sites (quoting UNKNOWN; for python,
      ruby and perl a site after an unquoted ``#`` on its line is marked as a comment).
    """
    t = an.tables
    if shell not in ("pwsh", "cmd") and shell not in POSIX_SHELLS:
        if shell in _CODE_HASH_COMMENTS:
            an.comments = [(s, e) for s, e in an.sites if _after_hash(an.script, s)]
        return
    comments: list[tuple[int, int]] = [(m.start(), m.end()) for m in _CMD_COMMENT.finditer(text)] if shell == "cmd" else []
    statements: list[list[tuple[int, int]]] = []
    redirected: list[set[int]] = []  # per statement: word positions right after > / >>
    pipes: list[list[int]] = []
    current: list[tuple[int, int]] = []
    current_redirected: set[int] = set()
    pipe: list[int] = []
    after_redirect = False

    def end_statement() -> None:
        nonlocal current, current_redirected
        if current:
            statements.append(current)
            redirected.append(current_redirected)
            pipe.append(len(statements) - 1)
        current, current_redirected = [], set()

    pos, n = 0, len(text)
    while pos < n:
        m = _FB_TOKEN.search(text, pos)
        if m is None:
            break
        pos = m.end()
        kind = m.lastgroup
        start = m.start()
        if comments and any(a <= start < b for a, b in comments[-2:]):
            continue
        if kind == "word":
            if text[start] == "#" and (start == 0 or text[start - 1] in " \t\n;"):
                eol = text.find("\n", start)
                eol = n if eol < 0 else eol
                comments.append((start, eol))
                pos = eol
                continue
            if after_redirect:
                current_redirected.add(len(current))
            after_redirect = False
            current.append((start, m.end()))
        elif kind == "redir":
            after_redirect = m.group().endswith(">")
        elif kind == "sep":
            end_statement()
            if m.group() != "|":
                if len(pipe) > 1:
                    pipes.append(pipe)
                pipe = []
    end_statement()
    if len(pipe) > 1:
        pipes.append(pipe)
    an.comments = comments

    cmds: list[Cmd] = []
    for spans in statements:
        cmd = Cmd(spans[0][0], spans[-1][1], [_fallback_word(an, text, s, e) for s, e in spans])
        resolve(cmd, t)
        if shell != "bash" and cmd.canonical is not None:
            cmd.canonical = cmd.canonical.lower()
        an.commands.append(cmd)
        cmds.append(cmd)
    for idx in pipes:
        an.pipelines.append([Element(cmds[i].start, cmds[i].end, cmds[i], []) for i in idx])
    for i, cmd in enumerate(cmds):
        writer = (cmd.canonical or "") in t.writers
        for k, word in enumerate(cmd.words):
            m = t.env_target_fallback.search(word.text)
            if m is None or not (k in redirected[i] or (writer and k > 0)):
                continue
            if k in redirected[i]:
                body = cmd.words[1 if cmd.canonical in t.echo else 0 : k]
            else:
                body = [w for j, w in enumerate(cmd.words[1:], 1) if j != k and not (w.value or "-").startswith("-")]
            file = (m.group(1) or m.group(2)).upper()
            an.fallback_env.append((cmd, word, file, [Span(w.start, w.end) for w in body]))
            break
    if shell == "pwsh":
        starts = [c.start for c in cmds]
        for pattern in t.pwsh_remote:
            for m in pattern.finditer(text):
                k = bisect.bisect_right(starts, m.start()) - 1
                owner = cmds[k] if k >= 0 else None
                eol = text.find("\n", m.start())
                url = t.url.search(text, m.start(), n if eol < 0 else eol)
                target = None
                if url is not None:
                    s, e = url.start(), url.end()
                    target = Word(s, e, an.script, url.group(), an.sites_in(s, e))
                an.fallback_remote.append((owner, m.start(), m.end(), target))


_PLACEHOLDER = LazyPattern(r"__E(\d+)_*")


def _unplace(m: re.Match[str], an: Analysis, text: str) -> str:
    idx = int(m.group(1))
    if idx < len(an.sites):
        a, b = an.sites[idx]
        if m.group().startswith(text[a:b]):
            return an.script[a:b] + m.group()[b - a :]
    return m.group()


def _fallback_word(an: Analysis, text: str, s: int, e: int) -> Word:
    raw = text[s:e]
    sites = an.sites_in(s, e)
    value: str | None = None
    if "$" not in raw and not ("%" in raw and _CMD_VARIABLE.search(raw)):
        value = raw
        if "'" in raw or '"' in raw or "`" in raw:  # what _FB_QUOTES matches starts with one of them
            value = _FB_QUOTES.sub(lambda m: m.group(1) or m.group(2) or m.group(3) or "", raw)
        if sites:
            value = _PLACEHOLDER.sub(lambda m: _unplace(m, an, text), value)
    return Word(s, e, an.script, value, sites)


def _after_hash(script: str, offset: int) -> bool:
    """A ``#`` outside quotes earlier on the same line (python/pwsh-style comment)."""
    line_start = script.rfind("\n", 0, offset) + 1
    quote = ""
    for ch in script[line_start:offset]:
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == "#":
            return True
    return False
