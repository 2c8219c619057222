"""A fake home with every catalogued credential store, built at test time.

All tokens come from :mod:`shipwarden.secrets.fakes` (format-valid, random,
never committed). ``FakeHome.secrets`` lists every secret value written, so a
test can assert none of them leaks into any output.
"""

from __future__ import annotations

import base64
import json
import random
import sqlite3
import string
from dataclasses import dataclass, field
from pathlib import Path

from shipwarden.secrets.fakes import fake_token, openssh_private_key, pem_private_key


@dataclass(frozen=True)
class Expect:
    path: str  # display path, "~/…" or "env:NAME"
    rule: str
    kind: str  # credential kind (token kind id, "unrecognised", or "" for flags/permissions)
    tier: str
    store: str


@dataclass
class FakeHome:
    root: Path
    secrets: list[str] = field(default_factory=list, repr=False)
    expected: list[Expect] = field(default_factory=list)
    modes: dict[str, int] = field(default_factory=dict)
    _seed: int = 0

    def token(self, kind: str) -> str:
        self._seed += 1
        value = fake_token(kind, self._seed)
        self.secrets.append(value.strip())
        return value

    def random(self, n: int = 40, alphabet: str = string.ascii_letters + string.digits) -> str:
        self._seed += 1
        rng = random.Random(self._seed * 7919)
        value = "".join(rng.choice(alphabet) for _ in range(n))
        self.secrets.append(value)
        return value

    def weak(self, value: str) -> str:
        self.secrets.append(value)
        return value

    def write(self, rel: str, content: str | bytes, mode: int = 0o600) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
        path.chmod(mode)
        self.modes["~/" + rel] = mode
        return path

    def expect(self, rel: str, store: str, rule: str, kind: str, tier: str) -> None:
        path = rel if rel.startswith("env:") else "~/" + rel
        self.expected.append(Expect(path, rule, kind, tier, store))


AI = "endpoint-ai-agent-credential"
REG = "endpoint-registry-token"
GIT = "endpoint-git-credential"
CLOUD = "endpoint-cloud-credential"
SM = "endpoint-secret-manager-session"
SSH = "endpoint-ssh-key-unprotected"
HIST = "endpoint-shell-history-secret"
ENVF = "endpoint-env-file-secret"
ENVV = "endpoint-env-var-secret"
HELPER = "endpoint-plaintext-credential-helper"


