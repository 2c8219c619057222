"""The JSON exit without a second parse (``emit.finalize_data``, used by ``render`` for
``json`` and ``sarif``) writes exactly what parsing the dumped text and filtering every
string of it writes; a finding none of whose strings changes is not copied."""

from __future__ import annotations

import dataclasses
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reporting_sample import demo_options, sample_report

from shipwarden.reporting import dump_json, emit, render
from shipwarden.secrets.fakes import fake_token
from shipwarden.secrets.redactor import redact_text

_RAW = ["\x7f", "\x85", "\x9b", "\u202e", "\u2028", "\u061c"]
_SECRETS = [fake_token("github-pat", 1), f"password = {fake_token('npm-token', 2)}", "https://u:hunter2hunter2@h.invalid/"]
_strings = st.one_of(st.text(max_size=12), st.sampled_from(_RAW + _SECRETS + ["token", "…", "plain"]))
_scalars = st.one_of(st.none(), st.booleans(), st.integers(-(2**63), 2**63 - 1), st.floats(), _strings)
_json = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=3).map(tuple),
        st.dictionaries(_strings, inner, max_size=4),
    ),
    max_leaves=20,
)


def _reference(text: str) -> str:
    """What the exit wrote before: parse, redact every string (keys too) and dump again
    if one changed, then escape every raw C1 or bidirectional character."""
    data = orjson.loads(text)

    def strings(value: Any) -> Any:
        if isinstance(value, str):
            return redact_text(value)
        if isinstance(value, list):
            return [strings(v) for v in value]
        if isinstance(value, dict):
            return {strings(k): strings(v) for k, v in value.items()}
        return value

    cleaned = strings(data)
    if cleaned != data:
        text = dump_json(cleaned)
    return emit._JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_json)
def test_the_json_exit_without_a_parse_writes_what_the_parse_wrote(data: Any) -> None:
    expected = _reference(dump_json(data))
    assert emit.finalize_data(data, "json") == expected
    assert emit.finalize(dump_json(data), "json") == expected


def test_data_that_is_not_plain_json_goes_through_the_text() -> None:
    class Name(str):
        pass

    data = {"a": Name(f"token={fake_token('github-pat', 4)}"), "b": (1, 2.5, None)}
    assert emit.finalize_data(data, "json") == _reference(dump_json(data))
    assert fake_token("github-pat", 4) not in emit.finalize_data(data, "json")


def test_a_finding_without_anything_to_filter_is_not_copied() -> None:
    report = sample_report()
    clean = emit.clean_report(report, terminal=False)
    unchanged = [f for f in report.findings if all(redact_text(t) == t for t in emit._walked_strings(f))]
    assert unchanged
    for before, after in zip(report.findings, clean.findings, strict=True):
        assert (after is before) == (before in unchanged)
        assert after.fingerprint == before.fingerprint


def test_render_writes_the_json_and_sarif_it_wrote_through_the_parse() -> None:
    report = sample_report()
    token = fake_token("github-pat", 5)
    index, finding = next((i, f) for i, f in enumerate(report.findings) if f.hops)
    flow = [dataclasses.replace(finding.hops[0], description=f"uses {token}")]  # only the JSON holds flows
    report.findings[index] = dataclasses.replace(finding, flows=[flow])
    for fmt in ("json", "sarif"):
        text = render(report, fmt, demo_options())
        assert token not in text
        assert text == _reference(text)


def _clean_first(report: Any) -> str:
    """The JSON ``render`` wrote before it skipped ``clean_report`` for reports with nothing to redact."""
    from shipwarden.reporting.json_report import report_dict

    return emit.finalize_data(report_dict(emit.clean_report(report, terminal=False), demo_options()), "json")


def test_json_without_clean_report_is_the_json_with_it() -> None:
    report = sample_report()
    token = fake_token("github-pat", 6)
    first = report.findings[0]
    twin = dataclasses.replace(first, message=f"{first.message} {token}", key=f"k {token}")  # sorts after first
    hidden = dataclasses.replace(first, message=f"{first.message} z", key=f"only in the key {token}")
    for findings in ([], [hidden], [twin], [twin, hidden], [hidden, twin]):
        case = dataclasses.replace(report, findings=[*report.findings, *findings])
        emit._REDACTED.clear()
        text = render(case, "json", demo_options())
        emit._REDACTED.clear()
        assert text == _clean_first(case)
        assert token not in text
    bidi = dataclasses.replace(report, findings=[dataclasses.replace(first, message=f"{first.message} \u202e")])
    assert render(bidi, "json", demo_options()) == _clean_first(bidi)
    assert "\u202e" not in render(bidi, "json", demo_options())


def test_the_json_written_from_orjson_bytes_is_the_text(tmp_path: Any) -> None:
    import os
    import subprocess
    import sys

    data = {"a": "é ✓ \ufe0f", "b": [1, "line\nbreak"], "c": "\u202e bidi"}
    code = (
        "import json, sys\n"
        "from shipwarden.reporting import emit\n"
        f"data = {data!r}\n"
        "emit.out(emit.finalize_unredacted(data, 'json'), 'json')\n"
        "emit.out(emit.finalize_unredacted({'x': 'ü'}, 'json'), 'json')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, check=True, env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    expected = emit.finalize_data(data, "json") + emit.finalize_data({"x": "ü"}, "json")
    assert done.stdout == expected.encode("utf-8")
    target = tmp_path / "r.json"
    text = emit.finalize_unredacted({"x": "ü ✓"}, "json")
    assert text is not None and emit._utf8_of(text) is not None
    emit.write_file(target, text, "json")
    assert target.read_bytes() == text.encode("utf-8")
