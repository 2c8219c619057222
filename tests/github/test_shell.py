"""Structural analysis of workflow `run:` scripts (shipwarden.ci.shell)."""

from __future__ import annotations

import concurrent.futures
import pathlib

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from shipwarden.ci.github.loader import load_directory
from shipwarden.ci.github.steps import OTHER_DOWNLOAD, OTHER_DOWNLOAD_WORDS, code_text, other_download
from shipwarden.ci.shell import (
    MAX_PARSE_CHARS,
    Event,
    EventKind,
    Position,
    Quoting,
    ShellFacts,
    analyze,
    load_tables,
    normalise_shell,
)

CORPUS = pathlib.Path("/work/shared/corpus/workflows")


def events(script: str, kind: EventKind, shell: str | None = None) -> list[Event]:
    return list(analyze(script, shell).events_of(kind))


def one(script: str, kind: EventKind, shell: str | None = None) -> Event:
    found = events(script, kind, shell)
    assert len(found) == 1, (script, found)
    return found[0]


def text(facts: ShellFacts, start: int, end: int) -> str:
    return facts.script[start:end]


# ------------------------------------------------------------------------------ install


@pytest.mark.parametrize(
    ("script", "tool", "scripts"),
    [
        ("npm ci", "npm", True),
        ("npm ci --ignore-scripts", "npm", False),
        ("npm install --ignore-scripts=false", "npm", True),
        ("npm_config_ignore_scripts=true npm install", "npm", False),
        ("env npm_config_ignore_scripts=true npm ci", "npm", False),
        ("export npm_config_ignore_scripts=true\nnpm ci", "npm", False),
        ("NPM_CONFIG_IGNORE_SCRIPTS=1\nnpm i", "npm", False),
        ("npm_config_ignore_scripts=false npm ci", "npm", True),
        ("npm --prefix web ci", "npm", True),
        ("pnpm install --frozen-lockfile", "pnpm", True),
        ("pnpm i --ignore-scripts", "pnpm", False),
        ("pnpm add left-pad", "pnpm", True),
        ("yarn", "yarn", True),
        ("yarn --frozen-lockfile", "yarn", True),
        ("yarn install --immutable", "yarn", True),
        ("YARN_ENABLE_SCRIPTS=false yarn install", "yarn", False),
        ("yarn install --mode=skip-build", "yarn", False),
        ("bun install", "bun", True),
        ("pip install requests", "pip", True),
        ("pip install -r requirements.txt", "pip", True),
        ("python -m pip install --only-binary :all: requests", "pip", False),
        ("pip install --only-binary=:all: -e .", "pip", True),
        ("uv pip install --no-build foo", "uv", False),
        ("uv sync --frozen", "uv", True),
        ("poetry install --no-root", "poetry", True),
        ("pipx install tox", "pipx", True),
        ("composer install --no-scripts", "composer", False),
    ],
)
def test_install(script: str, tool: str, scripts: bool) -> None:
    event = one(script, EventKind.INSTALL)
    assert event.tool == tool
    assert event.scripts is scripts


def test_install_flags() -> None:
    assert "ignore-scripts" in one("npm ci --ignore-scripts", EventKind.INSTALL).flags
    pip = one("pip install --no-deps --only-binary=:all: -r req.txt", EventKind.INSTALL)
    assert {"no-deps", "only-binary", "requirements"} <= pip.flags
    assert pip.scripts is True  # a requirements file may list anything
    assert "named-packages" in one("npm install left-pad", EventKind.INSTALL).flags
    assert "named-packages" not in one("pip install dist/*.whl", EventKind.INSTALL).flags


@pytest.mark.parametrize(
    "script",
    ["npm run build", "npm --version", "pip list", "echo npm ci", "yarn build", "pnpm -v", "# npm ci", "cat npm"],
)
def test_not_install(script: str) -> None:
    assert events(script, EventKind.INSTALL) == []


# ------------------------------------------------------------------------------ repo code


@pytest.mark.parametrize(
    "script",
    [
        "npm run build", "npm test", "npm run-script lint", "pnpm run build", "pnpm build", "yarn test",
        "yarn build", "bun run build", "make", "make -C docs html", "cmake --build build", "./script.sh",
        "bash scripts/x.sh", "sh ./ci.sh arg", "source ./env.sh", ". scripts/setup", "python x.py",
        "python3 -m pytest -q", "pytest", "tox -e py311", "nox -s tests", "node build.js", "npx ./bin/cli.js",
        "cargo test", "cargo build --release", "go test ./...", "go generate ./...", "mvn -B verify",
        "./gradlew build", "gradle test", "pip install .", "pip install -e .[dev]", "python -m build",
        "poetry build", "hatch build", "docker build -t x .", "docker buildx build .", "pre-commit run -a",
        "nx run-many -t test", "turbo run build", "lerna run test", "vite build", "jest", "eslint .",
        "uv run pytest", "${{ github.workspace }}/scripts/x.sh", "$GITHUB_WORKSPACE/tools/run",
        "sphinx-build docs out", "dotnet test", "node -r ./scripts/hook.js -e 'x()'",
        "node --import=./register.mjs --test",
    ],
)
def test_executes_repo_code(script: str) -> None:
    assert events(script, EventKind.EXECUTES_REPO_CODE), script


@pytest.mark.parametrize(
    "script",
    [
        "tsc -p .", "npx tsc --noEmit", "yarn tsc", "go build ./...", "go vet ./...", "python -c 'print(1)'",
        "bash -c 'echo hi'", "source venv/bin/activate", "node -e 'console.log(1)'", "echo ./x.sh",
        "ruff check .", "docker build https://example.invalid/repo.git", "npm ci", "git status",
        "/usr/bin/env", "curl https://x.example.invalid", "bash", "npx @scope/tool@1.2",
        "node -r dotenv/config -e 'x()'",
    ],
)
def test_not_executes_repo_code(script: str) -> None:
    assert events(script, EventKind.EXECUTES_REPO_CODE) == [], script