def build_fake_home(root: Path) -> FakeHome:  # noqa: PLR0915 - one store per block, on purpose
    h = FakeHome(root)
    j = json.dumps

    # -- AI agents ---------------------------------------------------------------
    gh_pat = h.token("github-pat")
    h.write(
        ".claude.json",
        j(
            {
                "numStartups": 12,
                "primaryApiKey": h.token("anthropic-api-key"),
                "mcpServers": {
                    "github": {"command": "npx", "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": gh_pat, "DEBUG": "1"}},
                    "brave": {"command": "npx", "env": {"BRAVE_API_KEY": h.random(31)}},
                },
                "projects": {
                    "/home/dev/proj": {
                        "mcpServers": {
                            "linear": {"type": "http", "headers": {"Authorization": "Bearer " + h.token("jwt")}}
                        }
                    }
                },
            },
            indent=2,
        ),
        mode=0o644,
    )
    h.expect(".claude.json", "claude-code-config", AI, "anthropic-api-key", "P2")
    h.expect(".claude.json", "claude-code-config", AI, "github-pat", "P1")
    h.expect(".claude.json", "claude-code-config", AI, "unrecognised", "P2")
    h.expect(".claude.json", "claude-code-config", AI, "jwt", "P2")

    h.write(
        ".claude/.credentials.json",
        j({"claudeAiOauth": {"accessToken": h.token("anthropic-oauth-token"), "refreshToken": h.random(64), "expiresAt": 1}}),
    )
    h.expect(".claude/.credentials.json", "claude-code-credentials", AI, "anthropic-oauth-token", "P2")
    h.expect(".claude/.credentials.json", "claude-code-credentials", AI, "unrecognised", "P2")

    h.write(".claude/settings.json", j({"env": {"ANTHROPIC_API_KEY": h.token("anthropic-api-key"), "DISABLE_TELEMETRY": "1"}}))
    h.expect(".claude/settings.json", "claude-code-settings", AI, "anthropic-api-key", "P2")

    h.write(
        ".config/Claude/claude_desktop_config.json",
        j({"mcpServers": {"slack": {"command": "npx", "env": {"SLACK_BOT_TOKEN": h.token("slack-token")}}}}),
    )
    h.expect(".config/Claude/claude_desktop_config.json", "claude-desktop-config", AI, "slack-token", "P2")

    h.write(
        ".codex/auth.json",
        j({"OPENAI_API_KEY": h.token("openai-api-key"), "tokens": {"id_token": h.token("jwt"), "refresh_token": h.random(48)}}),
    )
    h.expect(".codex/auth.json", "codex-auth", AI, "openai-api-key", "P2")
    h.expect(".codex/auth.json", "codex-auth", AI, "jwt", "P2")
    h.expect(".codex/auth.json", "codex-auth", AI, "unrecognised", "P2")

    h.write(".codex/config.toml", f'model = "o4"\n\n[mcp_servers.stripe]\ncommand = "npx"\n\n[mcp_servers.stripe.env]\nSTRIPE_SECRET_KEY = "{h.token("stripe-secret-key")}"\n')
    h.expect(".codex/config.toml", "codex-config", AI, "stripe-secret-key", "P2")

    h.write(".gemini/oauth_creds.json", j({"access_token": h.token("gcp-access-token"), "refresh_token": h.token("gcp-refresh-token"), "token_type": "Bearer"}))
    h.expect(".gemini/oauth_creds.json", "gemini-cli", AI, "gcp-access-token", "P2")
    h.expect(".gemini/oauth_creds.json", "gemini-cli", AI, "gcp-refresh-token", "P1")
    h.write(".gemini/.env", f"GEMINI_API_KEY={h.token('gcp-api-key')}\nDEBUG=true\n")
    h.expect(".gemini/.env", "gemini-cli-env", AI, "gcp-api-key", "P2")

    h.write(".cursor/mcp.json", j({"mcpServers": {"gh": {"env": {"GITHUB_TOKEN": h.token("github-fine-grained-pat")}}}}))
    h.expect(".cursor/mcp.json", "cursor-mcp", AI, "github-fine-grained-pat", "P1")

    # VS Code: JSON with comments and trailing commas
    h.write(
        ".config/Code/User/mcp.json",
        '{\n  // my servers\n  "servers": {\n    "hf": {\n      "type": "http",\n'
        f'      "headers": {{ "Authorization": "Bearer {h.token("huggingface-token")}" }},\n'
        "    },\n  },\n}\n",
    )
    h.expect(".config/Code/User/mcp.json", "vscode-user-settings", AI, "huggingface-token", "P1")
    h.write(
        "Library/Application Support/Code/User/settings.json",
        j({"editor.fontSize": 13, "mcp": {"servers": {"ai": {"env": {"OPENAI_API_KEY": h.token("openai-api-key")}}}}}),
    )
    h.expect("Library/Application Support/Code/User/settings.json", "vscode-user-settings", AI, "openai-api-key", "P2")

    cline = ".config/Code/User/globalStorage/saoudrizwan.claude-dev/settings/cline_mcp_settings.json"
    h.write(cline, j({"mcpServers": {"pg": {"env": {"DB_PASSWORD": h.random(24)}}}}))
    h.expect(cline, "cline-mcp", AI, "unrecognised", "P2")

    h.write(".codeium/windsurf/mcp_config.json", j({"mcpServers": {"docker": {"env": {"DOCKER_TOKEN": h.token("docker-hub-token")}}}}))
    h.expect(".codeium/windsurf/mcp_config.json", "windsurf-mcp", AI, "docker-hub-token", "P1")

    h.write(".continue/config.yaml", f"name: cfg\nmodels:\n  - name: claude\n    provider: anthropic\n    apiKey: {h.token('anthropic-api-key')}\n")
    h.expect(".continue/config.yaml", "continue-config", AI, "anthropic-api-key", "P2")
    h.write(".continue/.env", f"MISTRAL_API_KEY={h.random(32)}\n")
    h.expect(".continue/.env", "continue-env", AI, "unrecognised", "P2")

    h.write(".aider.conf.yml", f"model: sonnet\nopenai-api-key: {h.token('openai-api-key')}\n")
    h.expect(".aider.conf.yml", "aider-config", AI, "openai-api-key", "P2")

    h.write(".config/zed/settings.json", j({"context_servers": {"gl": {"command": {"path": "x", "env": {"GITLAB_TOKEN": h.token("gitlab-token")}}}}}))
    h.expect(".config/zed/settings.json", "zed-settings", AI, "gitlab-token", "P1")

    h.write(".config/github-copilot/apps.json", j({"github.com:Iv1.b507a08c87ecfe98": {"user": "dev", "oauth_token": h.token("github-oauth-token")}}))
    h.expect(".config/github-copilot/apps.json", "github-copilot", AI, "github-oauth-token", "P2")

    # -- registries ----------------------------------------------------------------
    legacy_npm = h.weak("3b5f1c2e-8a4d-4f6b-9c1e-7d2a5b8e0f13")
    h.write(
        ".npmrc",
        f"//registry.example.invalid/:_authToken={h.token('npm-token')}\n"
        "//other.example.invalid/:_authToken=${NPM_TOKEN}\n"
        f"//legacy.example.invalid/:_authToken={legacy_npm}\n",
        mode=0o644,
    )
    h.expect(".npmrc", "npmrc", REG, "npm-token", "P1")
    h.expect(".npmrc", "npmrc", REG, "unrecognised", "P1")

    h.write(".yarnrc.yml", f'npmAuthToken: "{h.token("npm-token")}"\nnpmScopes:\n  acme:\n    npmAuthToken: "${{ACME_TOKEN}}"\n')
    h.expect(".yarnrc.yml", "yarnrc", REG, "npm-token", "P1")

    h.write(
        ".pypirc",
        "[distutils]\nindex-servers =\n  pypi\n  internal\n\n"
        f"[pypi]\nusername = __token__\npassword = {h.token('pypi-token')}\n\n"
        f"[internal]\nrepository = https://pkgs.example.invalid/\nusername = ci\npassword = {h.weak('hunter2pass')}\n",
        mode=0o640,
    )
    h.expect(".pypirc", "pypirc", REG, "pypi-token", "P1")
    h.expect(".pypirc", "pypirc", REG, "unrecognised", "P1")

    h.write(".config/pip/pip.conf", f"[global]\nindex-url = https://builder:{h.weak('Idx9passW0rd')}@pkgs.example.invalid/simple\n")
    h.expect(".config/pip/pip.conf", "pip-conf", REG, "url-credentials", "P2")

    h.write(".config/uv/uv.toml", f'publish-token = "{h.token("pypi-token")}"\n')
    h.expect(".config/uv/uv.toml", "uv-toml", REG, "pypi-token", "P1")

    h.write(".cargo/credentials.toml", f'[registry]\ntoken = "cio{h.random(32)}"\n')
    h.expect(".cargo/credentials.toml", "cargo-credentials", REG, "crates-io-token", "P1")

    h.write(".gem/credentials", f"---\n:rubygems_api_key: rubygems_{h.random(48, '0123456789abcdef')}\n")
    h.expect(".gem/credentials", "gem-credentials", REG, "rubygems-api-key", "P1")

    docker_pat = h.token("docker-hub-token")
    plain_pw = h.weak("s3cretDockerPw99")
    h.write(
        ".docker/config.json",
        j(
            {
                "auths": {
                    "registry.example.invalid": {"auth": base64.b64encode(f"dev:{docker_pat}".encode()).decode()},
                    "other.example.invalid": {"auth": base64.b64encode(f"ci:{plain_pw}".encode()).decode()},
                }
            }
        ),
    )
    h.secrets.extend(base64.b64encode(f"{u}:{p}".encode()).decode() for u, p in (("dev", docker_pat), ("ci", plain_pw)))
    h.expect(".docker/config.json", "docker-config", REG, "docker-hub-token", "P1")
    h.expect(".docker/config.json", "docker-config", REG, "unrecognised", "P1")

    h.write(".gradle/gradle.properties", f"org.gradle.jvmargs=-Xmx2g\nossrhPassword={h.random(20)}\n")
    h.expect(".gradle/gradle.properties", "gradle-properties", REG, "unrecognised", "P2")

    h.write(".m2/settings.xml", f"<settings><servers><server><id>gh</id><username>dev</username><password>{h.token('github-pat')}</password></server></servers></settings>\n")
    h.expect(".m2/settings.xml", "maven-settings", REG, "github-pat", "P1")

    # -- git hosting ---------------------------------------------------------------------
    gho = h.token("github-oauth-token")
    h.write(".config/gh/hosts.yml", f"github.com:\n  user: dev\n  oauth_token: {gho}\n  git_protocol: https\n  users:\n    dev:\n      oauth_token: {gho}\n")
    h.expect(".config/gh/hosts.yml", "gh-hosts", GIT, "github-oauth-token", "P1")

    h.write(".git-credentials", f"https://dev:{h.token('github-pat')}@git.example.invalid\n")
    h.expect(".git-credentials", "git-credentials", GIT, "github-pat", "P1")

    h.write(".gitconfig", "[user]\n  name = Dev\n[credential]\n  helper = store\n")
    h.expect(".gitconfig", "gitconfig", HELPER, "", "P2")

    h.write(".netrc", f"machine git.example.invalid\n  login dev\n  password {h.token('gitlab-token')}\n", mode=0o644)
    h.expect(".netrc", "netrc", GIT, "gitlab-token", "P1")

    h.write(".config/glab-cli/config.yml", f"hosts:\n  gitlab.example.invalid:\n    token: {h.token('gitlab-token')}\n")
    h.expect(".config/glab-cli/config.yml", "glab-config", GIT, "gitlab-token", "P1")

    # -- cloud ------------------------------------------------------------------------------
    h.write(
        ".aws/credentials",
        f"[default]\naws_access_key_id = {h.token('aws-access-key-id')}\naws_secret_access_key = {h.token('aws-secret-access-key')}\n",
    )
    h.expect(".aws/credentials", "aws-credentials", CLOUD, "aws-access-key-id", "P1")
    h.expect(".aws/credentials", "aws-credentials", CLOUD, "aws-secret-access-key", "P1")

    h.write(
        ".aws/sso/cache/0f1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6.json",
        j({"startUrl": "https://acme.example.invalid/start", "region": "eu-west-1", "accessToken": "aoa" + h.random(120), "expiresAt": "2030-01-01T00:00:00Z"}),
    )
    h.expect(".aws/sso/cache/0f1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6.json", "aws-token-cache", CLOUD, "unrecognised", "P1")
    h.write(
        ".aws/cli/cache/1a2b3c.json",
        j({"Credentials": {"AccessKeyId": h.token("aws-session-key-id"), "SecretAccessKey": h.random(40), "SessionToken": "IQoJb3JpZ2lu" + h.random(200), "Expiration": "2030-01-01T00:00:00Z"}}),
    )
    h.expect(".aws/cli/cache/1a2b3c.json", "aws-token-cache", CLOUD, "aws-session-key-id", "P1")
    h.expect(".aws/cli/cache/1a2b3c.json", "aws-token-cache", CLOUD, "unrecognised", "P1")
    h.expect(".aws/cli/cache/1a2b3c.json", "aws-token-cache", CLOUD, "unrecognised", "P1")  # secret key and session token

    h.write(
        ".config/gcloud/application_default_credentials.json",
        j({"client_id": "764086051850-x.apps.example.invalid", "client_secret": "d-FL95Q19q7" + "MQmFpd7hHD0Ty", "refresh_token": h.token("gcp-refresh-token"), "type": "authorized_user"}),
    )
    h.expect(".config/gcloud/application_default_credentials.json", "gcloud-adc", CLOUD, "gcp-refresh-token", "P1")
    sa_key = pem_private_key(random.Random(11), label="")
    h.secrets.append(sa_key.strip())
    h.write(
        ".config/gcloud/legacy_credentials/sa@proj.example.invalid/adc.json",
        j({"type": "service_account", "private_key_id": "a" * 40, "private_key": sa_key, "client_email": "sa@proj.example.invalid"}),
    )
    h.expect(".config/gcloud/legacy_credentials/sa@proj.example.invalid/adc.json", "gcloud-adc", CLOUD, "private-key", "P1")

    db = h.root / ".config/gcloud/credentials.db"
    db.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE credentials (account_id TEXT PRIMARY KEY, value BLOB)")
    con.execute("INSERT INTO credentials VALUES (?, ?)", ("dev@example.invalid", j({"refresh_token": h.token("gcp-refresh-token"), "type": "authorized_user"})))
    con.commit()
    con.close()
    db.chmod(0o600)
    h.expect(".config/gcloud/credentials.db", "gcloud-credentials-db", CLOUD, "gcp-refresh-token", "P1")

    h.write(".azure/msal_token_cache.json", j({"RefreshToken": {"k1": {"credential_type": "RefreshToken", "secret": "0.A" + h.random(120)}}, "AccessToken": {"k2": {"secret": h.token("jwt")}}}))
    h.expect(".azure/msal_token_cache.json", "azure-cli", CLOUD, "unrecognised", "P1")
    h.expect(".azure/msal_token_cache.json", "azure-cli", CLOUD, "jwt", "P1")

    h.write(".oci/config", f"[DEFAULT]\nuser=ocid1.user.oc1..aaaa\nkey_file=~/.oci/oci_api_key.pem\npass_phrase={h.random(20)}\n")
    h.expect(".oci/config", "oci-config", CLOUD, "unrecognised", "P2")
    oci_key = pem_private_key(random.Random(12))
    h.secrets.append(oci_key.strip())
    h.write(".oci/oci_api_key.pem", oci_key)
    h.write(".oci/oci_api_key_public.pem", "-----BEGIN PUBLIC KEY-----\nMIIBIjANBg\n-----END PUBLIC KEY-----\n")
    h.expect(".oci/oci_api_key.pem", "oci-keys", CLOUD, "private-key", "P2")
    h.write(".oci/sessions/DEFAULT/token", h.token("jwt"))
    h.expect(".oci/sessions/DEFAULT/token", "oci-session-token", CLOUD, "jwt", "P2")

    client_key = pem_private_key(random.Random(13), label="EC")
    h.secrets.append(client_key.strip())
    client_key_data = base64.b64encode(client_key.encode()).decode()
    h.secrets.append(client_key_data)
    h.write(
        ".kube/config",
        "apiVersion: v1\nkind: Config\nusers:\n"
        f"- name: admin\n  user:\n    token: {h.random(64)}\n"
        f"- name: cert\n  user:\n    client-key-data: {client_key_data}\n"
        "- name: exec\n  user:\n    exec:\n      command: kubelogin\n",
        mode=0o644,
    )
    h.expect(".kube/config", "kubeconfig", CLOUD, "unrecognised", "P2")
    h.expect(".kube/config", "kubeconfig", CLOUD, "private-key", "P2")

    # `terraform login` output: {"credentials": {"<host>": {"token": "<14>.atlasv1.<67>"}}}
    tf_token = h.random(14) + ".atlasv1." + h.random(67)
    h.write(".terraform.d/credentials.tfrc.json", j({"credentials": {"app.terraform.example.invalid": {"token": tf_token}}}))
    h.expect(".terraform.d/credentials.tfrc.json", "terraform-cli-credentials", CLOUD, "unrecognised", "P2")

    # -- secret managers ---------------------------------------------------------------------
    h.write(".vault-token", h.token("vault-token"))
    h.expect(".vault-token", "vault-token", SM, "vault-token", "P2")
    h.write(".config/op/config", j({"latest_signin": "acme", "accounts": [{"shorthand": "acme", "accountKey": "A3-" + h.random(30)}]}))
    h.expect(".config/op/config", "onepassword-cli", SM, "unrecognised", "P2")
    h.write(".config/Bitwarden CLI/data.json", j({"user_1": {"tokens": {"accessToken": h.token("jwt"), "refreshToken": h.random(88)}}}))
    h.expect(".config/Bitwarden CLI/data.json", "bitwarden-cli", SM, "jwt", "P2")
    h.expect(".config/Bitwarden CLI/data.json", "bitwarden-cli", SM, "unrecognised", "P2")

    # -- SSH -------------------------------------------------------------------------------------
    plain_key = openssh_private_key(random.Random(21), encrypted=False)
    h.secrets.append(plain_key.strip())
    h.write(".ssh/id_ed25519", plain_key)
    h.expect(".ssh/id_ed25519", "ssh-private-keys", SSH, "ssh-private-key", "P1")
    h.write(".ssh/id_ed25519.pub", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI dev@host\n", mode=0o644)
    h.write(".ssh/id_protected", openssh_private_key(random.Random(22), encrypted=True), mode=0o600)
    h.write(".ssh/legacy_rsa", pem_private_key(random.Random(23)), mode=0o644)
    h.secrets.append(pem_private_key(random.Random(23)).strip())
    h.expect(".ssh/legacy_rsa", "ssh-private-keys", SSH, "private-key", "P1")
    h.write(".ssh/legacy_protected", pem_private_key(random.Random(24), encrypted=True))
    h.write(".ssh/known_hosts", "git.example.invalid ssh-ed25519 AAAA\n", mode=0o644)
    h.write(".ssh/config", "Host *\n  IdentityFile ~/.ssh/id_ed25519\n", mode=0o644)

    # -- histories ---------------------------------------------------------------------------
    h.write(".bash_history", f"ls\ncd proj\nexport NPM_TOKEN={h.token('npm-token')}\nnpm publish\n")
    h.expect(".bash_history", "shell-history", HIST, "npm-token", "P1")
    h.write(".zsh_history", f": 1700000000:0;curl -H 'Authorization: Bearer {h.random(40)}' https://api.example.invalid\n")
    h.expect(".zsh_history", "shell-history", HIST, "authorization-header", "P2")
    h.write(".local/share/fish/fish_history", f"- cmd: echo {h.token('github-pat')} | gh auth login --with-token\n  when: 1700000000\n")
    h.expect(".local/share/fish/fish_history", "shell-history", HIST, "github-pat", "P1")

    # -- .env in home and in an included project ----------------------------------------------
    h.write(".env", f"OPENAI_API_KEY={h.token('openai-api-key')}\nDATABASE_URL=postgres://app:{h.weak('Pa55w0rdLong')}@db.example.invalid/app\nPORT=8080\n")
    h.expect(".env", "home-env-files", ENVF, "openai-api-key", "P2")
    h.expect(".env", "home-env-files", ENVF, "url-credentials", "P2")

    return h


def build_project(root: Path, h: FakeHome) -> Path:
    """A project tree for --include with one real and one example .env."""
    project = root / "app"
    (project / "node_modules" / "dep").mkdir(parents=True)
    (project / "node_modules" / "dep" / ".env").write_text(f"API_TOKEN={h.token('npm-token')}\n")  # skipped dir
    (project / ".env.production").write_text(f"STRIPE_SECRET_KEY={h.token('stripe-secret-key')}\n")
    (project / ".env.example").write_text("STRIPE_SECRET_KEY=sk_live_your_key_here\n")
    return project


def fake_environment(h: FakeHome) -> dict[str, str]:
    return {
        "HOME": str(h.root),
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "GITHUB_TOKEN": h.token("github-app-token"),
        "NPM_TOKEN": h.weak("9f8e7d6c-5b4a-4321-8fed-cba987654321"),
        "OP_SESSION_acme": h.random(43),
        "SOME_TOKEN_FILE": "/run/secrets/token",
        "NODE_AUTH_TOKEN": "${NPM_TOKEN}",
    }
