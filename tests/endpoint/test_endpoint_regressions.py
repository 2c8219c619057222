"""Regressions found by sweeping realistic homes: noise that must stay quiet, tokens that must be seen."""

from __future__ import annotations

import base64
import json
import os
import random
import sqlite3
import struct
from pathlib import Path

import pytest
from homefiles import deny_open
from homefiles import write_file as _write

from shipwarden.core.findings import Report
from shipwarden.endpoint import sweep
from shipwarden.endpoint.sshkeys import analyse_private_key
from shipwarden.secrets.fakes import fake_token, openssh_private_key

PERM = "endpoint-credential-file-permissions"


def _found(report: Report) -> list[tuple[str, str, str]]:
    """(path, key path, credential kind) of every credential finding."""
    return sorted(
        (f.primary.path, f.properties.get("key_path", ""), f.properties.get("credential", ""))
        for f in report.findings
        if f.rule_id != PERM
    )


# -- names that look secret but hold names, ids and methods -----------------------------


def test_aws_config_settings_are_not_credentials(home: Path) -> None:
    _write(
        home / ".aws" / "config",
        "[profile sso]\nsso_session = acme-corp-sso\nsso_account_id = 123456789012\n"
        "[sso-session acme-corp-sso]\nsso_start_url = https://acme.example.invalid/start\n"
        "sso_registration_scopes = sso:account:access\n"
        "[profile ec2]\nrole_arn = arn:aws:iam::123456789012:role/Deploy\ncredential_source = Ec2InstanceMetadata\n"
        "[profile vault]\ncredential_process = aws-vault-export-prod\n",
    )
    assert _found(sweep(home)) == []


def test_env_var_names_and_session_ids_are_not_credentials(home: Path) -> None:
    _write(
        home / ".codex" / "config.toml",
        '[mcp_servers.figma]\nurl = "https://mcp.example.invalid/mcp"\nbearer_token_env_var = "FIGMA_OAUTH_TOKEN"\n'
        '[model_providers.azure]\nenv_key = "AZURE_OPENAI_API_KEY"\n'
        'env_http_headers = { "X-Api-Key" = "AZURE_GATEWAY_API_KEY" }\n',
    )
    _write(
        home / ".claude.json",
        json.dumps({"projects": {"/w/app": {"lastSessionId": "5e8c7a2b-4d1f-4a3e-9b6c-8f2e1d0c9a7b", "mcpServers": {}}}}),
    )
    assert _found(sweep(home)) == []


def test_public_gcloud_client_secret_in_credentials_db(home: Path) -> None:
    db = home / ".config" / "gcloud" / "credentials.db"
    db.parent.mkdir(parents=True)
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE credentials (account_id TEXT PRIMARY KEY, value BLOB)")
    value = {
        "client_id": "32555940559.apps.example.invalid",
        "client_secret": "ZmssLNjJy2998hD4" + "CTg2ejr2",  # gcloud's public installed-app secret
        "refresh_token": fake_token("gcp-refresh-token"),
        "type": "authorized_user",
    }
    con.execute("INSERT INTO credentials VALUES (?, ?)", ("dev@example.invalid", json.dumps(value)))
    con.commit()
    con.close()
    db.chmod(0o600)
    assert [k for _, _, k in _found(sweep(home))] == ["gcp-refresh-token"]


def test_oci_token_file_setting_is_a_path_and_the_token_is_read(home: Path) -> None:
    _write(
        home / ".oci" / "config",
        "[SESSION]\nuser=ocid1.user.oc1..aaaa\nkey_file=~/.oci/sessions/SESSION/oci_api_key.pem\n"
        f"security_token_file={home}/.oci/sessions/SESSION/token\n",
    )
    _write(home / ".oci" / "sessions" / "SESSION" / "token", fake_token("jwt"))
    assert _found(sweep(home)) == [("~/.oci/sessions/SESSION/token", "line 1", "jwt")]