@pytest.mark.parametrize(
    ("script", "code", "named"),
    [
        ("npm ci", "npm", False),
        ("pnpm add left-pad", "npm", True),
        ("deno install --allow-scripts", "npm", False),
        # bun runs only trusted packages' scripts (honojs/hono@28a9c128912d, release.yml)
        ("bun install --frozen-lockfile", "bun", False),
        ("pip install -U twine", "python", True),
        ("uv sync --only-group build", "python", False),
        ("poetry install --no-root", "python", False),
        # named tools, not the project's tree (tox-dev/tox@0cb816c572a1 runs `uv tool install … tox@.`)
        ("pipx install tox", "python", True),
        ("uv tool install nox --with nox-uv", "python", True),
        ("uv tool install --python-preference only-managed --python 3.14 tox@.", "python", False),
        ('uv pip install "huggingface_hub[dev] @ ."', "python", False),
        ("cargo install cargo-tarpaulin", "cargo", True),
        ("cargo install --path .", "cargo", False),
        ("gem install bundler", "ruby", True),
        ("bundle install", "ruby", False),
        ("composer install", "composer", False),
    ],
)
def test_install_names_what_runs(script: str, code: str, named: bool) -> None:
    # each ecosystem's own install-time code: npm lifecycle scripts, Python sdist build backends…
    event = one(script, EventKind.INSTALL)
    assert event.code == code
    assert ("named-packages" in event.flags) is named


def test_install_code_words_are_each_ecosystems_own() -> None:
    t = load_tables()
    rules = [r for rules in t.rules.values() for r in rules if r.scripts]
    assert rules and all(r.code in t.install_code for r in rules), [r.names for r in rules if r.code not in t.install_code]
    assert "lifecycle" in t.install_code["npm"].tree
    for name, code in t.install_code.items():
        if name not in ("npm", "bun"):  # npm packages' term, not pip's, uv's, poetry's, Bundler's, Composer's, Cargo's
            assert "lifecycle" not in " ".join((code.named, code.tree, code.local, code.hashed, code.action, code.summary))
    assert "trustedDependencies" in t.install_code["bun"].tree
    python = t.install_code["python"]
    assert "build backend" in python.tree and ".pth" in python.tree
    assert python.says(frozenset({"require-hashes", "requirements"})) == python.hashed
    assert python.says(frozenset({"local-path", "editable"})) == python.local  # pip install -e .
    assert t.install_code["npm"].says(frozenset({"local-path"})) == t.install_code["npm"].tree


@pytest.mark.parametrize(
    "script",
    [
        # pydantic/pydantic@2151025aa512, ci.yml release jobs: twine from the synced build group
        "uv run --no-sync twine check --strict dist/*",
        "uv run --no-project --with rich python -c 'print(1)'",
        "uv sync --only-group build",
        "uv sync --only-dev",
        "uv tool install pytest",
        "uv tool install nox --with nox-uv",
    ],
)
def test_uv_commands_that_run_no_project_code(script: str) -> None:
    assert events(script, EventKind.EXECUTES_REPO_CODE) == [], script


def test_uv_run_without_no_sync_builds_the_project() -> None:
    assert events("uv run twine check dist/*", EventKind.EXECUTES_REPO_CODE)
    assert events("uv run --no-sync pytest", EventKind.EXECUTES_REPO_CODE)  # pytest itself runs the tests
    assert events("uv tool run pytest", EventKind.EXECUTES_REPO_CODE)


def test_local_pip_install_is_both_install_and_repo_code() -> None:
    facts = analyze("pip install -e .")
    assert [e.kind for e in facts.events] == [EventKind.INSTALL, EventKind.EXECUTES_REPO_CODE]
    assert {"editable", "local-path"} <= facts.events[0].flags


# ------------------------------------------------------------------------------ publish


@pytest.mark.parametrize(
    ("script", "tool", "registry"),
    [
        ("npm publish --provenance", "npm", "npm"),
        ("pnpm publish --no-git-checks", "pnpm", "npm"),
        ("yarn npm publish", "yarn", "npm"),
        ("yarn publish", "yarn", "npm"),
        ("npx changeset publish", "changeset", "npm"),
        ("pnpm changeset publish", "pnpm", ""),  # `pnpm <bin>`: a script run, not known as publish
        ("lerna publish from-package --yes", "lerna", "npm"),
        ("npx semantic-release", "semantic-release", "npm"),
        ("npx release-it --ci", "release-it", "npm"),
        ("twine upload dist/*", "twine", "pypi"),
        ("python -m twine upload --repository testpypi dist/*", "twine", "pypi"),
        ("uv publish", "uv", "pypi"),
        ("poetry publish --build", "poetry", "pypi"),
        ("flit publish", "flit", "pypi"),
        ("hatch publish", "hatch", "pypi"),
        ("cargo publish", "cargo", "crates"),
        ("gem push pkg/x-1.0.gem", "gem", "rubygems"),
        ("docker push ghcr.io/o/x:1", "docker", "oci"),
        ("docker buildx build --push -t x .", "docker", "oci"),
        ("docker buildx build --output type=registry .", "docker", "oci"),
        ("gh release create v1 dist/*", "gh", "github"),
        ("gh release upload v1 dist/*", "gh", "github"),
        ("goreleaser release --clean", "goreleaser", "github"),
        ("mvn -B deploy", "mvn", "maven"),
        ("./gradlew publishToMavenCentral", "gradle", "maven"),
        ("gradle :lib:publish", "gradle", "maven"),
    ],
)
def test_publish(script: str, tool: str, registry: str) -> None:
    found = events(script, EventKind.PUBLISH)
    if not registry:
        assert found == []
        return
    assert len(found) == 1, found
    assert (found[0].tool, found[0].registry) == (tool, registry)


