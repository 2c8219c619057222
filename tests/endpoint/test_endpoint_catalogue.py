"""The catalogue as data, its API for other commands, rule metadata and docs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from shipwarden.core.catalogue import all_rules
from shipwarden.core.findings import Tier
from shipwarden.endpoint import OS, Publish, credential_path_globs, load_catalogue
from shipwarden.endpoint import rules as endpoint_rules
from shipwarden.endpoint.parsers import parse_env, parse_json, parse_netrc, parse_npmrc
from shipwarden.endpoint.sshkeys import analyse_private_key
from shipwarden.secrets.fakes import fake_token, pem_private_key

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_catalogue_loads_with_typed_entries() -> None:
    cat = load_catalogue()
    assert len(cat.stores) >= 40
    npmrc = cat.store("npmrc")
    assert npmrc.publish is Publish.ALWAYS and npmrc.format == "npmrc"
    assert ".npmrc" in npmrc.globs()
    vscode = cat.store("vscode-user-settings")
    assert all(g.startswith(".config/") for g in vscode.globs(OS.LINUX))
    assert all(g.startswith("Library/") for g in vscode.globs(OS.MACOS))
    assert set(vscode.globs()) == set(vscode.globs(OS.LINUX)) | set(vscode.globs(OS.MACOS))


def test_every_store_maps_to_a_declared_endpoint_rule() -> None:
    for store in load_catalogue().stores:
        meta = all_rules()[store.rule_id]
        assert meta.command == "endpoint" and meta.row == 1
        assert store.fix


def test_credential_path_globs_for_deps() -> None:
    globs = credential_path_globs()
    for expected in (".npmrc", ".pypirc", ".git-credentials", ".claude.json", ".aws/credentials", ".ssh/*", ".vault-token", ".kube/config"):
        assert expected in globs
    assert len(globs) == len(set(globs))
    assert "Library/Application Support/Claude/claude_desktop_config.json" not in credential_path_globs(OS.LINUX)


@pytest.mark.parametrize("meta", endpoint_rules.ALL, ids=lambda m: m.id)
def test_rule_metadata_and_doc_page(meta: object) -> None:
    assert isinstance(meta, type(endpoint_rules.REGISTRY_TOKEN))
    assert re.fullmatch(r"endpoint(-[a-z0-9]+)+", meta.id)
    assert meta.row == 1 and meta.command == "endpoint"
    page = (DOCS / "rules" / f"{meta.id}.md").read_text()
    assert page.startswith(f"# {meta.id}\n")
    assert f"**Default tier:** {meta.tier.value}" in page and "**Command:** endpoint" in page
    for section in ("## What it detects", "## Why is this dangerous", "## Example", "## How to fix"):
        assert section in page
    assert f"rules/{meta.id}.md" in (DOCS / "commands" / "endpoint.md").read_text()


def test_publish_rules_default_to_p1() -> None:
    assert endpoint_rules.REGISTRY_TOKEN.tier is Tier.P1
    assert endpoint_rules.AI_AGENT_CREDENTIAL.tier is Tier.P2


def test_npmrc_parser_keeps_colons_in_keys() -> None:
    (leaf,) = parse_npmrc("; comment\n//r.example.invalid/:_authToken=abc123\n")
    assert (leaf.key_path, leaf.value, leaf.line, leaf.column) == ("//r.example.invalid/:_authToken", "abc123", 2, 33)


def test_netrc_parser() -> None:
    text = "machine a.example.invalid login u password p1\nmacdef init\ncd /\n\ndefault login v password p2\n"
    got = [(leaf.key_path, leaf.value, leaf.line) for leaf in parse_netrc(text)]
    assert got == [
        ("a.example.invalid.login", "u", 1),
        ("a.example.invalid.password", "p1", 1),
        ("default.login", "v", 5),
        ("default.password", "p2", 5),
    ]


def test_env_parser_multiline_and_export() -> None:
    key = pem_private_key(__import__("random").Random(1))
    text = f'export A=1\n# c\nKEY="{key}"\nB=two # comment\n'
    leaves = {leaf.key_path: leaf for leaf in parse_env(text)}
    assert leaves["A"].value == "1"
    assert leaves["KEY"].value.strip() == key.strip() and leaves["KEY"].line == 3
    assert leaves["B"].value == "two"


def test_jsonc_is_accepted() -> None:
    leaves = parse_json('{\n // c\n "a": "x//y", /* b */ "b": [1, "z",],\n}\n')
    assert [(leaf.key_path, leaf.value) for leaf in leaves] == [("a", "x//y"), ("b.1", "z")]


def test_ssh_key_analysis() -> None:
    import random

    plain = analyse_private_key(fake_token("ssh-private-key"))
    enc = analyse_private_key(fake_token("encrypted-private-key"))
    assert plain is not None and (plain.format, plain.encrypted, plain.scheme) == ("openssh", False, "none")
    assert enc is not None and (enc.format, enc.encrypted, enc.scheme) == ("openssh", True, "bcrypt")
    pem = analyse_private_key(pem_private_key(random.Random(2), encrypted=True))
    assert pem is not None and pem.encrypted and pem.scheme == "aes-128-cbc"
    assert analyse_private_key("ssh-ed25519 AAAA user@host") is None
    putty = analyse_private_key("PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\n")
    assert putty is not None and not putty.encrypted
