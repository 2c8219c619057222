"""Parser, unparser, `${{ }}` site finder and context-ref flow of the expression language."""

from __future__ import annotations

import contextlib
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shipwarden.ci.github.expressions import (
    Binary,
    Boolean,
    Call,
    Context,
    ExprSyntaxError,
    Index,
    Logical,
    Not,
    Null,
    Number,
    Property,
    Star,
    String,
    context_refs,
    find_expressions,
    flowing_refs,
    parse,
    parse_site,
    unparse,
)

CORPUS = Path("/work/shared/corpus/workflows")


def ctx(dotted: str) -> Property | Context:
    """`a.b.c` as an AST."""
    head, *rest = dotted.split(".")
    node: Property | Context = Context(head)
    for name in rest:
        node = Property(node, name)
    return node


# ----------------------------------------------------------------------------------- literals


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("null", Null()),
        ("true", Boolean(True)),
        ("false", Boolean(False)),
        ("42", Number(42.0)),
        ("-3.5", Number(-3.5)),
        ("+7", Number(7.0)),
        (".5", Number(0.5)),
        ("1e3", Number(1000.0)),
        ("2.5E-2", Number(0.025)),
        ("0xff", Number(255.0)),
        ("0o17", Number(15.0)),
        ("Infinity", Number(math.inf)),
        ("-Infinity", Number(-math.inf)),
        ("'it''s'", String("it's")),
        ("''", String("")),
        ("'}} ${{'", String("}} ${{")),
    ],
)
def test_literals(text: str, expected: object) -> None:
    assert parse(text) == expected


def test_nan_literal() -> None:
    node = parse("NaN")
    assert isinstance(node, Number) and math.isnan(node.value)


def test_keywords_are_case_sensitive_but_contexts_and_functions_are_not() -> None:
    assert parse("True") == Context("True")  # GitHub: only lower-case true is the literal
    refs = context_refs(parse("GitHub.Event.Issue.Title"))
    assert refs[0].path == ("github", "event", "issue", "title")
    assert flowing_refs(parse("CONTAINS(github.event.issue.title, 'x')")) == []


# ------------------------------------------------------------------------- structure, precedence


def test_property_index_filter_and_call() -> None:
    assert parse("steps.my-step_1.outputs.x") == ctx("steps.my-step_1.outputs.x")
    assert parse("a['b']") == Index(Context("a"), String("b"))
    assert parse("a[0]") == Index(Context("a"), Number(0.0))
    assert parse("a[b.c]") == Index(Context("a"), ctx("b.c"))
    assert parse("a.*.b") == Property(Star(Context("a")), "b")
    assert parse("a[*].b") == Property(Star(Context("a")), "b")
    assert parse("fromJSON(x).y") == Property(Call("fromJSON", (Context("x"),)), "y")
    assert parse("success()") == Call("success", ())
    assert parse("format('{0}', a, )") == Call("format", (String("{0}"), Context("a")))  # trailing comma
    assert parse("a.true.null") == Property(Property(Context("a"), "true"), "null")  # keywords as names


def test_precedence() -> None:
    a, b, c, d = (Context(n) for n in "abcd")
    assert parse("a || b && c") == Logical("||", (a, Logical("&&", (b, c))))
    assert parse("a && b || c && d") == Logical("||", (Logical("&&", (a, b)), Logical("&&", (c, d))))
    assert parse("a == b && c != d") == Logical("&&", (Binary("==", a, b), Binary("!=", c, d)))
    assert parse("a < b == c >= d") == Binary("==", Binary("<", a, b), Binary(">=", c, d))
    assert parse("!a == b") == Binary("==", Not(a), b)
    assert parse("!(a == b)") == Not(Binary("==", a, b))
    assert parse("a == b == c") == Binary("==", Binary("==", a, b), c)  # left-associative
    assert parse("a || b || c") == Logical("||", (a, b, c))  # flat
    assert parse("(a || b) || c") == Logical("||", (Logical("||", (a, b)), c))  # parens kept
    assert parse("!!a") == Not(Not(a))
    assert parse("a==-1") == Binary("==", a, Number(-1.0))


def test_offsets() -> None:
    text = "  github.event.issue.title == 'x' "
    node = parse(text)
    assert isinstance(node, Binary)
    assert text[node.left.start : node.left.end] == "github.event.issue.title"
    assert text[node.right.start : node.right.end] == "'x'"
    assert (node.start, node.end) == (2, 33)
    call = parse("format('{0}', a.b)")
    assert isinstance(call, Call) and (call.start, call.end) == (0, 18)
    (ref,) = context_refs(call)
    assert (ref.start, ref.end) == (14, 17)