@pytest.mark.parametrize(
    "script",
    [
        "docker buildx build -t x .", "goreleaser release --snapshot", "npx semantic-release --dry-run",
        "npm pack", "twine check dist/*", "gh release view v1", "cargo package", "docker build -t x .",
        "echo npm publish", "npx release-it --no-npm", "release-it --npm.publish=false --ci",
    ],
)
def test_not_publish(script: str) -> None:
    assert events(script, EventKind.PUBLISH) == [], script


def test_npm_publish_scripts() -> None:
    assert one("npm publish", EventKind.PUBLISH).scripts is True
    assert one("npm publish --ignore-scripts ./dist", EventKind.PUBLISH).scripts is False


# ------------------------------------------------------------------------------ PR checkout


@pytest.mark.parametrize(
    ("script", "target"),
    [
        ("gh pr checkout ${{ github.event.issue.number }}", "${{ github.event.issue.number }}"),
        ("gh pr checkout $PR", "$PR"),
        ("git fetch origin pull/${{ github.event.number }}/head", "pull/${{ github.event.number }}/head"),
        ("git fetch origin +refs/pull/*/head:refs/remotes/origin/pr/*", "+refs/pull/*/head:refs/remotes/origin/pr/*"),
        ("git fetch origin refs/pull/42/merge", "refs/pull/42/merge"),
        ("git checkout ${{ github.event.pull_request.head.sha }}", "${{ github.event.pull_request.head.sha }}"),
        ('git switch "$HEAD_REF"', '"$HEAD_REF"'),
        ("git pull https://example.invalid/fork/repo.git main", "https://example.invalid/fork/repo.git"),
        ("git clone ${{ github.event.pull_request.head.repo.clone_url }} pr",
         "${{ github.event.pull_request.head.repo.clone_url }}"),
    ],
)
def test_pr_checkout(script: str, target: str) -> None:
    event = one(script, EventKind.PR_CHECKOUT)
    assert event.target is not None and event.target.text == target


@pytest.mark.parametrize(
    "script",
    ["git checkout main", "git fetch origin main", "git pull", "git checkout -b new", 'git checkout -b "$NEW"',
     "gh pr view 1", "git pull --rebase origin main", "echo pull/1/head"],
)
def test_not_pr_checkout(script: str) -> None:
    assert events(script, EventKind.PR_CHECKOUT) == [], script


# ------------------------------------------------------------------------------ remote code


@pytest.mark.parametrize(
    ("script", "url"),
    [
        ("curl -fsSL https://get.example.invalid | bash", "https://get.example.invalid"),
        ("curl -sSL https://get.example.invalid/i.sh | sudo -E bash -s -- --yes", "https://get.example.invalid/i.sh"),
        ("wget -O- https://get.example.invalid | sh", "https://get.example.invalid"),
        ("wget -qO- https://get.example.invalid | sh", "https://get.example.invalid"),
        ("wget -O - https://get.example.invalid | python3 -", "https://get.example.invalid"),
        ("curl -L https://get.example.invalid/v6.js | node - add", "https://get.example.invalid/v6.js"),
        ("bash <(curl -s https://get.example.invalid)", "https://get.example.invalid"),
        ("source <(curl -s https://get.example.invalid)", "https://get.example.invalid"),
        ('sh -c "$(curl -fsSL https://get.example.invalid)"', "https://get.example.invalid"),
        ('eval "$(curl -fsSL https://get.example.invalid)"', "https://get.example.invalid"),
        ("curl -fsSLo install.sh https://get.example.invalid/i.sh\nchmod +x install.sh\n./install.sh",
         "https://get.example.invalid/i.sh"),
        ("curl -fsSLO https://get.example.invalid/setup.sh\nbash setup.sh", "https://get.example.invalid/setup.sh"),
        ("wget https://get.example.invalid/run.sh\nsh run.sh", "https://get.example.invalid/run.sh"),
        ("curl -s https://get.example.invalid/c > codacy\nbash codacy final", "https://get.example.invalid/c"),
        ("bash -c 'curl -s https://get.example.invalid | sh'", "https://get.example.invalid"),
    ],
)
def test_remote_exec(script: str, url: str) -> None:
    event = one(script, EventKind.REMOTE_EXEC)
    assert event.target is not None and event.target.value == url


@pytest.mark.parametrize(
    "script",
    [
        "curl -o x.tar.gz https://get.example.invalid/x.tar.gz",
        "curl -o x.tar.gz https://get.example.invalid/x.tar.gz\ntar xzf x.tar.gz",
        "curl https://get.example.invalid/x.tgz | tar xz",
        "curl -s https://api.example.invalid | jq .",
        "curl -o out.sh https://get.example.invalid | bash",
        'bash -c "echo $(curl -s https://get.example.invalid)"',
        "wget https://get.example.invalid/i.sh | sh",
        "curl -s https://get.example.invalid | bash script.sh",
        "./install.sh\ncurl -o install.sh https://get.example.invalid",
        "echo 'curl x | sh'",
    ],
)
def test_not_remote_exec(script: str) -> None:
    assert events(script, EventKind.REMOTE_EXEC) == [], script


