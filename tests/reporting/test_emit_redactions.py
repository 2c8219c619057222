"""Strings redacted in a scan worker (emit.redactions) are exactly redact_text of each string,
and a report rendered after adopting them is the report rendered without."""

from __future__ import annotations

import dataclasses

from reporting_sample import demo_options, sample_report

from shipwarden.core.findings import Location, Report
from shipwarden.reporting import emit, render
from shipwarden.secrets.fakes import fake_token
from shipwarden.secrets.redactor import redact_text


def _report_with_secrets() -> tuple[Report, str]:
    report = sample_report()
    token = fake_token("github-pat", 3)
    first = report.findings[0]
    report.findings[0] = dataclasses.replace(
        first,
        message=f"{first.message} token={token}",
        locations=[*first.locations, Location("x.yml", 1, 1, 1, 2, label="l", snippet=f"echo {token}")],
    )
    return report, token


def test_worker_redactions_are_redact_text_of_each_string() -> None:
    report, token = _report_with_secrets()
    done = emit.redactions(report.findings, report.errors).done
    assert done
    assert all(clean == redact_text(text) for text, clean in done.items())
    assert any(token in text for text in done) and not any(token in clean for clean in done.values())


def test_a_report_renders_the_same_after_adopting_worker_redactions() -> None:
    report, token = _report_with_secrets()
    before = {fmt: render(report, fmt, demo_options()) for fmt in ("json", "text", "sarif")}
    emit._REDACTED.clear()
    emit.adopt(emit.redactions(report.findings, report.errors))
    for fmt, text in before.items():
        assert render(report, fmt, demo_options()) == text
        assert token not in text


def test_worker_fingerprints_are_those_of_the_findings() -> None:
    report, _ = _report_with_secrets()
    sent = emit.redactions(report.findings, report.errors).fingerprints
    assert sent == {(f.rule_id, f.primary.path, f.key or f.message): f.fingerprint for f in report.findings}
    pinned = dataclasses.replace(report.findings[0], fingerprint_pin="0" * 20)
    assert emit.redactions([pinned]).fingerprints == {}  # a pin is no result of fingerprint_of