def test_azure_id_tokens_are_not_access_credentials(home: Path) -> None:
    _write(
        home / ".azure" / "msal_token_cache.json",
        json.dumps(
            {
                "AccessToken": {"a": {"credential_type": "AccessToken", "secret": fake_token("jwt", 1)}},
                "IdToken": {"i": {"credential_type": "IdToken", "secret": fake_token("jwt", 2)}},
            }
        ),
    )
    assert _found(sweep(home)) == [("~/.azure/msal_token_cache.json", "AccessToken.a.secret", "jwt")]


# -- tokens that were missed -------------------------------------------------------------


def test_token_in_a_gitconfig_section_name(home: Path) -> None:
    pat = fake_token("github-pat", 3)
    _write(
        home / ".gitconfig",
        f'[user]\n  name = Dev\n[url "https://dev:{pat}@git.example.invalid/"]\n  insteadOf = https://git.example.invalid/\n',
    )
    report = sweep(home)
    (f,) = [f for f in report.findings if f.rule_id != PERM]
    assert (f.rule_id, f.properties["credential"], f.tier.value, f.primary.line) == (
        "endpoint-git-credential", "github-pat", "P1", 3
    )
    assert pat not in json.dumps(f.to_dict())


def test_commented_out_token_is_still_on_disk(home: Path) -> None:
    live, old = fake_token("npm-token", 4), fake_token("npm-token", 5)
    _write(
        home / ".npmrc",
        f"//registry.example.invalid/:_authToken={live}\n; //old.example.invalid/:_authToken={old}\n"
        "; //x.example.invalid/:_authToken=npm_your_token_here\n",
    )
    found = _found(sweep(home))
    assert found == [
        ("~/.npmrc", "//registry.example.invalid/:_authToken", "npm-token"),
        ("~/.npmrc", "line 2", "npm-token"),
    ]


def test_same_token_in_value_and_text_is_one_finding(home: Path) -> None:
    pat = fake_token("github-pat", 6)
    _write(home / ".config" / "gh" / "hosts.yml", f"github.com:\n  oauth_token: {pat}\n  user: dev\n")
    assert len(_found(sweep(home))) == 1


def test_secret_passed_as_a_command_line_argument(home: Path) -> None:
    key = "ctx7sk" + "Qm3vX9pL2nR8tY5wK1zA4bC6dE0fG7hJ"
    _write(
        home / ".claude.json",
        json.dumps(
            {
                "mcpServers": {
                    "ctx": {"command": "npx", "args": ["-y", "@upstash/context7-mcp", "--api-key", key]},
                    "fs": {"command": "npx", "args": ["--root", "/home/dev/projects", "--verbose", "Zq3x9PL2mN8vR5tY7wK1"]},
                    "ph": {"command": "npx", "args": ["--token", "${MY_TOKEN}"]},
                }
            }
        ),
    )
    assert _found(sweep(home)) == [("~/.claude.json", "mcpServers.ctx.args.3", "unrecognised")]


# -- keys and files -------------------------------------------------------------------------