def test_download_then_run_notes_a_checksum() -> None:
    script = 'curl -fsSLO https://get.example.invalid/codecov\necho "$SUM  codecov" | sha512sum -c -\nbash ./codecov'
    assert "verified" in one(script, EventKind.REMOTE_EXEC).flags


# ------------------------------------------------------------------------------ env files


@pytest.mark.parametrize(
    ("script", "file"),
    [
        ('echo "x=1" >> "$GITHUB_ENV"', "GITHUB_ENV"),
        ("echo x=1 >> $GITHUB_ENV", "GITHUB_ENV"),
        ("echo x=1 >>${GITHUB_ENV}", "GITHUB_ENV"),
        ('echo "$HOME/bin" >> "${GITHUB_PATH}"', "GITHUB_PATH"),
        ("printf 'a=%s\\n' b >> $GITHUB_OUTPUT", "GITHUB_OUTPUT"),
        ("echo '# Done' > $GITHUB_STEP_SUMMARY", "GITHUB_STEP_SUMMARY"),
        ('echo "x" | tee -a "$GITHUB_ENV" > /dev/null', "GITHUB_ENV"),
        ("echo x | sudo tee -a $GITHUB_PATH", "GITHUB_PATH"),
        ('{ echo a; echo b; } >> "$GITHUB_OUTPUT"', "GITHUB_OUTPUT"),
        ("jq -r .x f.json >> $GITHUB_OUTPUT", "GITHUB_OUTPUT"),
        ('npm ci && echo "ok=1" >> $GITHUB_OUTPUT', "GITHUB_OUTPUT"),
        ("for f in *; do echo \"$f\"; done >> $GITHUB_STEP_SUMMARY", "GITHUB_STEP_SUMMARY"),
    ],
)
def test_env_file_write(script: str, file: str) -> None:
    assert one(script, EventKind.ENV_FILE_WRITE).file == file


@pytest.mark.parametrize(
    "script",
    ["echo x >> env.txt", "echo $GITHUB_ENV", "cat $GITHUB_ENV", "grep x < $GITHUB_ENV", "echo x >> $GITHUB_ENVX",
     "# echo x >> $GITHUB_ENV", "echo 'echo x >> $GITHUB_ENV'", "tee out.txt < in"],
)
def test_not_env_file_write(script: str) -> None:
    assert events(script, EventKind.ENV_FILE_WRITE) == [], script


def test_env_write_records_what_is_written() -> None:
    script = 'echo -n "title=${{ github.event.issue.title }}" >> "$GITHUB_ENV"'
    facts = analyze(script)
    event = facts.events_of(EventKind.ENV_FILE_WRITE)[0]
    assert [text(facts, w.start, w.end) for w in event.written] == ['"title=${{ github.event.issue.title }}"']
    assert event.expressions == (0,)
    assert event.target is not None and event.target.text == '"$GITHUB_ENV"'
    assert "append" in event.flags and event.action == "append"


def test_env_write_only_binds_the_last_command_of_a_list() -> None:
    script = 'npm ci && echo "a=${{ inputs.a }}" >> $GITHUB_ENV'
    facts = analyze(script)
    event = facts.events_of(EventKind.ENV_FILE_WRITE)[0]
    assert [text(facts, w.start, w.end) for w in event.written] == ['"a=${{ inputs.a }}"']
    assert facts.commands[event.command].name == "echo"


def test_heredoc_into_github_output() -> None:
    script = (
        "cat <<EOF >> $GITHUB_OUTPUT\n"
        "body<<DELIM\n"
        "${{ github.event.comment.body }}\n"
        "DELIM\n"
        "EOF\n"
        "echo done\n"
    )
    facts = analyze(script)
    event = facts.events_of(EventKind.ENV_FILE_WRITE)[0]
    assert event.file == "GITHUB_OUTPUT"
    assert "heredoc" in event.flags
    (body,) = event.written
    assert text(facts, body.start, body.end) == "body<<DELIM\n${{ github.event.comment.body }}\nDELIM\n"
    assert event.expressions == (0,)
    site = facts.expression_sites[0]
    assert (site.quoting, site.position) == (Quoting.HEREDOC, Position.HEREDOC_BODY)


def test_heredoc_piped_into_tee() -> None:
    script = "cat <<'EOF' | tee -a $GITHUB_ENV\nA=${{ inputs.a }}\nEOF\n"
    facts = analyze(script)
    event = facts.events_of(EventKind.ENV_FILE_WRITE)[0]
    assert [text(facts, w.start, w.end) for w in event.written] == ["A=${{ inputs.a }}\n"]
    assert facts.expression_sites[0].quoting is Quoting.HEREDOC_QUOTED


def test_cat_redirect_then_heredoc() -> None:
    facts = analyze('cat >> "$GITHUB_ENV" <<EOF\nX=1\nEOF')
    event = facts.events_of(EventKind.ENV_FILE_WRITE)[0]
    assert [text(facts, w.start, w.end) for w in event.written] == ["X=1\n"]


# ------------------------------------------------------------------------------ agents


def test_claude_bypass() -> None:
    facts = analyze('claude -p "$PROMPT" --dangerously-skip-permissions')
    event = facts.events_of(EventKind.AGENT_CLI)[0]
    assert event.tool == "claude"
    assert {"bypass", "print"} <= event.flags
    assert event.target is not None and event.target.text == '"$PROMPT"' and event.target.value is None


