"""``LazyPattern`` answers as the compiled pattern does, and compiles only when first used."""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
import re

from hypothesis import given
from hypothesis import strategies as st

from shipwarden.core.patterns import CaselessPattern, LazyPattern


def test_answers_as_re_compile() -> None:
    lazy, eager = LazyPattern(r"(a+)(b)?", re.I), re.compile(r"(a+)(b)?", re.I)
    text = "xAab aa AB"
    for name in ("search", "match", "fullmatch"):
        for args in ((text,), (text, 1), (text, 1, 3), ("aab",)):
            got, want = getattr(lazy, name)(*args), getattr(eager, name)(*args)
            assert (got and (got.span(), got.groups())) == (want and (want.span(), want.groups())), (name, args)
    assert [m.span() for m in lazy.finditer(text)] == [m.span() for m in eager.finditer(text)]
    assert lazy.findall(text) == eager.findall(text)
    assert lazy.sub("-", text) == eager.sub("-", text)
    assert lazy.sub(lambda m: m.group(1).upper(), text, 1) == eager.sub(lambda m: m.group(1).upper(), text, 1)
    assert lazy.split(text, 1) == eager.split(text, 1)
    assert lazy.pattern == eager.pattern


def test_compiles_once_on_first_use() -> None:
    lazy = LazyPattern(r"[")  # an invalid pattern fails when used, not when declared
    try:
        lazy.search("x")
    except re.error:
        pass
    else:  # pragma: no cover
        raise AssertionError("expected re.error")
    ok = LazyPattern(r"x")
    assert ok._compiled is None
    ok.search("x")
    first = ok._compiled
    ok.match("x")
    assert first is not None and ok._compiled is first


def test_equality_by_pattern_and_flags() -> None:
    assert LazyPattern("a", re.I) == LazyPattern("a", re.I)
    assert LazyPattern("a") != LazyPattern("a", re.I)
    assert hash(LazyPattern("a", re.I)) == hash(LazyPattern("a", re.I))
    assert LazyPattern("a") != "a"


def _lazy_in(value: object, depth: int = 0) -> list[LazyPattern]:
    if isinstance(value, LazyPattern):
        return [value]
    if depth > 4:
        return []
    if isinstance(value, (tuple, list, frozenset, set)):
        return [p for v in value for p in _lazy_in(v, depth + 1)]
    if isinstance(value, dict):
        return [p for v in value.values() for p in _lazy_in(v, depth + 1)]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [p for f in dataclasses.fields(value) for p in _lazy_in(getattr(value, f.name), depth + 1)]
    return []


def test_every_declared_pattern_compiles() -> None:
    """A lazy pattern fails only when used: compile every one the analyses declare."""
    import shipwarden.ci
    from shipwarden.ci.shell.tables import load_tables

    found = _lazy_in(load_tables())
    for info in pkgutil.walk_packages(shipwarden.ci.__path__, "shipwarden.ci."):
        module = importlib.import_module(info.name)
        found.extend(p for v in vars(module).values() for p in _lazy_in(v))
    found.extend(p for v in vars(importlib.import_module("shipwarden.core.gitconfig")).values() for p in _lazy_in(v))
    assert len(found) > 90
    for pattern in found:
        assert pattern.compiled.pattern == pattern.pattern


# --------------------------------------------------------------------------- CaselessPattern

#: Letters whose case folding is special (Kelvin sign, long s, dotless i, dotted I), the
#: letters of the patterns below, and the characters around them.
_TRICKY = "KkſSsİıIiEeCcRrTtGgHhUuBbPpOoNnAaXx.\n _-`"


@given(st.text(alphabet=_TRICKY, max_size=40))
def test_caseless_answers_as_ignorecase(text: str) -> None:
    for pattern, flags in ((r"secrets(?!\.[a-z_])", re.ASCII), (r"\b(?:gh\b|hub\b|git\b[^\n]*\bpush\b)|github_token|octokit", 0)):
        want = re.compile(pattern, flags | re.IGNORECASE).search(text) is not None
        assert CaselessPattern(pattern, flags).found(text) is want, (pattern, text)


def test_caseless_text_with_a_lone_surrogate() -> None:
    assert CaselessPattern(r"secrets(?!\.[a-z_])", re.ASCII).found("\ud800 SECRETS")
    assert not CaselessPattern(r"secrets(?!\.[a-z_])", re.ASCII).found("\ud800 Secrets.X")


@given(st.text(alphabet=_TRICKY, max_size=40))
def test_rule_patterns_answer_as_before(text: str) -> None:
    """The rewritten TOKEN_USE, _WHOLE_CONTEXT and artipacked.locked answer as the patterns they replaced."""
    from shipwarden.ci.github.rules import artipacked, excessive_permissions, secrets_tojson

    token_use = re.compile(
        r"\bgh\b|\bhub\b|GITHUB_TOKEN|GH_TOKEN|GITHUB_PAT|github\.token|api\.github\.com|ACTIONS_RUNTIME_TOKEN"
        r"|\bgit\b[^\n]*\bpush\b|octokit",
        re.IGNORECASE,
    )
    whole = re.compile(r"(?i:secrets)(?!\.[A-Za-z_])", re.ASCII)
    locked = re.compile(
        r"\bnpm\s+ci\b|--frozen-lockfile|--immutable\b|--locked\b|--frozen\b|--require-hashes|\bpnpm\s+(i|install)\b"
        r"|\bpip\s+sync\b|\buv\s+sync\b[^`]*--(locked|frozen)"
    )
    for sample in (text, f"git {text} push", f"pnpm {text}", f"uv sync {text} --locked", f"{text}GitHub_Token", f"p{text}npm ci", f"pip sync{text}"):
        assert excessive_permissions.TOKEN_USE.found(sample) is (token_use.search(sample) is not None)
        assert secrets_tojson._WHOLE_CONTEXT.found(sample) is (whole.search(sample) is not None)
        assert artipacked.locked(sample) is (locked.search(sample) is not None)


def test_caseless_patterns_are_written_in_lower_case() -> None:
    import shipwarden.ci

    found: list[CaselessPattern] = []
    for info in pkgutil.walk_packages(shipwarden.ci.__path__, "shipwarden.ci."):
        module = importlib.import_module(info.name)
        found.extend(v for v in vars(module).values() if isinstance(v, CaselessPattern))
    assert len(found) >= 2
    for pattern in found:
        outside_escapes = re.sub(r"\\.", "", pattern.pattern)
        assert outside_escapes == outside_escapes.lower(), pattern
        pattern.found("x")  # the folded form compiles
        pattern.found("\u017f")  # and the case-insensitive one