def _security_key_file(rng: random.Random) -> str:
    """An OpenSSH ``sk-ssh-ed25519`` key handle (cipher none), as ``ssh-keygen -t ed25519-sk`` writes."""

    def string(data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + data

    kind = b"sk-ssh-ed25519@openssh.com"
    public = string(kind) + string(rng.randbytes(32)) + string(b"ssh:")
    body = (
        b"openssh-key-v1\x00" + string(b"none") + string(b"none") + string(b"") + struct.pack(">I", 1)
        + string(public) + string(rng.randbytes(180))
    )
    b64 = base64.b64encode(body).decode()
    armour = "-" * 5 + "{} OPENSSH PRIVATE" + " KEY" + "-" * 5
    lines = [b64[i : i + 70] for i in range(0, len(b64), 70)]
    return "\n".join([armour.format("BEGIN"), *lines, armour.format("END")]) + "\n"


def test_fido_security_key_handle_is_not_an_unprotected_key(home: Path) -> None:
    sk = _security_key_file(random.Random(31))
    info = analyse_private_key(sk)
    assert info is not None and info.hardware and not info.encrypted
    plain = analyse_private_key(openssh_private_key(random.Random(32), encrypted=False))
    assert plain is not None and not plain.hardware
    _write(home / ".ssh" / "id_ed25519_sk", sk, mode=0o644)
    _write(home / ".ssh" / "id_ed25519", openssh_private_key(random.Random(33), encrypted=False))
    report = sweep(home)
    assert [f.primary.path for f in report.findings] == ["~/.ssh/id_ed25519"]
    assert report.stats["hardware_keys"] == 1


def test_history_with_nul_bytes_is_still_scanned(home: Path) -> None:
    token = fake_token("github-pat", 7)
    _write(home / ".zsh_history", b"\x00" * 4096 + f": 1700000000:0;export GH_TOKEN={token}\n".encode())
    report = sweep(home)
    assert [(f.primary.line, f.properties["credential"]) for f in report.findings] == [(1, "github-pat")]
    assert report.errors == []


def test_unreadable_directory_is_a_note(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ssh = home / ".ssh"
    _write(ssh / "id_ed25519", openssh_private_key(random.Random(34), encrypted=False))
    ssh.chmod(0o000)
    try:
        if os.geteuid() == 0:  # root lists anything: simulate the denial
            real_scandir = os.scandir

            def deny(path: object = ".") -> object:
                if Path(str(path)) == ssh:
                    raise PermissionError(13, "Permission denied")
                return real_scandir(path)  # type: ignore[arg-type]

            monkeypatch.setattr(os, "scandir", deny)
        report = sweep(home)
    finally:
        ssh.chmod(0o700)
    assert report.findings == []
    assert [(e.path, e.kind) for e in report.errors] == [("~/.ssh", "unreadable")]


def test_directory_link_out_of_home_is_one_note(home: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    _write(outside / "config", "apiVersion: v1\n")
    (home / ".kube").symlink_to(outside, target_is_directory=True)  # four catalogue globs reach ~/.kube
    report = sweep(home)
    assert [(e.path, e.kind) for e in report.errors] == [("~/.kube", "symlink")]


def test_unreadable_file_note_does_not_name_the_content(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    token = fake_token("npm-token", 8)
    target = _write(home / ".npmrc", f"//r.example.invalid/:_authToken={token}\n")
    deny_open(monkeypatch, target)
    report = sweep(home)
    assert [(e.path, e.kind) for e in report.errors] == [("~/.npmrc", "unreadable")]
    assert token not in json.dumps([e.to_dict() for e in report.errors])


def test_environment_paths_are_not_credentials(tmp_path: Path) -> None:
    env = {
        "GOOGLE_APPLICATION_CREDENTIALS": "/home/dev/.config/gcloud/sa-key.json",
        "PASSWORD_STORE_DIR": "/home/dev/.password-store",
        "SECRETS_ROOT": "~/secrets/production",
        "TOKENIZERS_PARALLELISM": "false",
        "API_TOKEN": "Zq3x9PL2mN8vR5tY7wK1cD4f",
    }
    report = sweep(tmp_path, env=env)
    assert [f.primary.path for f in report.findings] == ["env:API_TOKEN"]


def test_oversized_agent_config_is_still_scanned_for_tokens(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """~/.claude.json grows to tens of MB of project history; its tokens must not go unseen."""
    from shipwarden.endpoint import files as files_mod

    monkeypatch.setattr(files_mod, "MAX_TEXT_BYTES", 64 * 1024)  # many chunks, quickly
    monkeypatch.setattr(files_mod, "CHUNK_OVERLAP_BYTES", 1024)
    token = fake_token("github-pat", 9)
    filler = '    {"display": "refactor the parser", "pastedContents": {}},\n' * 160_000  # ~9.6 MB
    text = '{\n  "history": [\n' + filler + f'    {{"display": "use {token}"}}\n  ]\n}}\n'
    _write(home / ".claude.json", text)
    assert (home / ".claude.json").stat().st_size > files_mod.MAX_FILE_BYTES
    report = sweep(home)
    (f,) = report.findings
    assert (f.properties["credential"], f.tier.value) == ("github-pat", "P1")
    assert f.primary.line == text[: text.index(token)].count("\n") + 1
    assert [(e.path, e.kind) for e in report.errors] == [("~/.claude.json", "too-large")]
    assert token not in json.dumps(f.to_dict())
