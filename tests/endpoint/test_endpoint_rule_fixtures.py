"""Positive and negative fixtures of every endpoint rule module.

Each case writes a small home (tokens from :mod:`shipwarden.secrets.fakes`,
made at test time, never committed) and names the findings of *its* rule it
expects, as ``(path, tier)``. File shapes follow what the tools write:
``npm login`` (``//host/:_authToken=``), ``gh auth login`` with the keyring
(``users: {dev: {}}`` and no ``oauth_token``), ``aws configure sso``
(``sso_session`` profiles), Claude Code's ``~/.claude.json`` (``userID``,
``oauthAccount``, ``mcpServers``), ``git config credential.helper``.
"""

from __future__ import annotations

import importlib
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fakehome import FakeHome

from shipwarden.core.findings import Finding
from shipwarden.endpoint import rules, sweep
from shipwarden.knowledge.credential_stores import load_catalogue
from shipwarden.secrets.fakes import openssh_private_key

DOCS = Path(__file__).resolve().parents[2] / "docs" / "rules"


@dataclass
class Case:
    """A home to build (``write``) and the findings of the rule it must give."""

    write: Callable[[FakeHome], dict[str, str]]  # returns the environment to sweep with
    expect: set[tuple[str, str]] = field(default_factory=set)
    include: str = ""  # a project tree under the home searched with --include


def _env(**values: str) -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "EDITOR": "vi", **values}


def _npmrc_token(h: FakeHome) -> dict[str, str]:
    h.write(".npmrc", f"//registry.example.invalid/:_authToken={h.token('npm-token')}\nsave-exact=true\n")
    return _env()


def _npmrc_reference(h: FakeHome) -> dict[str, str]:
    h.write(".npmrc", "//registry.example.invalid/:_authToken=${NPM_TOKEN}\nsave-exact=true\n", mode=0o644)
    return _env()


def _git_credentials(h: FakeHome) -> dict[str, str]:
    h.write(".git-credentials", f"https://dev:{h.token('github-pat')}@github.example.invalid\n")
    return _env()


def _gh_keyring(h: FakeHome) -> dict[str, str]:
    h.write(".config/gh/hosts.yml", "github.com:\n    users:\n        dev: {}\n    git_protocol: https\n    user: dev\n")
    return _env()


def _ssh_key(encrypted: bool) -> Callable[[FakeHome], dict[str, str]]:
    def write(h: FakeHome) -> dict[str, str]:
        key = openssh_private_key(random.Random(41), encrypted=encrypted)
        h.secrets.append(key.strip())
        h.write(".ssh/id_ed25519", key)
        h.write(".ssh/id_ed25519.pub", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample dev@laptop\n", mode=0o644)
        h.write(".ssh/config", "Host *\n  IdentityFile ~/.ssh/id_ed25519\n", mode=0o644)
        return _env()

    return write


def _aws_keys(h: FakeHome) -> dict[str, str]:
    h.write(
        ".aws/credentials",
        f"[default]\naws_access_key_id = {h.token('aws-access-key-id')}\n"
        f"aws_secret_access_key = {h.token('aws-secret-access-key')}\n",
    )
    return _env()


def _aws_sso_config(h: FakeHome) -> dict[str, str]:
    h.write(
        ".aws/config",
        "[profile prod]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Admin\nregion = us-east-1\n"
        "[sso-session corp]\nsso_start_url = https://corp.example.invalid/start\nsso_region = us-east-1\n",
        mode=0o644,
    )
    return _env()


def _claude_json(with_mcp_token: bool) -> Callable[[FakeHome], dict[str, str]]:
    def write(h: FakeHome) -> dict[str, str]:
        rng = random.Random(43)
        doc: dict[str, object] = {
            "numStartups": 12,
            "userID": "".join(rng.choice("0123456789abcdef") for _ in range(64)),
            "oauthAccount": {"accountUuid": "9f6c3c1e-2b7a-4d0e-8f1a-3c5d7e9f1a2b", "emailAddress": "dev@example.invalid"},
            "projects": {"/home/dev/app": {"allowedTools": [], "history": [{"display": "run the tests"}]}},
            "mcpServers": {"linear": {"type": "sse", "url": "https://mcp.example.invalid/sse"}},
        }
        if with_mcp_token:
            doc["mcpServers"] = {
                "github": {"command": "github-mcp", "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": h.token("github-fine-grained-pat")}},
                "search": {"command": "npx", "args": ["-y", "search-mcp"], "env": {"SEARCH_API_KEY": h.token("anthropic-api-key")}},
            }
        h.write(".claude.json", json.dumps(doc, indent=2))
        return _env()

    return write


def _vault_token(h: FakeHome) -> dict[str, str]:
    h.write(".vault-token", h.token("vault-token"))
    return _env()


