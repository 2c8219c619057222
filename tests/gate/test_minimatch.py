from __future__ import annotations

import pytest

from shipwarden.packaging.minimatch import Minimatch, brace_expand


@pytest.mark.parametrize(
    "pattern,expanded",
    [
        ("/readme{,.*[^~$]}", ["/readme", "/readme.*[^~$]"]),
        ("a{b,c{d,e}}f", ["abf", "acdf", "acef"]),
        ("x{1..3}", ["x1", "x2", "x3"]),
        ("{a}b", ["{a}b"]),
        ("${a,b}", ["${a,b}"]),
    ],
)
def test_brace_expand(pattern: str, expanded: list[str]) -> None:
    assert brace_expand(pattern) == expanded


@pytest.mark.parametrize(
    "pattern,path,partial,hit",
    [
        ("*.map", "/dist/a.js.map", False, True),  # matchBase
        ("/dist/*.map", "/dist/a.js.map", False, True),
        ("/dist/*.map", "/lib/a.js.map", False, False),
        ("**/.git/**", "a/.git/config", False, True),
        ("*", ".env", False, True),  # dot: true
        ("*", "..", False, False),
        ("README", "/readme", False, True),  # nocase
        ("/dist/index.js", "/dist", True, True),  # partial: a folder on the way
        ("/dist/index.js", "/lib", True, False),
        ("[!a]*.js", "b.js", False, True),
        ("[!a]*.js", "a.js", False, False),
        ("@(a|b).js", "b.js", False, True),
        ("x/!(a).js", "x/c.js", False, True),
        ("x/!(a).js", "x/a.js", False, False),
        ("a/**/b", "a/x/y/b", False, True),
        ("a/**", "a", False, False),
    ],
)
def test_match(pattern: str, path: str, partial: bool, hit: bool) -> None:
    assert Minimatch.compile(pattern).match(path, partial) is hit


def test_negation_and_comments() -> None:
    rule = Minimatch.compile("!!x")
    assert not rule.negate and Minimatch.compile("!x").negate
    assert not Minimatch.compile("# x").match("# x")