@pytest.mark.parametrize(
    ("script", "tool", "flag"),
    [
        ("claude --permission-mode bypassPermissions -p hi", "claude", "bypass"),
        ("npx -y @anthropic-ai/claude-code@latest -p \"${{ github.event.comment.body }}\"", "claude", "print"),
        ("codex exec --full-auto 'fix it'", "codex", "auto-approve"),
        ("codex exec --dangerously-bypass-approvals-and-sandbox 'fix it'", "codex", "bypass"),
        ("gemini --yolo -p 'fix it'", "gemini", "bypass"),
        ("gemini --approval-mode=yolo -p x", "gemini", "bypass"),
        ("aider --yes-always -m 'fix'", "aider", "auto-approve"),
        ("q chat --trust-all-tools --no-interactive 'fix'", "q", "bypass"),
        ("cursor-agent -p --force 'fix'", "cursor-agent", "bypass"),
        ("npx @google/gemini-cli -y -p x", "gemini", "bypass"),
    ],
)
def test_agent_cli(script: str, tool: str, flag: str) -> None:
    event = one(script, EventKind.AGENT_CLI)
    assert event.tool == tool and flag in event.flags


def test_agent_prompt_target() -> None:
    facts = analyze("gemini -p 'review ${{ github.event.pull_request.title }}' --yolo")
    event = facts.events_of(EventKind.AGENT_CLI)[0]
    assert event.target is not None and event.target.value == "review ${{ github.event.pull_request.title }}"
    assert event.expressions == (0,)


@pytest.mark.parametrize("script", ["claude --version", "claude mcp add x", "q --help", "echo claude -p x", "q", "codex login"])
def test_not_agent_cli(script: str) -> None:
    assert events(script, EventKind.AGENT_CLI) == [], script


# ------------------------------------------------------------------------------ git / gh writes


@pytest.mark.parametrize(
    ("script", "flags"),
    [
        ("git push", set()),
        ("git push --force origin HEAD:main", {"force"}),
        ("git push -f", {"force"}),
        ("git push --force-with-lease=main origin", {"force"}),
        ("git push origin +main", {"force"}),
        ("git push origin --tags", {"tags"}),
        ("git push --follow-tags", {"tags"}),
        ("git -C repo push --delete origin v1", {"delete"}),
    ],
)
def test_git_push(script: str, flags: set[str]) -> None:
    assert one(script, EventKind.GIT_PUSH).flags == frozenset(flags)


@pytest.mark.parametrize(
    "script",
    [
        "gh workflow run deploy.yml", "gh api -X POST repos/o/r/dispatches", "gh api --method PATCH x",
        "gh api repos/o/r/issues/1/comments -f body=hi", "gh pr merge --auto --squash 1",
        "gh release create v1", "gh issue comment 1 --body x", "gh secret set TOKEN",
        "gh api graphql -f query='mutation { x }'",
    ],
)
def test_gh_write(script: str) -> None:
    assert events(script, EventKind.GH_WRITE), script


@pytest.mark.parametrize(
    "script",
    ["gh api repos/o/r", "gh api -X GET repos/o/r -f per_page=1", "gh pr view 1", "gh run list",
     "gh api graphql -f query='query { viewer { login } }'", "git pull"],
)
def test_not_gh_write(script: str) -> None:
    assert events(script, EventKind.GH_WRITE) == [], script
    assert events(script, EventKind.GIT_PUSH) == [], script


# ------------------------------------------------------------------------------ commands, wrappers, nesting


def test_commands_everywhere() -> None:
    script = (
        "f() { npm ci; }\n"
        "if make; then (cd x && ./run.sh); fi\n"
        "for i in 1 2; do echo $(date +%s) | cat; done\n"
        "while read -r l; do pytest \"$l\"; done < list\n"
        "x=$(git rev-parse HEAD)\n"
    )
    names = [c.name for c in analyze(script).commands]
    assert names == ["npm", "make", "cd", "run.sh", "echo", "date", "cat", "read", "pytest", "git"]


@pytest.mark.parametrize(
    ("script", "name", "wrappers", "argv"),
    [
        ("sudo -E env FOO=1 npm ci", "npm", ("sudo", "env"), ["npm", "ci"]),
        ("sudo -u runner -H bash x.sh", "bash", ("sudo",), ["bash", "x.sh"]),
        ("time make -j4", "make", ("time",), ["make", "-j4"]),
        ("exec ./run.sh", "run.sh", ("exec",), ["./run.sh"]),
        ("timeout 10m npm test", "npm", ("timeout",), ["npm", "test"]),
        ("nohup nice -n 5 node srv.js", "node", ("nohup", "nice"), ["node", "srv.js"]),
        ("xargs -n1 -I{} npm publish {}", "npm", ("xargs",), ["npm", "publish", "{}"]),
        ("python3 -m pip install -U pip", "pip", ("python",), ["pip", "install", "-U", "pip"]),
        ("python -u -m pytest", "pytest", ("python",), ["pytest"]),
        ("npx --yes semantic-release@22 --dry-run", "semantic-release", ("npx",), ["semantic-release@22", "--dry-run"]),
        ("pnpm dlx create-foo x", "create-foo", ("pnpm dlx",), ["create-foo", "x"]),
        ("bunx prettier .", "prettier", ("bunx",), ["prettier", "."]),
        ("npm exec -- eslint .", "eslint", ("npm exec",), ["eslint", "."]),
        ("uvx ruff check", "ruff", ("uvx",), ["ruff", "check"]),
        ("/usr/local/bin/npm ci", "npm", (), ["/usr/local/bin/npm", "ci"]),
        ("command -v npm", "command", (), ["command", "-v", "npm"]),
        ("sudo", "sudo", (), ["sudo"]),
        ("python script.py", "python", (), ["python", "script.py"]),
    ],
)
def test_wrappers(script: str, name: str, wrappers: tuple[str, ...], argv: list[str]) -> None:
    (cmd,) = analyze(script).commands
    assert cmd.name == name
    assert cmd.wrappers == wrappers
    assert [w.value for w in cmd.argv] == argv