@pytest.mark.parametrize(
    ("text", "offset"),
    [
        ("", 0),
        ("   ", 0),
        ("a ==", 4),
        ("a = b", 2),
        ("a & b", 2),
        ("'abc", 0),
        ("1abc", 0),
        ("1.2.3", 0),
        ("a.", 2),
        ("a.1", 2),
        ("a b", 2),
        ("(a", 2),
        ("a)", 1),
        ("f(a b)", 4),
        ("f(,)", 2),
        ("a[1", 3),
        ("'x'.y", 3),
        ("#", 0),
        ("a * b", 2),
        ("$x", 0),
        ("0x", 0),
    ],
)
def test_syntax_errors(text: str, offset: int) -> None:
    with pytest.raises(ExprSyntaxError) as info:
        parse(text)
    assert info.value.offset == offset


@pytest.mark.parametrize(
    "text",
    [
        "(" * 5000 + "a" + ")" * 5000,
        "!" * 50000 + "a",
        "a" + ".b" * 5000,
        "a" + " == b" * 5000,
        "f(" * 3000 + ")" * 3000,
        "a" + "[b" * 3000 + "]" * 3000,
        "0x" + "f" * 400,
    ],
)
def test_hostile_input_is_a_syntax_error(text: str) -> None:
    with pytest.raises(ExprSyntaxError):
        parse(text)


def test_long_flat_chains_are_fine() -> None:
    node = parse(" || ".join(f"a{i}" for i in range(3000)))
    assert isinstance(node, Logical) and len(node.operands) == 3000


# -------------------------------------------------------------------------------------- unparse


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("a||b&&c", "a || b && c"),
        ("(a||b)&&c", "(a || b) && c"),
        ("!(a)", "!a"),
        ("!(a==b)", "!(a == b)"),
        ("a == (b == c)", "a == (b == c)"),
        ("0x10", "16"),
        ("1.50", "1.5"),
        ("'a''b'", "'a''b'"),
        ("a['b'].*[0]", "a['b'].*[0]"),
        ("(a || b).c", "(a || b).c"),
        ("('x')[0]", "('x')[0]"),
    ],
)
def test_unparse_canonical(text: str, canonical: str) -> None:
    assert unparse(parse(text)) == canonical
    assert parse(canonical) == parse(text)


# -------------------------------------------------------------------------------- `${{ }}` sites


def test_find_expressions_basic_offsets() -> None:
    s = "echo ${{ github.event.issue.title }} and ${{x}}"
    sites = find_expressions(s)
    assert [site.text for site in sites] == [" github.event.issue.title ", "x"]
    first = sites[0]
    assert s[first.start : first.end] == "${{ github.event.issue.title }}"
    assert s[first.inner_start : first.inner_end] == first.text
    assert all(site.terminated for site in sites)


def test_find_expressions_quoted_braces_and_escapes() -> None:
    s = "${{ format('}}{0}', 'it''s }}') }} tail ${{ a }}"
    sites = find_expressions(s)
    assert len(sites) == 2
    assert sites[0].text == " format('}}{0}', 'it''s }}') "
    assert parse_site(sites[0]) == Call("format", (String("}}{0}"), String("it's }}")))
    assert sites[1].text == " a "


@pytest.mark.parametrize(
    "s",
    ["echo ${{ github.sha", "${{ 'unterminated }}", "ok ${{ a }} then ${{ b"],
)
def test_find_expressions_unterminated(s: str) -> None:
    sites = find_expressions(s)
    assert sites and not sites[-1].terminated
    assert sites[-1].end == len(s)
    with pytest.raises(ExprSyntaxError):
        parse_site(sites[-1])


def test_find_expressions_none_and_adjacent() -> None:
    assert find_expressions("plain $HOME {{ not }} ${ {x}}") == []
    sites = find_expressions("${{a}}${{b}}")
    assert [(x.start, x.end) for x in sites] == [(0, 6), (6, 12)]


# ---------------------------------------------------------------------------- refs and flow


def _paths(text: str, flowing: bool = False) -> list[str]:
    refs = flowing_refs(parse(text)) if flowing else context_refs(parse(text))
    return [r.dotted for r in refs]


def test_context_ref_normalisation() -> None:
    assert _paths("github.event.commits.*.message") == ["github.event.commits.*.message"]
    assert _paths("github.event.commits[0].message") == ["github.event.commits.*.message"]
    assert _paths("github['event'].pull_request['head'].ref") == ["github.event.pull_request.head.ref"]
    assert _paths("matrix[inputs.which]") == ["matrix.*", "inputs.which"]
    assert _paths("needs.build.outputs.version") == ["needs.build.outputs.version"]
    assert _paths("fromJSON(steps.a.outputs.b).c") == ["steps.a.outputs.b"]
    assert _paths("'literal'") == []


