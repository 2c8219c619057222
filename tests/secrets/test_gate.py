"""The redactor's fast path (secrets/gate.py, needles per shape) redacts exactly what the
full path (every detector pattern and every shape over the whole text) redacts."""

from __future__ import annotations

import random
import re
import subprocess
import sys
from pathlib import Path

import pytest
import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shipwarden.core.tables import load_table
from shipwarden.secrets import gate, redactor, scanner
from shipwarden.secrets.fakes import FAKE_KINDS, fake_token
from shipwarden.secrets.rules import load_rules

_KINDS = sorted(FAKE_KINDS)
_KEYWORDS = sorted({k for n in [*gate.detector_needles().parts, *gate.shape_needles().values()] for k in n.keywords})
_FRAGMENTS = [
    *_KEYWORDS,
    *(k.upper() for k in _KEYWORDS),
    *(fake_token(kind, seed) for kind in _KINDS for seed in range(2)),
    "=", ": ", " = '", "://", "@", ":", "--", " ", "\n", "${TOKEN}", "https://user:", "@host.example.invalid/",
    "\u212a", "\u017f", "\u0130", "…", "—", "Aa1", "x" * 40, "Ab3/" * 10, "…[fp:0123456789ab]",
    # around what the entries' `holds` expressions look for
    "token: ", "SECRET=", "--token ", "-api-key=", "npm_", "NPM_", "cio", "hf_", "Aws_Secret_Key=", "${{",
    "\x1c", "\x85", "\u2003", "\t", "abcdefgh", "Ab3dEf9h", "AbCdEfGhIjKlMnOpQr", "u:p@", ":", "\u00b2",
]


def _full(text: str) -> str:
    return redactor.replace_spans(text, redactor.secret_spans(text))


texts = st.lists(st.one_of(st.sampled_from(_FRAGMENTS), st.text(max_size=12)), max_size=14).map("".join)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts)
def test_fast_path_redacts_exactly_what_the_full_path_redacts(text: str) -> None:
    assert redactor._needed_spans(text) == redactor.secret_spans(text)
    assert redactor.redact_text(text) == _full(text)


def test_fast_path_on_every_fake_secret_in_context() -> None:
    rng = random.Random(7)
    for kind in _KINDS:
        for seed in range(3):
            token = fake_token(kind, seed)
            for text in (token, f"x {token} y", f"export TOKEN={token}", f"url: https://u:{token}@h.example.invalid"):
                assert redactor.redact_text(text) == _full(text), (kind, seed)
                assert token not in redactor.redact_text(text) or not redactor.secret_spans(text)
            cut = token[: rng.randint(8, max(8, len(token) - 1))]
            assert redactor.redact_text(f"a {cut}") == _full(f"a {cut}")


def test_a_text_without_needles_passes_unchanged() -> None:
    for text in ("gha-artifact-poisoning", "src/.github/workflows/release.yml", "job `publish` runs on push"):
        assert not gate.needs_redaction(text)
        assert redactor.secret_spans(text) == []


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(st.data())
def test_every_span_of_a_shape_holds_one_of_its_needles(data: st.DataObject) -> None:
    shape = data.draw(st.sampled_from(redactor.shapes()))
    source = next(r["regex"] for r in load_table("shipwarden.secrets", "redact.toml")["shapes"] if r["id"] == shape.id)
    text = data.draw(st.from_regex(re.compile(source), fullmatch=False))
    for m in shape.pattern.finditer(text):  # `re` and `regex` may differ at the edges: judge by `regex`
        value = m.group(shape.group)
        if value and redactor._passes(value, shape.check):  # a span the shape replaces
            assert shape.needles.found(gate.hits_in(text)), (shape.id, text)



def test_fold_covers_every_character_regex_takes_for_an_ascii_letter() -> None:
    letters = regex.compile("(?i)[a-z]", regex.VERSION0)
    found = {chr(c) for c in range(128, sys.maxunicode + 1) if letters.match(chr(c))}
    assert found == set(gate.FOLD_TO_ASCII)
    for ch, ascii_letter in gate.FOLD_TO_ASCII.items():
        assert regex.match(f"(?i){ascii_letter}", ch, regex.VERSION0)