def test_canonical_names() -> None:
    facts = analyze("python3.12 x.py\n./gradlew build\npip3 install x\n/opt/mvnw -B verify")
    assert [c.canonical for c in facts.commands] == ["python", "gradle", "pip", "mvn"]


def test_env_assignments() -> None:
    (cmd,) = analyze("A=1 B='two words' sudo env C=3 make").commands
    assert [(a.name, a.value.value if a.value else None) for a in cmd.assignments] == [
        ("A", "1"), ("B", "two words"), ("C", "3")]


def test_assignment_line_is_not_a_prefix() -> None:
    facts = analyze("npm_config_ignore_scripts=true\nnpm ci")  # plain shell variable, not exported
    (cmd,) = facts.commands
    assert cmd.assignments == ()


def test_words_unquote() -> None:
    cmd = analyze("""echo plain 'single $x' "double \\"q\\" \\$x" mi"x"'ed' $'a\\tb' esc\\ aped $V "$V" "a$(b)c" """).commands[0]
    assert [w.value for w in cmd.argv] == [
        "echo", "plain", "single $x", 'double "q" $x', "mixed", "a\tb", "esc aped", None, None, None]


def test_nested_bash_c_offsets() -> None:
    script = "sudo bash -c 'npm ci && echo \"${{ inputs.x }}\" >> $GITHUB_ENV'"
    facts = analyze(script)
    npm = next(c for c in facts.commands if c.name == "npm")
    assert npm.nested_depth == 1
    assert text(facts, npm.start, npm.end) == "npm ci"
    echo = next(c for c in facts.commands if c.name == "echo")
    assert [w.value for w in echo.argv] == ["echo", "${{ inputs.x }}"]
    assert text(facts, echo.argv[1].start, echo.argv[1].end) == '"${{ inputs.x }}"'
    assert echo.expressions == (0,)
    site = facts.expression_sites[0]
    assert site.quoting is Quoting.SINGLE_QUOTED and site.nested_depth == 1
    assert {e.kind for e in facts.events} == {EventKind.INSTALL, EventKind.ENV_FILE_WRITE}


def test_nested_double_quoted_with_escapes() -> None:
    script = 'sh -c "cd web && npm run \\"build\\""'
    facts = analyze(script)
    npm = next(c for c in facts.commands if c.name == "npm")
    assert [w.value for w in npm.argv] == ["npm", "run", "build"]
    assert text(facts, npm.argv[2].start, npm.argv[2].end) == '\\"build\\"'
    assert events(script, EventKind.EXECUTES_REPO_CODE)


def test_nested_dynamic_body_is_not_parsed() -> None:
    facts = analyze('bash -c "npm $CMD"')
    assert [c.name for c in facts.commands] == ["bash"]


def test_eval_literal_is_parsed() -> None:
    facts = analyze("eval 'twine upload dist/*'")
    assert one("eval 'twine upload dist/*'", EventKind.PUBLISH).registry == "pypi"
    assert facts.commands[1].nested_depth == 1


# ------------------------------------------------------------------------------ expression sites


def test_placeholders_map_back_exactly() -> None:
    script = 'échö "${{ github.event.issue.title }}" && ${{ inputs.cmd }} --x=${{ inputs.v }}\n'
    facts = analyze(script)
    assert [text(facts, s.start, s.end) for s in facts.expression_sites] == [
        "${{ github.event.issue.title }}", "${{ inputs.cmd }}", "${{ inputs.v }}"]
    assert [s.inner for s in facts.expression_sites] == ["github.event.issue.title", "inputs.cmd", "inputs.v"]
    first, second = facts.commands
    assert first.name == "échö"
    assert first.argv[1].value == "${{ github.event.issue.title }}" and first.argv[1].expressions == (0,)
    assert second.name is None  # the command name is an expression
    assert second.argv[0].value == "${{ inputs.cmd }}"
    assert second.argv[1].value == "--x=${{ inputs.v }}" and second.argv[1].expressions == (2,)
    assert not second.argv[1].is_literal
    assert second.expressions == (1, 2)


def test_expression_with_braces_in_string() -> None:
    script = "echo \"${{ format('}}{0}', github.head_ref) }}\""
    facts = analyze(script)
    (site,) = facts.expression_sites
    assert text(facts, site.start, site.end) == "${{ format('}}{0}', github.head_ref) }}"
    assert facts.commands[0].argv[1].value == "${{ format('}}{0}', github.head_ref) }}"