def _op_config_without_session(h: FakeHome) -> dict[str, str]:
    h.write(".config/op/config", json.dumps({"latest_signin": "my", "accounts": [{"shorthand": "my", "email": "dev@example.invalid"}]}))
    return _env()


def _history_token(h: FakeHome) -> dict[str, str]:
    h.write(".bash_history", f"cd src\nexport HF_TOKEN={h.token('huggingface-token')}\npython train.py\n")
    return _env()


def _history_harmless(h: FakeHome) -> dict[str, str]:
    h.write(
        ".bash_history",
        "npm publish --otp 492817\ngit show 3f9c2a1b7e4d6f8a0b1c2d3e4f5a6b7c8d9e0f1a\n"
        'curl -H "Authorization: Bearer $GITHUB_TOKEN" https://api.example.invalid/user\n',
    )
    return _env()


def _dotenv(real: bool) -> Callable[[FakeHome], dict[str, str]]:
    def write(h: FakeHome) -> dict[str, str]:
        if real:
            h.write("src/app/.env", f"STRIPE_SECRET_KEY={h.token('stripe-secret-key')}\nLOG_LEVEL=debug\n")
        h.write("src/app/.env.example", "STRIPE_SECRET_KEY=sk_test_xxxxxxxxxxxxxxxx\nOPENAI_API_KEY=your-key-here\n", mode=0o644)
        return _env()

    return write


def _env_publish_token(h: FakeHome) -> dict[str, str]:
    return _env(NPM_TOKEN=h.token("npm-token"))


def _env_harmless(h: FakeHome) -> dict[str, str]:
    return _env(NPM_TOKEN="${NPM_TOKEN}", GITHUB_TOKEN="", LANG="C.UTF-8", SSH_AUTH_SOCK="/tmp/ssh-XXXX/agent.1")


def _git_helper(helper: str) -> Callable[[FakeHome], dict[str, str]]:
    def write(h: FakeHome) -> dict[str, str]:
        h.write(".gitconfig", f"[user]\n\tname = Dev\n\temail = dev@example.invalid\n[credential]\n\thelper = {helper}\n", mode=0o644)
        return _env()

    return write


def _npmrc_mode(mode: int, token: bool) -> Callable[[FakeHome], dict[str, str]]:
    def write(h: FakeHome) -> dict[str, str]:
        value = h.token("npm-token") if token else "${NPM_TOKEN}"
        h.write(".npmrc", f"//registry.example.invalid/:_authToken={value}\n", mode=mode)
        return _env()

    return write


def _protected_key_mode(mode: int) -> Callable[[FakeHome], dict[str, str]]:
    def write(h: FakeHome) -> dict[str, str]:
        h.write(".ssh/id_ed25519", openssh_private_key(random.Random(31), encrypted=True), mode=mode)
        return _env()

    return write


def _aws_sso_cache(h: FakeHome) -> dict[str, str]:
    """An IAM Identity Center cache file: three secrets of one login (one finding, not three)."""
    h.write(
        ".aws/sso/cache/0123456789abcdef0123456789abcdef01234567.json",
        json.dumps({
            "startUrl": "https://example.invalid/start", "region": "eu-west-1",
            "accessToken": h.random(40), "refreshToken": h.random(48), "clientSecret": h.random(44),
            "clientId": "abcdEXAMPLE", "expiresAt": "2026-12-06T12:00:00Z",
        }),
        mode=0o644,
    )
    return _env()