def test_the_redactor_imports_no_regex_module_until_a_text_needs_it() -> None:
    code = (
        "import sys\n"
        "from shipwarden.secrets.redactor import redact_text\n"
        "assert redact_text('rule gha-x in .github/workflows/a.yml') == 'rule gha-x in .github/workflows/a.yml'\n"
        "assert 'regex' not in sys.modules and 'shipwarden.secrets.rules' not in sys.modules\n"
        "assert 'fp:' in redact_text('password = hunter2hunter2x9')\n"
        "assert 'regex' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_aws_secret_prefilter_lets_a_secret_access_key_through() -> None:
    shape = next(s for s in redactor.shapes() if s.id == "aws-secret")
    for seed in range(20):
        key = fake_token("aws-secret-access-key", seed).rsplit("=", 1)[-1].strip()[-40:]
        assert redactor._passes(key, shape.check)
        assert shape.needles.found(gate.hits_in(f"x {key} y"))
    sha = "5f532563584d71fdef14ee64d17bafb34f751ce5"
    assert not shape.needles.found(gate.hits_in(f"uses: a/b@{sha}"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(st.data())
def test_every_match_holds_what_its_entry_requires(data: st.DataObject) -> None:
    """Detector patterns and shapes alike: the gate searches a ``holds`` only where one of
    its entries' ``requires`` literals occurs."""
    raws = [
        *load_table("shipwarden.secrets", "tokens.toml")["patterns"],
        *load_table("shipwarden.secrets", "redact.toml")["shapes"],
    ]
    raw = data.draw(st.sampled_from([r for r in raws if r.get("requires")]))
    text = data.draw(st.from_regex(re.compile(raw["regex"]), fullmatch=False))
    for m in regex.finditer(raw["regex"], text, flags=regex.VERSION0):
        assert any(r in m.group(0) for r in raw["requires"]), (raw.get("kind") or raw.get("id"), text)


def test_every_shape_compiles_with_its_group() -> None:
    for shape in redactor.shapes():  # compiled on first use in a run: all of them here
        assert shape.pattern.compiled.groups >= shape.group, shape.id


@settings(max_examples=300, deadline=None)
@given(texts)
def test_the_keyword_trie_finds_a_text_exactly_when_it_holds_a_keyword(text: str) -> None:
    lowered = gate.folded(text)
    assert (gate._gate().keywords.search(lowered) is not None) == any(k in lowered for k in _KEYWORDS)


@given(st.lists(st.text(alphabet="ab-.", min_size=1, max_size=4), min_size=1, max_size=6), st.text(alphabet="ab-.x"))
def test_the_trie_of_any_words_matches_when_one_occurs(words: list[str], text: str) -> None:
    assert (re.search(gate._any_of(words), text) is not None) == any(w in text for w in words)


def _sharp_entries() -> list[tuple[str, str, int, str | None, gate.Needles]]:
    """(name, regex, group, shape check or None for a detector pattern, needles) of every
    entry of both tables that names a ``holds`` or ``holds_cased`` expression."""
    out: list[tuple[str, str, int, str | None, gate.Needles]] = []
    for raw in load_table("shipwarden.secrets", "tokens.toml")["patterns"]:
        if raw.get("holds") or raw.get("holds_cased"):
            needles = gate._needles(raw, "test")
            out.append((str(raw["kind"]), str(raw["regex"]), int(raw.get("group", 0)), None, needles))
    for raw in load_table("shipwarden.secrets", "redact.toml")["shapes"]:
        if raw.get("holds") or raw.get("holds_cased"):
            check = str(raw.get("check", ""))
            out.append((str(raw["id"]), str(raw["regex"]), int(raw.get("group", 0)), check, gate.shape_needles()[raw["id"]]))
    return out


_SHARP = _sharp_entries()
#: what a case-insensitive match may hold where the plain text has an ASCII letter or a space
_TWINS = {"k": "\u212a", "s": "\u017f", "i": "\u0130", " ": "\u2003", "\t": "\x85"}


def _matched(regex_source: str, group: int, check: str | None, text: str) -> bool:
    """Does ``text`` hold a match the entry acts on: a secret the detector reports with
    this pattern (check ``None``), or a match of a shape whose value passes its check?"""
    if check is None:
        return any(hit.pattern.pattern.source == regex_source for hit in scanner._scan(text, "", load_rules()))
    for m in regex.finditer(regex_source, text, flags=regex.VERSION0):
        if m.group(group) and redactor._passes(m.group(group), check):
            return True
    return False


def _holds(needles: gate.Needles, text: str) -> bool:
    lowered = gate.folded(text)
    return (not needles.holds or re.search(needles.holds, lowered) is not None) and (
        not needles.holds_cased or re.search(needles.holds_cased, text) is not None
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(st.data())
def test_every_match_holds_what_its_entry_says_it_holds(data: st.DataObject) -> None:
    """The gate passes over a text whose keyword occurs without what an entry's ``holds``
    and ``holds_cased`` name: sound only if every match holds them (judged by ``regex``,
    also on texts where letters and spaces are written as their case-folding twins)."""
    name, source, group, check, needles = data.draw(st.sampled_from(_SHARP))
    text = data.draw(st.from_regex(re.compile(source), fullmatch=False))
    swaps = data.draw(st.lists(st.integers(0, max(len(text) - 1, 0)), max_size=4))
    twin = "".join(_TWINS.get(ch, ch) if i in swaps else ch for i, ch in enumerate(text))
    for candidate in (text, twin, text.upper()):
        if _matched(source, group, check, candidate):
            assert _holds(needles, candidate), (name, candidate)


def test_what_the_holds_expressions_assume_of_re_and_regex() -> None:
    """``holds`` are ``re`` expressions over :func:`gate.folded` text standing for ``regex``
    matches: each whitespace ``regex`` sees is one for ``re`` (``\\s`` in a ``holds``), and
    folding keeps every character one character long, ASCII only if it was or if
    :data:`gate.FOLD_TO_ASCII` names it (bounded repeats and ASCII classes count the same)."""
    space_regex = regex.compile(r"\s", regex.VERSION0)
    space_re = re.compile(r"\s")
    for code in range(sys.maxunicode + 1):
        ch = chr(code)
        if space_regex.match(ch):
            assert space_re.match(ch), hex(code)
        if 0xD800 <= code <= 0xDFFF:
            continue
        low = gate.folded(ch)
        assert len(low) == 1, hex(code)
        assert not low.isascii() or ch.isascii() or ch in gate.FOLD_TO_ASCII, hex(code)


@pytest.mark.parametrize(
    "text",
    [
        "no `permissions:` for job `build`: the token takes the repository's default",
        "`npm publish` with the long-lived secret `NPM_TOKEN` (via NODE_AUTH_TOKEN)",
        "          NODE_AUTH_TOKEN: ${{ secrets.NPM_TOKEN }}",
        "  id-token: write # required for OIDC",
        "runs `https://example.invalid/get.sh` unverified; `aws-actions/configure-aws-credentials@v4`",
    ],
)
def test_a_message_that_names_a_token_without_one_stops_at_the_gate(text: str) -> None:
    assert not gate.needs_redaction(text)
    assert redactor.secret_spans(text) == []


@pytest.mark.parametrize(
    "text",
    [
        'password = "AbCdEfGhIjKlMnOpQr"',  # no digit, but 16+ distinct characters
        "api_key: abcdefg\u00b2xyz",  # a digit outside ASCII
        "TOKEN=Ab3dEf9hXy",
        "--token s3cretValue9",
        "https://user:hunter2hunter@host.example.invalid/",
    ],
)
def test_a_secret_at_the_edge_of_the_holds_expressions_passes_the_gate(text: str) -> None:
    assert gate.needs_redaction(text)
    assert redactor.redact_text(text) == _full(text) != text


_CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus"


def _found_by_definition(text: str) -> bool:
    """Does an entry of either table find ``text``, told from its exact hits (no shortcut)?"""
    g = gate._gate()
    return g.always or any(n.found(gate.hits_in(text)) for n in g.needles)


_RUNS = ["Ab3/" * 10, "a1B+" * 6, "5f532563584d71fdef14ee64d17bafb34f751ce5", "s." + "aB3" * 8, "=", "\u00c0" * 3]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.sampled_from(_FRAGMENTS + _RUNS), st.text(max_size=12)), max_size=14).map("".join))
def test_the_gate_passes_over_exactly_the_texts_no_entry_finds(text: str) -> None:
    """The gate's shortcuts (the first keyword hit, ``requires`` before a ``holds``, the
    run of characters before an expression) pass over a text only when the definition,
    every entry asked on the exact hits, finds nothing; and then nothing is redacted."""
    passed_over = gate.redaction_hits(text) is None
    assert passed_over == (not _found_by_definition(text))
    if passed_over:
        assert _full(text) == text


def test_the_gate_on_the_lines_of_the_real_corpus() -> None:
    workflows = _CORPUS / "workflows"
    if not workflows.is_dir():
        pytest.skip("../shared/corpus is not here")
    files = sorted(p for p in workflows.rglob("*") if p.suffix in (".yml", ".yaml") and p.is_file())
    lines = {line for path in files for line in path.read_text("utf-8", "replace").splitlines()}
    for line in sorted(lines):
        assert (gate.redaction_hits(line) is None) == (not _found_by_definition(line)), line


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(st.data())
def test_every_match_of_an_expression_holds_its_needed_run(data: st.DataObject) -> None:
    """The run :func:`gate.needed_run` derives from an expression (``prefilter``) or from
    the first search the gate makes for it is in every match: the gate passes over a
    text without the run of its first search."""
    firsts = [f.pattern.pattern for f in gate._gate().expressions_first if f.run]
    assert firsts  # the aws-secret shape's holds_cased
    expression = data.draw(st.sampled_from([*gate._gate().expression_list, *firsts]))
    chars, run = gate.needed_run(expression)
    assert run > 0, expression
    text = data.draw(st.from_regex(re.compile(expression), fullmatch=False))
    for m in re.finditer(expression, text):
        assert re.search(f"[{re.escape(''.join(sorted(chars)))}]{{{run}}}", m.group(0)), (expression, text)


@pytest.mark.parametrize(
    ("expression", "chars", "run"),
    [
        (r"s\.[A-Za-z0-9]{24}", set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"), 24),
        (r"(?<![a-z])(?=[a-z]{0,3}x)[a-c+]{5,9}x{2}", set("abc+"), 5),
        (r"ab{3}", {"b"}, 3),
        (r"(?i)[a-z]{20}", set(), 0),  # ignores case: [a-z] also matches K (Kelvin sign)
        (r"[^a-z]{20}", set(), 0),  # a negated class
        (r"\w{20}", set(), 0),  # a category, not ASCII only
        (r"(?:[a-z]{20}|x)", set(), 0),  # a run in one branch only
        ("[\u00e9a]{20}", set(), 0),  # not ASCII
        (r"[a-z]{0,20}", set(), 0),  # may be empty
    ],
)
def test_needed_run_reads_only_what_every_match_holds(expression: str, chars: set[str], run: int) -> None:
    assert gate.needed_run(expression) == (frozenset(chars), run)


@given(st.text(alphabet=st.sampled_from(["a", "Z", "│", "—", "\u0130", "\u017f", "\u212a", "K", "ß", "\u0131"])))
def test_folded_translates_only_when_a_folding_character_occurs(text: str) -> None:
    """The shortcut (plain ``lower`` when none of FOLD_TO_ASCII occurs) gives the full fold."""
    assert gate.folded(text) == text.translate(str.maketrans(gate.FOLD_TO_ASCII)).lower()