@pytest.mark.parametrize(
    ("script", "quoting", "position"),
    [
        ("echo ${{ x }}", Quoting.UNQUOTED, Position.ECHO_ARGUMENT),
        ('printf "%s" "${{ x }}"', Quoting.DOUBLE_QUOTED, Position.ECHO_ARGUMENT),
        ("echo '${{ x }}'", Quoting.SINGLE_QUOTED, Position.ECHO_ARGUMENT),
        ("git checkout ${{ x }}", Quoting.UNQUOTED, Position.ARGUMENT),
        ('git commit -m "${{ x }}"', Quoting.DOUBLE_QUOTED, Position.ARGUMENT),
        ("${{ x }} --help", Quoting.UNQUOTED, Position.COMMAND_NAME),
        ('T="${{ x }}"', Quoting.DOUBLE_QUOTED, Position.ASSIGNMENT),
        ("T=${{ x }} make", Quoting.UNQUOTED, Position.ASSIGNMENT),
        ("export T=${{ x }}", Quoting.UNQUOTED, Position.ASSIGNMENT),
        ("echo hi > ${{ x }}", Quoting.UNQUOTED, Position.REDIRECT),
        ("cat <<EOF\n${{ x }}\nEOF", Quoting.HEREDOC, Position.HEREDOC_BODY),
        ("cat <<'EOF'\n${{ x }}\nEOF", Quoting.HEREDOC_QUOTED, Position.HEREDOC_BODY),
        ("echo ok # ${{ x }}", Quoting.COMMENT, Position.COMMENT),
        ("echo $'${{ x }}'", Quoting.ANSI_C, Position.ECHO_ARGUMENT),
        ('echo "$(cat ${{ x }})"', Quoting.UNQUOTED, Position.ARGUMENT),
        ('if [ "${{ x }}" = y ]; then :; fi', Quoting.DOUBLE_QUOTED, Position.TEST),
        ("if [[ ${{ x }} == *y* ]]; then :; fi", Quoting.UNQUOTED, Position.TEST),
        ("for v in ${{ x }}; do :; done", Quoting.UNQUOTED, Position.OTHER),
    ],
)
def test_site_context(script: str, quoting: Quoting, position: Position) -> None:
    (site,) = analyze(script).expression_sites
    assert (site.quoting, site.position) == (quoting, position)
    assert site.in_comment is (quoting is Quoting.COMMENT)
    assert site.injectable is not site.in_comment


def test_site_command_index() -> None:
    facts = analyze("npm ci\necho ${{ x }}\n# ${{ y }}")
    assert [s.command for s in facts.expression_sites] == [1, -1]


def test_position_helper() -> None:
    facts = analyze("a\nbb ${{ x }}\n")
    site = facts.expression_sites[0]
    assert facts.position(site.start) == (1, 3)
    assert facts.position(0) == (0, 0)


def test_parse_errors_are_reported_and_commands_kept() -> None:
    facts = analyze("npm ci\nif then fi ((\necho ok")
    assert facts.has_parse_errors and facts.parsed
    assert "npm" in [c.name for c in facts.commands]


# ------------------------------------------------------------------------------ other shells


@pytest.mark.parametrize(
    ("shell", "expected"),
    [(None, "bash"), ("", "bash"), ("bash", "bash"), ("bash -e {0}", "bash"), ("sh", "sh"), ("pwsh", "pwsh"),
     ("powershell", "pwsh"), ("python", "python"), ("python3 {0}", "python"), ("cmd", "cmd"),
     ("/usr/bin/zsh -e {0}", "zsh"), ("perl {0}", "perl")],
)
def test_normalise_shell(shell: str | None, expected: str) -> None:
    assert normalise_shell(shell) == expected


def test_pwsh_fallback() -> None:
    script = (
        "# ${{ inputs.c }}\n"
        "iex (iwr https://get.example.invalid/i.ps1)\n"
        "npm ci --ignore-scripts\n"
        'echo "A=${{ inputs.a }}" >> $env:GITHUB_ENV\n'
        '"$HOME\\bin" | Out-File -FilePath $env:GITHUB_PATH -Append\n'
        "irm https://get.example.invalid/x | iex\n"
    )
    facts = analyze(script, "pwsh")
    assert not facts.parsed and facts.shell == "pwsh"
    assert [s.in_comment for s in facts.expression_sites] == [True, False]
    assert facts.expression_sites[1].quoting is Quoting.UNKNOWN
    assert one(script, EventKind.INSTALL, "pwsh").scripts is False
    remote = events(script, EventKind.REMOTE_EXEC, "pwsh")
    assert [e.target.value if e.target else None for e in remote] == [
        "https://get.example.invalid/i.ps1", "https://get.example.invalid/x"]
    writes = events(script, EventKind.ENV_FILE_WRITE, "pwsh")
    assert [e.file for e in writes] == ["GITHUB_ENV", "GITHUB_PATH"]
    assert writes[0].expressions == (1,)


def test_python_fallback_reports_sites_only() -> None:
    script = 'import os\nprint("${{ github.event.issue.title }}")  # ${{ x }}\nos.system("npm publish")'
    facts = analyze(script, "python")
    assert not facts.parsed
    assert facts.commands == () and facts.events == ()
    assert [s.in_comment for s in facts.expression_sites] == [False, True]


def test_cmd_fallback() -> None:
    facts = analyze("REM ${{ x }}\nnpm ci\necho A=1>> %GITHUB_ENV%", "cmd")
    assert facts.expression_sites[0].in_comment
    assert [e.kind for e in facts.events] == [EventKind.INSTALL, EventKind.ENV_FILE_WRITE]


# ------------------------------------------------------------------------------ hostile input, caching


@pytest.mark.parametrize(
    "script",
    [
        "$(" * 100_000,
        "echo " + "$(echo " * 20_000 + ")" * 20_000,
        "{ " * 50_000,
        '"' * 100_001,
        "cat <<EOF\n" * 20_000,
        "echo a\0b\0 ${{ x }}\0 | sh\0",
        "echo \ud800 \udfff \"${{ x }}\ud83d\" ${{ y }}",
        "${{ '" * 10_000,
        "echo " + "${{a}}" * 30_000,
        "bash -c '" + "bash -c \"" * 40,
        "eval " + "'eval " * 50 + "ls" + "'" * 50,
    ],
)
def test_hostile_input_is_analysed_within_bounds(script: str) -> None:
    facts = analyze(script)
    for item in (*facts.commands, *facts.events, *facts.expression_sites):
        assert 0 <= item.start <= item.end <= len(script)


