"""The one-pass prefilter and the precision rules of the combined secret scan."""

from __future__ import annotations

import random

import pytest

from shipwarden.secrets import scan_text
from shipwarden.secrets.fakes import FAKE_KINDS, fake_token
from shipwarden.secrets.prefilter import Prefilter, engine_name
from shipwarden.secrets.rules import load_rules


def _python_engine() -> Prefilter:
    rules = load_rules()
    return Prefilter(rules.prefilter.needles, len(rules.patterns), use_hyperscan=False)


def _hyperscan_engine() -> Prefilter:
    """The engine long runs use: Hyperscan from the first character (when installed)."""
    rules = load_rules()
    return Prefilter(rules.prefilter.needles, len(rules.patterns), python_first=0)


def _bundle(seed: int) -> str:
    rng = random.Random(seed)
    words = ["exports2.TokenIterator", "this.key", "Object.keys(a)", "s.x", "é", "passw", "://", "ghp_", "ümlaut"]
    return "".join(rng.choice(words) + rng.choice(" ;.\n(") for _ in range(4000))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_engines_agree(seed: int) -> None:
    """Hyperscan (when installed) and the Python fallback report the same hits."""
    text = _bundle(seed)
    assert _hyperscan_engine().scan(text) == _python_engine().scan(text)


def test_engine_is_named() -> None:
    assert engine_name() in ("hyperscan", "python")


def test_every_fake_kind_is_still_found_next_to_non_ascii() -> None:
    for kind in FAKE_KINDS:
        value = fake_token(kind)
        text = "é" * 50 + f' const x = "{value}"; ' + "ü" * 50
        if kind == "aws-secret-access-key":
            text = f"é aws_secret_access_key = {value} ü"
        if kind in ("azure-storage-account-key", "generic-secret"):
            continue
        found = {m.kind for m in scan_text(text)}
        assert found, kind


@pytest.mark.parametrize(
    "text",
    [
        "exports2.TokenIterator = exports2.SourceMap;",  # an identifier, not a value
        'const TOKEN_HEADER = "X-Auth-Token-V2";',  # a header name
        'headers["x-goog-api-key"] = "x-goog-api-key2";',
        "let apiKey = config2.values.apiKey;",
        "sentry_dsn = 'https://3f2a9c1d7e5b4a60:8c1e4b2a9d7f6e30a1b2@o123456.ingest.sentry.io/4504'",
    ],
)
def test_names_and_public_dsns_are_not_secrets(text: str) -> None:
    assert scan_text(text) == []


def test_generic_value_still_found() -> None:
    found = scan_text('db_password = "s3cr3tV4lue-9f8e7d6c"')
    assert [m.kind for m in found] == ["generic-secret"]


def test_low_confidence_off() -> None:
    text = 'db_password = "s3cr3tV4lue-9f8e7d6c"'
    assert scan_text(text, low_confidence=False) == []


def test_token_cut_by_a_window_is_not_a_shorter_token() -> None:
    """A 40-character run starting with ghp_ is not a 36-character token."""
    long_run = "ghp_" + "aB3dE5gH7jK9mN1pQ3sT5vX7zA2cE4gI6kM8oQ0"
    assert scan_text(f"x = '{long_run}'") == []


def test_the_engine_switch_keeps_the_hits() -> None:
    """Short runs use the Python engine, then Hyperscan once the budget is spent: same hits."""
    rules = load_rules()
    switching = Prefilter(rules.prefilter.needles, len(rules.patterns), python_first=30_000)
    python = _python_engine()
    for seed in (4, 5, 6):
        text = _bundle(seed)
        assert switching.scan(text) == python.scan(text)


def test_every_packaged_pattern_compiles_with_its_group() -> None:
    """Patterns compile on first use (a short run compiles few): the packaged table's
    expressions and groups are checked here instead of at load."""
    for pat in load_rules().patterns:
        assert pat.pattern.compiled.groups >= pat.group, pat.pattern.source
        if pat.public_hosts is not None:
            assert pat.public_hosts.compiled is not None


def test_a_missing_group_fails_when_compiled() -> None:
    from shipwarden.secrets.rules import LazyPattern

    with pytest.raises(ValueError, match="group 2 does not exist"):
        _ = LazyPattern("(a)b", 2).compiled
