"""``${{ … }}`` template sites in CI text: GitHub Actions (and Gitea/Forgejo) substitute them
into a script's text before any shell parses it, so the shell analysis (:mod:`shipwarden.ci.shell`)
places them first. Parsing the expression inside is the provider's business
(:func:`shipwarden.ci.github.expressions.parse_site`)."""

from __future__ import annotations

from shipwarden.core.structs import struct


@struct(frozen=True)
class ExprSite:
    """One `${{ … }}` in a string. `start`/`end` span the whole site; `inner_*` the expression.

    An unterminated site runs to the end of the string with `terminated=False`.
    """

    start: int
    end: int
    inner_start: int
    inner_end: int
    text: str
    terminated: bool


def find_expressions(s: str) -> list[ExprSite]:
    """Every `${{ … }}` in `s`. `}}` inside a single-quoted string literal does not close a site."""
    sites: list[ExprSite] = []
    n = len(s)
    pos = s.find("${{")
    while pos >= 0:
        inner = pos + 3
        j = inner
        close = -1
        brace = s.find("}}", inner)
        while True:
            quote = s.find("'", j, brace if brace >= 0 else n)
            if quote < 0:
                close = brace
                break
            # skip a string literal; '' is an escaped quote and simply re-enters the loop
            end_quote = s.find("'", quote + 1)
            if end_quote < 0:
                break
            j = end_quote + 1
            if 0 <= brace < j:
                brace = s.find("}}", j)
        if close < 0:
            sites.append(ExprSite(pos, n, inner, n, s[inner:], False))
            break
        sites.append(ExprSite(pos, close + 2, inner, close, s[inner:close], True))
        pos = s.find("${{", close + 2)
    return sites