def test_huge_script_falls_back() -> None:
    script = ('npm ci && echo "${{ github.event.issue.title }}" >> $GITHUB_ENV\n' * 80_000)[:5_000_000]
    facts = analyze(script)
    assert facts.truncated and not facts.parsed
    assert len(facts.expression_sites) == script.count("${{")
    assert facts.events_of(EventKind.INSTALL) and facts.events_of(EventKind.ENV_FILE_WRITE)
    assert all(c.end <= MAX_PARSE_CHARS for c in facts.commands)


def test_nul_and_surrogates_keep_offsets() -> None:
    script = "echo \ud800${{ x }}\0 ok"
    facts = analyze(script)
    (site,) = facts.expression_sites
    assert text(facts, site.start, site.end) == "${{ x }}"
    assert facts.commands[0].argv[1].value == "\ud800${{ x }}"


def test_cached_and_thread_safe() -> None:
    script = "npm ci\ncurl -s https://get.example.invalid | bash\necho ${{ x }} >> $GITHUB_ENV"
    assert analyze(script) is analyze(script, "bash")
    scripts = [f"{script}\n# {i}" for i in range(64)]
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(analyze, scripts))
    assert all(len(r.events) == 3 and r.events == results[0].events for r in results)


_PIECES = [*"ab $(){}[]'\"\\`|&;<>#\n=-./", "${{ x }}", "${{", "}}", "<<EOF\n", "EOF\n", "bash -c ", "curl u | sh",
           ">> $GITHUB_ENV", "\0", "é", "\ud800", "npm ci ", "sudo ", "tee -a "]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=60).map("".join), st.sampled_from([None, "sh", "pwsh", "python", "cmd"]))
def test_never_raises_on_shell_like_text(script: str, shell: str | None) -> None:
    facts = analyze(script, shell)
    for item in (*facts.commands, *facts.events, *facts.expression_sites, *facts.parse_errors):
        assert 0 <= item.start <= item.end <= len(script)
    for site in facts.expression_sites:
        assert script.startswith("${{", site.start) and script.endswith("}}", 0, site.end)


@settings(max_examples=200, deadline=None)
@given(st.text(), st.sampled_from([None, "pwsh"]))
def test_never_raises_on_any_text(script: str, shell: str | None) -> None:
    analyze(script, shell)


# ------------------------------------------------------------------------------ corpus


def _corpus_runs() -> list[tuple[str, str | None]]:
    runs: list[tuple[str, str | None]] = []
    for path in sorted(CORPUS.glob("*/.github/workflows/*")):
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError):
            continue
        if not isinstance(doc, dict) or not isinstance(doc.get("jobs"), dict):
            continue
        default = ((doc.get("defaults") or {}).get("run") or {}).get("shell") if isinstance(doc.get("defaults"), dict) else None
        for job in doc["jobs"].values():
            if not isinstance(job, dict):
                continue
            job_default = default
            if isinstance(job.get("defaults"), dict):
                job_default = ((job["defaults"].get("run") or {}).get("shell")) or default
            for step in job.get("steps") or []:
                if isinstance(step, dict) and isinstance(step.get("run"), str):
                    runs.append((step["run"], step.get("shell") or job_default))
    return runs


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not available")
def test_corpus_run_blocks_are_analysed() -> None:
    """Every run block of the corpus is analysed (timing is measured by bench/, not asserted)."""
    runs = _corpus_runs()
    assert len(runs) > 1000
    facts = [analyze(script, sh) for script, sh in runs]
    kinds = {e.kind for f in facts for e in f.events}
    assert {EventKind.INSTALL, EventKind.PUBLISH, EventKind.ENV_FILE_WRITE, EventKind.REMOTE_EXEC} <= kinds


def test_code_text_leaves_out_comments() -> None:
    """A ``# npm publish`` note in a run script is not a publish (the publish wording reads code only)."""
    root = pathlib.Path(__file__).parents[1] / "rules" / "fixtures" / "oidc-overscoped" / "positive-publish-only-in-comment"
    step = load_directory(root).repo.workflows[0].jobs[0].steps[1]
    assert "npm run build" in code_text(step) and "publish" not in code_text(step)


# ------------------------------------------------------------------------------ rule index


_TABLES = load_tables()
_VERBS = sorted({v for rules in _TABLES.rules.values() for r in rules if r.args and r.args[0] for v in r.args[0]})


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(_TABLES.rules)), st.one_of(st.none(), st.sampled_from(_VERBS), st.text(max_size=8)))
def test_rule_index_keeps_every_rule_a_first_argument_allows(name: str, first: str | None) -> None:
    """``RuleIndex.for_first`` (the rules tried for a command) drops only rules whose first
    ``args`` entry rules the first positional out, and keeps the table's order."""
    allowed = tuple(
        r for r in _TABLES.rules[name]
        if not r.args or (first is not None and (r.args[0] is None or first in r.args[0]))
    )
    tried = _TABLES.rule_index[name].for_first(first)
    assert tuple(r for r in tried if not r.args or first is not None) == allowed
    assert all(r in _TABLES.rules[name] for r in tried)


# ------------------------------------------------------------------------------ artifact downloads


@settings(max_examples=300, deadline=None)
@given(st.from_regex(OTHER_DOWNLOAD.compiled))
def test_every_other_download_holds_one_of_its_words(text: str) -> None:
    """``other_download`` skips the search in a text without any of OTHER_DOWNLOAD_WORDS: every
    text the pattern matches in holds one of them."""
    assert any(word in text for word in OTHER_DOWNLOAD_WORDS)
    assert other_download(text)


@pytest.mark.parametrize("text", ["gh run download 42 -n dist", "await github.rest.actions.downloadArtifact({", "gh run list", ""])
def test_other_download_answers_as_the_pattern(text: str) -> None:
    assert other_download(text) is (OTHER_DOWNLOAD.search(text) is not None)