CASES: dict[str, dict[str, Case]] = {
    "endpoint-registry-token": {
        "positive-npmrc-token": Case(_npmrc_token, {("~/.npmrc", "P1")}),
        "negative-npmrc-env-reference": Case(_npmrc_reference),
    },
    "endpoint-git-credential": {
        "positive-git-credentials": Case(_git_credentials, {("~/.git-credentials", "P1")}),
        "negative-gh-keyring": Case(_gh_keyring),
    },
    "endpoint-ssh-key-unprotected": {
        "positive-no-passphrase": Case(_ssh_key(encrypted=False), {("~/.ssh/id_ed25519", "P1")}),
        "negative-passphrase": Case(_ssh_key(encrypted=True)),
    },
    "endpoint-cloud-credential": {
        "positive-aws-keys": Case(_aws_keys, {("~/.aws/credentials", "P1")}),
        "negative-aws-sso-profile": Case(_aws_sso_config),
    },
    "endpoint-ai-agent-credential": {
        "positive-mcp-tokens": Case(_claude_json(with_mcp_token=True), {("~/.claude.json", "P1"), ("~/.claude.json", "P2")}),
        "negative-claude-ids": Case(_claude_json(with_mcp_token=False)),
    },
    "endpoint-secret-manager-session": {
        "positive-vault-token": Case(_vault_token, {("~/.vault-token", "P2")}),
        "negative-op-config": Case(_op_config_without_session),
    },
    "endpoint-shell-history-secret": {
        "positive-exported-token": Case(_history_token, {("~/.bash_history", "P1")}),
        "negative-otp-and-references": Case(_history_harmless),
    },
    "endpoint-env-file-secret": {
        "positive-dotenv": Case(_dotenv(real=True), {("~/src/app/.env", "P2")}, include="src"),
        "negative-dotenv-example": Case(_dotenv(real=False), include="src"),
    },
    "endpoint-env-var-secret": {
        "positive-publish-token": Case(_env_publish_token, {("env:NPM_TOKEN", "P1")}),
        "negative-references": Case(_env_harmless),
    },
    "endpoint-plaintext-credential-helper": {
        "positive-helper-store": Case(_git_helper("store"), {("~/.gitconfig", "P2")}),
        "negative-helper-libsecret": Case(_git_helper("/usr/lib/git-core/git-credential-libsecret")),
    },
    "endpoint-credential-file-permissions": {
        # a key no other rule reports (it has a passphrase) that others can copy and guess offline
        "positive-world-readable-protected-key": Case(_protected_key_mode(0o644), {("~/.ssh/id_ed25519", "P2")}),
        "negative-owner-only-protected-key": Case(_protected_key_mode(0o600)),
        "negative-owner-only": Case(_npmrc_mode(0o600, token=True)),
        "negative-world-readable-no-credential": Case(_npmrc_mode(0o644, token=False)),
        # the token's own endpoint-registry-token finding names the mode and the chmod: one finding
        "negative-world-readable-token": Case(_npmrc_mode(0o644, token=True)),
    },
}


def _run(case: Case, tmp_path: Path) -> tuple[FakeHome, list[Finding]]:
    home = tmp_path / "home"
    home.mkdir()
    h = FakeHome(home)
    env = case.write(h)
    include = [home / case.include] if case.include else []
    report = sweep(home, include=include, env=env)
    assert not report.errors, report.errors
    return h, report.findings


@pytest.mark.parametrize(
    ("rule", "name"), [(rule, name) for rule, cases in CASES.items() for name in cases], ids=lambda v: str(v)
)
def test_rule_fixture(rule: str, name: str, tmp_path: Path) -> None:
    case = CASES[rule][name]
    h, findings = _run(case, tmp_path)
    got = {(f.primary.path, f.tier.value) for f in findings if f.rule_id == rule}
    assert got == case.expect
    rendered = json.dumps([f.message for f in findings] + [json.dumps(f.properties) for f in findings])
    assert not [s for s in h.secrets if s[:12] in rendered], "a secret value reached a finding"


def test_every_endpoint_rule_is_a_module_with_fixtures_and_a_doc_page() -> None:
    modules = sorted(p.stem for p in Path(rules.__file__).parent.glob("*.py") if p.stem not in ("__init__", "common"))
    metas = {importlib.import_module(f"shipwarden.endpoint.rules.{m}").META.id for m in modules}
    assert metas == set(rules.BY_ID) == set(CASES)
    for rule, cases in CASES.items():
        assert any(n.startswith("positive") and c.expect for n, c in cases.items()), f"{rule}: no positive fixture"
        assert any(n.startswith("negative") and not c.expect for n, c in cases.items()), f"{rule}: no negative fixture"
        assert (DOCS / f"{rule}.md").is_file(), f"{rule}: no docs/rules page"
        assert rules.BY_ID[rule].command == "endpoint" and rules.BY_ID[rule].row == 1


def test_every_store_category_has_its_rule_module() -> None:
    for store in load_catalogue().stores:
        assert store.rule_id in rules.BY_ID, f"{store.id}: category {store.category} maps to no endpoint rule"


def test_a_world_readable_token_is_one_finding_with_its_mode(tmp_path: Path) -> None:
    """A world-readable ~/.npmrc: the registry-token finding carries the mode and the chmod."""
    _, findings = _run(Case(_npmrc_mode(0o644, token=True)), tmp_path)
    assert [(f.rule_id, f.tier.value) for f in findings] == [("endpoint-registry-token", "P1")]
    f = findings[0]
    assert "file is world-readable (0644): `chmod 600 ~/.npmrc`" in f.message
    assert f.properties["exposure"] == "world-readable" and "chmod 600 ~/.npmrc" in f.properties["fix"]


def test_an_aws_sso_cache_file_is_one_finding(tmp_path: Path) -> None:
    """Its access token, refresh token and client secret are one login that `aws sso logout` ends."""
    _, findings = _run(Case(_aws_sso_cache), tmp_path)
    assert [(f.rule_id, f.tier.value) for f in findings] == [("endpoint-cloud-credential", "P1")]
    f = findings[0]
    assert sorted(c["key_path"] for c in f.properties["credentials"]) == ["accessToken", "clientSecret", "refreshToken"]
    assert len(f.locations) == 3 and "; also " in f.message and "world-readable" in f.message
