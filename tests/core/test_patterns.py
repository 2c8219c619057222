"""``LazyPattern`` answers as the compiled pattern does, and compiles only when first used."""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
import re

from shipwarden.core.patterns import LazyPattern


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