@pytest.mark.parametrize(
    ("text", "flowing"),
    [
        ("github.event.issue.title", ["github.event.issue.title"]),
        ("github.event.issue.title == 'x'", []),
        ("!github.event.issue.title", []),
        ("contains(github.event.issue.title, 'x')", []),
        ("startsWith(github.head_ref, 'x') || endsWith(github.head_ref, 'y')", []),
        ("hashFiles(github.event.issue.title)", []),
        ("a || b", ["a", "b"]),
        ("a && b", ["a", "b"]),
        ("a == b && c", ["c"]),
        ("format('{0} {1}', a, b)", ["a", "b"]),
        ("join(github.event.commits.*.message, ' ')", ["github.event.commits.*.message"]),
        ("toJSON(github.event)", ["github.event"]),
        ("fromJSON(env.X)", ["env.X".lower()]),
        ("case(a == 'x', b, c)", ["b", "c"]),
        ("case(p, v, q, w, d)", ["v", "w", "d"]),
        ("matrix[inputs.k]", ["matrix.*"]),
        ("(github.event_name == 'push' && github.sha) || github.event.pull_request.head.sha",
         ["github.sha", "github.event.pull_request.head.sha"]),
        ("unknownFn(a)", ["a"]),
    ],
)
def test_flowing_refs(text: str, flowing: list[str]) -> None:
    assert _paths(text, flowing=True) == flowing


def test_ref_offsets_are_into_parsed_text() -> None:
    text = "format('{0}', github.event.issue.title)"
    (ref,) = flowing_refs(parse(text))
    assert text[ref.start : ref.end] == "github.event.issue.title"
    assert ref.shifted(10).start == ref.start + 10


def test_parse_is_cached() -> None:
    assert parse("a.b == c") is parse("a.b == c")


# ---------------------------------------------------------------------------- property tests

_RESERVED = {"true", "false", "null", "NaN", "Infinity"}
_NAMES = st.from_regex(r"[A-Za-z_][A-Za-z0-9_-]{0,6}", fullmatch=True)
_IDENTS = _NAMES.filter(lambda s: s not in _RESERVED)
_NUMBERS = st.one_of(
    st.floats(allow_nan=False),
    st.integers(-(10**20), 10**20).map(float),
)
_LEAVES = st.one_of(
    st.builds(Null),
    st.builds(Boolean, st.booleans()),
    st.builds(Number, _NUMBERS),
    st.builds(String, st.text(max_size=8)),
    st.builds(Context, _IDENTS),
)


def _extend(inner: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(
        st.builds(Property, inner, _NAMES),
        st.builds(Index, inner, inner),
        st.builds(Star, inner),
        st.builds(Call, _IDENTS, st.lists(inner, max_size=3).map(tuple)),
        st.builds(Not, inner),
        st.builds(Binary, st.sampled_from(["==", "!=", "<", "<=", ">", ">="]), inner, inner),
        st.builds(Logical, st.sampled_from(["&&", "||"]), st.lists(inner, min_size=2, max_size=4).map(tuple)),
    )


_EXPRS = st.recursive(_LEAVES, _extend, max_leaves=30)


@settings(max_examples=300, deadline=None)
@given(_EXPRS)
def test_unparse_parse_round_trip(expr: object) -> None:
    text = unparse(expr)  # type: ignore[arg-type]
    again = parse(text)
    assert again == expr
    assert unparse(again) == text
    assert 0 <= again.start <= again.end <= len(text)


_GRAMMARISH = st.text(alphabet="()[]'.,!=<>&|*-+0x1eE aZ_${}\n\t", max_size=60)


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(max_size=80), _GRAMMARISH))
def test_parse_and_find_never_crash(text: str) -> None:
    try:
        parse(text)
    except ExprSyntaxError as err:
        assert 0 <= err.offset <= len(text)
    for site in find_expressions(text) + find_expressions("${{" + text + "}}"):
        assert text is not None and site.start <= site.inner_start <= site.inner_end <= site.end
        with contextlib.suppress(ExprSyntaxError):
            parse_site(site)


# ---------------------------------------------------------------------------- real workflows


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared workflow corpus not present")
def test_corpus_expressions_parse() -> None:
    total = 0
    failures: list[str] = []
    for path in sorted(p for p in CORPUS.rglob("*") if p.is_file()):
        text = path.read_text(encoding="utf-8", errors="replace")
        for site in find_expressions(text):
            total += 1
            try:
                flowing_refs(parse_site(site))
            except ExprSyntaxError as err:
                failures.append(f"{path.name}: {site.text!r}: {err}")
    assert total > 1000
    assert len(failures) <= total // 100, failures[:20]
