"""URL credentials that only name a variable hold no secret and stay readable
(rule docs show `https://x-access-token:${TOKEN}@…`); real ones are redacted."""

from __future__ import annotations

import pytest

from shipwarden.secrets.redactor import redact_text


@pytest.mark.parametrize("ref", ["${TOKEN}", "${GH_TOKEN}"])
def test_variable_references_in_url_credentials_are_kept(ref: str) -> None:
    text = f"git push https://x-access-token:{ref}@host.example.invalid/o/r.git HEAD"
    assert redact_text(text) == text


@pytest.mark.parametrize("value", ["s3cr3tP4ssw0rdXYZ", "hunter2", "${TOKEN}x"])
def test_real_url_passwords_are_redacted(value: str) -> None:
    out = redact_text(f"https://user:{value}@host.example.invalid/simple/")
    assert value not in out
    assert "…[fp:" in out
