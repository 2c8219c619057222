"""The shared secret scanner: formats, placeholders, positions, redaction, limits."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shipwarden.core.findings import Confidence
from shipwarden.secrets import classify_token, fingerprint, redact, scan_text, shannon_entropy, token_kinds
from shipwarden.secrets.fakes import FAKE_KINDS, fake_token

#: Kinds only recognised with a name in front of them.
CONTEXT = {
    "aws-secret-access-key": "aws_secret_access_key = {}",
    "azure-storage-account-key": "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={};EndpointSuffix=core.example.invalid",
    "generic-secret": 'db_password = "{}"',
}


def _embed(kind: str, value: str) -> str:
    return CONTEXT.get(kind, "value: {}").format(value)


@pytest.mark.parametrize("kind", FAKE_KINDS)
def test_every_fake_kind_is_found_with_its_kind(kind: str) -> None:
    for seed in range(3):
        value = fake_token(kind, seed)
        text = "first line\n" + _embed(kind, value) + "\nlast line\n"
        matches = scan_text(text)
        assert [m.kind for m in matches] == [kind], (kind, seed)
        m = matches[0]
        assert m.line == 2
        assert m.fingerprint == fingerprint(value.strip())
        assert value not in repr(m)
        assert m.publish_capable is token_kinds()[kind].publish_capable


@pytest.mark.parametrize("kind", sorted(set(FAKE_KINDS) - set(CONTEXT)))
def test_classify_bare_token(kind: str) -> None:
    kind_obj = classify_token(fake_token(kind, 7))
    assert kind_obj is not None and kind_obj.id == kind


def test_contextual_kinds_do_not_classify_bare() -> None:
    assert classify_token(fake_token("aws-secret-access-key")) is None
    assert classify_token("hello world") is None
    assert classify_token("") is None


def test_columns_are_one_based_and_end_exclusive() -> None:
    value = fake_token("npm-token")
    line = "//registry.example.invalid/:_authToken=" + value
    (m,) = scan_text("# npmrc\n" + line)
    assert (m.line, m.column, m.end_line) == (2, line.index(value) + 1, 2)
    assert m.end_column - m.column == len(value)


def test_pem_block_spans_lines() -> None:
    key = fake_token("private-key")
    (m,) = scan_text("x\n" + key)
    assert m.kind == "private-key"
    assert m.line == 2 and m.end_line == 2 + key.count("\n") - 1


def test_private_key_inside_json_string() -> None:
    key = fake_token("private-key", 3)
    doc = json.dumps({"type": "service_account", "private_key": key})
    kinds = [m.kind for m in scan_text(doc)]
    assert kinds == ["private-key"]


def test_openssh_encryption_is_told_apart() -> None:
    assert [m.kind for m in scan_text(fake_token("ssh-private-key"))] == ["ssh-private-key"]
    assert [m.kind for m in scan_text(fake_token("encrypted-private-key"))] == ["encrypted-private-key"]
    import random

    from shipwarden.secrets.fakes import pem_private_key, pkcs8_encrypted_key

    assert scan_text(pem_private_key(random.Random(1), encrypted=True))[0].kind == "encrypted-private-key"
    assert scan_text(pkcs8_encrypted_key(random.Random(1)))[0].kind == "encrypted-private-key"


def test_private_keys_are_flagged_in_the_token_table() -> None:
    """gate and endpoint ask the table which kinds are private keys (and which need a passphrase)."""
    from shipwarden.secrets.rules import parse_rules

    kinds = token_kinds()
    assert {k for k, v in kinds.items() if v.private_key} == {"private-key", "encrypted-private-key", "ssh-private-key"}
    assert {k for k, v in kinds.items() if v.passphrase_protected} == {"encrypted-private-key"}
    assert all(scan_text(fake_token(k))[0].kind == k for k, v in kinds.items() if v.private_key)
    bad = {"kinds": {"k": {"description": "d", "provider": "p", "publish_capable": False, "confidence": "high",
                           "passphrase_protected": True}}, "patterns": []}
    with pytest.raises(ValueError, match="passphrase_protected needs private_key"):
        parse_rules(bad)


def test_specific_kind_wins_over_generic_and_url() -> None:
    pat = fake_token("github-pat")
    text = f"GITHUB_TOKEN={pat}\nurl = https://user:{fake_token('github-app-token')}@git.example.invalid/r.git\n"
    assert [m.kind for m in scan_text(text)] == ["github-pat", "github-app-token"]


def test_url_credentials_and_auth_header() -> None:
    text = (
        "index-url = https://builder:" + "S3cr3tPassw0rd42" + "@pkgs.example.invalid/simple\n"
        "curl -H 'Authorization: Bearer " + "Zq8" + "vL2kP9xW4nR7tY1bM6cJ3hF5' https://api.example.invalid\n"
    )
    assert [m.kind for m in scan_text(text)] == ["url-credentials", "authorization-header"]


@pytest.mark.parametrize(
    "text",
    [
        "npm_" + "x" * 36,
        "ghp_" + "a" * 36,
        "//r.example.invalid/:_authToken=${NPM_TOKEN}",
        "password = <your-password>",
        "token: ${{ secrets.NPM_TOKEN }}",
        "api_key = 'YOUR_API_KEY_HERE'",
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "AKIAIOSFODNN7EXAMPLE",
        "password: changeme123",
        "secret = 00000000000000000000",
        "token = os.environ.get('TOKEN')",
        "password=%(DB_PASSWORD)s",
        "https://user:$(cat secret)@host.example.invalid",
        "sk-proj-" + "0123456789" * 5,
        "hf_" + "ab" * 17,
    ],
)
def test_placeholders_are_not_flagged(text: str) -> None:
    assert scan_text(text) == []


def test_lockfiles_skip_low_confidence_patterns() -> None:
    text = 'token = "' + "a8Fq2LmZ" + '9xKv3Rt7"\n'
    assert scan_text(text)
    assert scan_text(text, path="sub/package-lock.json") == []


def test_redact_never_shows_the_value() -> None:
    for kind in FAKE_KINDS:
        value = fake_token(kind)
        red = redact(value)
        assert value not in red
        shown = red.split("…", 1)[0]
        assert len(shown) <= 6
        assert fingerprint(value) in red
    assert redact("short-pw-123").startswith("…")


@given(st.text(min_size=1, max_size=200))
@settings(max_examples=200, deadline=None)
def test_redact_prefix_bounded(value: str) -> None:
    red = redact(value)
    prefix = red.split("…[fp:", 1)[0]
    assert len(prefix) <= 6
    assert prefix == "" or value.startswith(prefix)
    if len(value) >= 8:
        assert value not in red


def test_fingerprint_is_stable_and_short() -> None:
    assert fingerprint("abc") == fingerprint("abc") != fingerprint("abd")
    assert len(fingerprint("abc")) == 12
    int(fingerprint("abc"), 16)


def test_entropy() -> None:
    assert shannon_entropy("") == 0.0
    assert shannon_entropy("aaaa") == 0.0
    assert shannon_entropy("ab") == pytest.approx(1.0)
    assert shannon_entropy(fake_token("npm-token")) > 4.5


def test_confidence_is_enum() -> None:
    value = fake_token("generic-secret")
    (m,) = scan_text(f"password = {value}")
    assert m.confidence is Confidence.LOW


def test_very_long_line_is_capped() -> None:
    noise = "a1" * 2_000_000  # 4 MB single line
    value = fake_token("npm-token")
    matches = scan_text(value + " " + noise + "\n" + noise + " " + value)
    # the token at the start of the long line is found; the one past the cap is not
    assert [m.line for m in matches] == [1]


def test_match_count_is_capped() -> None:
    text = "\n".join(fake_token("github-pat", i) for i in range(500))
    assert len(scan_text(text)) == 200


@given(st.text(max_size=2000))
@settings(max_examples=150, deadline=None)
def test_arbitrary_text_never_crashes(text: str) -> None:
    for m in scan_text(text):
        assert m.line >= 1 and m.column >= 1


def test_big_ordinary_text_has_no_secrets() -> None:
    text = ("const value = computeSomething(alpha, beta); // ordinary code line\n" * 40_000)
    assert scan_text(text) == []


# -- documentation stand-ins seen in published packages ---------------------------

_ARMOUR = "-" * 5


def _pem(body: str, label: str = "RSA") -> str:
    kind = f"{label} PRIVATE" + " KEY"
    return f"{_ARMOUR}BEGIN {kind}{_ARMOUR}\n{body}\n{_ARMOUR}END {kind}{_ARMOUR}"


def test_elided_and_cut_short_pem_examples_are_not_keys() -> None:
    real = fake_token("private-key", 9)
    body = "".join(real.splitlines()[1:-1])
    assert [m.kind for m in scan_text(real)] == ["private-key"]
    assert scan_text(_pem("...")) == []  # a README showing the shape
    assert scan_text(_pem("<a very long private key string>")) == []  # API reference examples
    assert scan_text(_pem(body[:64] + ".")) == []  # the first line of a key, then the end marker
    # the same body as one JSON string with escaped newlines is still a key
    escaped = json.dumps({"key": real})
    assert [m.kind for m in scan_text(escaped)] == ["private-key"]
    # a body spliced into source code (quotes, +) is not second-guessed
    spliced = _pem('" +\n  "'.join([body[:64], body[64:]]))
    assert [m.kind for m in scan_text(spliced)] == ["private-key"]


def test_jwt_with_an_example_payload_is_not_a_token() -> None:
    import base64 as b64

    def enc(obj: dict[str, object]) -> str:
        return b64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    head = enc({"alg": "HS256", "typ": "JWT"})
    sig = "Zq8vL2kP9xW4nR7tY1bM6cJ3hF5sD0aG"
    sample = f"{head}.{enc({'sub': '1234567890', 'name': 'John Doe', 'iat': 1516239022})}.{sig}"
    example = f"{head}.{enc({'sub': 'd-3333', 'ctx': 'EXAMPLEIDENTITYCONTEXT'})}.{sig}"
    assert scan_text(f"value: {sample}") == [] and scan_text(f"value: {example}") == []
    assert [m.kind for m in scan_text("value: " + fake_token("jwt", 1))] == ["jwt"]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://user:password@localhost:5432/app", []),  # local host
        ("http://some_user:Zq8vL2kP9xW4nR7t@sub.example.com/p", []),  # documentation domain
        ("postgres://postgres:postgres@db-host/app", []),  # password repeats the user
        ("mssql+pyodbc://scott:tiger@db-host:1433/test", ["low"]),  # a word: documentation, usually
        ("https://deploy:Zk8qR2vLx9mT4wPn@db.internal.example.invalid/x", ["medium"]),
    ],
)
def test_url_credentials_confidence(url: str, expected: list[str]) -> None:
    assert [m.confidence.value for m in scan_text(url) if m.kind == "url-credentials"] == expected


def test_known_public_values_are_not_reported() -> None:
    import tomllib
    from importlib import resources

    from shipwarden.secrets import scanner
    from shipwarden.secrets.rules import parse_rules

    value = fake_token("azure-storage-account-key", 2)
    text = f"AccountName=devstore;AccountKey={value};"
    data = tomllib.loads(resources.files("shipwarden.secrets").joinpath("data/tokens.toml").read_text("utf-8"))
    assert [h.pattern.kind.id for h in scanner._scan(text, "", parse_rules(data))] == ["azure-storage-account-key"]
    data["placeholders"]["known_public"] = [fingerprint(value)]
    assert scanner._scan(text, "", parse_rules(data)) == []


def test_cut_short_pem_example_with_double_escaped_newline() -> None:
    body = "".join(fake_token("private-key", 4).splitlines()[1:-1])
    kind = "RSA PRIVATE" + " KEY"
    doc = f"/** e.g. `{_ARMOUR}BEGIN {kind}{_ARMOUR}{body[:64]}\\\\\\\\n.{_ARMOUR}END {kind}{_ARMOUR}` */"
    assert scan_text(doc) == []


@pytest.mark.parametrize(
    "text",
    [
        '"input_cost_per_token": 1.65e-07,',  # a price table, not a token
        '"output_cost_per_token": 2.5e-6',
        "aws_web_identity_token=self.s3_aws_web_identity_token,",  # a reference to another name
        "const apiKey = this.options2.apiKey;",
    ],
)
def test_generic_assignment_of_a_number_or_a_reference_is_not_a_secret(text: str) -> None:
    assert scan_text(text) == []


@settings(max_examples=60, deadline=None)
@given(
    lines=st.lists(st.sampled_from(["", "x", "const a = 1;", "token = e.token", " /* doc */"]), max_size=30),
    at=st.integers(min_value=0, max_value=30),
    kind=st.sampled_from(FAKE_KINDS),
)
def test_short_lines_hint_gives_the_same_matches(lines: list[str], at: int, kind: str) -> None:
    """``short_lines=True`` (a caller that already cut long lines) only skips the per-line cut."""
    lines.insert(min(at, len(lines)), _embed(kind, fake_token(kind, at)))
    text = "\n".join(lines)
    assert scan_text(text, short_lines=True) == scan_text(text)
