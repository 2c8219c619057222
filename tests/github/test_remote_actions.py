"""Remote composite actions (``--fetch-actions``), read from bare git repositories
served as ``file://`` URLs: the TanStack chain, its fixes, the coverage note, failures."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from shipwarden.ci.github.loader import load_directory
from shipwarden.ci.github.remote import ActionSource, Resolver, action_source, resolve_remote_actions
from shipwarden.ci.github.scan import scan_root
from shipwarden.cli import main
from shipwarden.paths.search import find_paths

FIXTURES = Path(__file__).parent / "fixtures" / "remote"
ROUTER = FIXTURES / "router"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.invalid", "GIT_CONFIG_NOSYSTEM": "1", "HOME": "/nonexistent",
}

if shutil.which("git") is None:  # pragma: no cover - git is a base requirement of the suite
    pytest.skip("git is not installed", allow_module_level=True)


def _git(cwd: Path, *args: str) -> str:
    out = subprocess.run(["git", "-C", str(cwd), *args], check=True, capture_output=True, env=GIT_ENV)
    return out.stdout.decode().strip()


def publish(server: Path, slug: str, files: dict[str, str], ref: str = "main") -> str:
    """Commit ``files`` (path → fixture action folder or text) to ``server/slug.git`` at ``ref``; its sha."""
    bare = server / f"{slug}.git"
    if not bare.exists():
        bare.mkdir(parents=True)
        _git(bare, "init", "--quiet", "--bare")
    work = server / "_work" / slug
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    _git(work, "init", "--quiet")
    for rel, content in files.items():
        target = work / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        source = FIXTURES / "actions" / content / "action.yml"
        target.write_text(source.read_text() if source.is_file() else content)
    _git(work, "add", "-A")
    _git(work, "commit", "--quiet", "-m", "action")
    kind = "tags" if ref.startswith("v") else "heads"
    _git(work, "push", "--quiet", "--force", str(bare), f"HEAD:refs/{kind}/{ref}")
    return _git(work, "rev-parse", "HEAD")


@pytest.fixture
def server(tmp_path: Path) -> Path:
    return tmp_path / "srv"


def source(server: Path, tmp_path: Path) -> ActionSource:
    return action_source(server.as_uri(), tmp_path / "cache")


def _paths(root: Path, src: ActionSource | None) -> list[str]:
    res = scan_root(str(root), actions=src)
    return [h.description for f in res.findings if f.rule_id == "attack-path" for h in f.hops]


def test_tanstack_chain_is_a_path_with_the_remote_action_read(server: Path, tmp_path: Path) -> None:
    sha = publish(server, "acme/config", {".github/setup/action.yml": "cache"})
    res = scan_root(str(ROUTER), actions=source(server, tmp_path))
    assert not res.errors
    path = next(f for f in res.findings if f.rule_id == "attack-path")
    # GitHub's read-only cache token for pull_request_target (June 2026) is the one gate left
    assert path.tier.value == "P1" and path.properties["carrier"] == "cache"
    assert "read-only cache token" in path.properties["gate"]
    where = f"acme/config/.github/setup/action.yml@{sha}"
    hops = path.hops
    # the cache step is shown at its caller in the workflow, with its place in the remote file
    save = next(h for h in hops if "saves the poisoned store" in h.description)
    assert save.location.path == ".github/workflows/bundle-size.yml" and f"{where}:13:13" in save.description
    restore = next(h for h in hops if "restores the cache" in h.description)
    assert restore.location.path == ".github/workflows/release.yml"
    # the install that runs the PR's code points into the remote action file
    runs = next(h for h in hops if "the PR's code runs" in h.description)
    assert runs.location.path == where and runs.location.line == 21
    assert hops[-1].location.path == ".github/workflows/release.yml"


def test_every_rule_sees_the_remote_steps(server: Path, tmp_path: Path) -> None:
    publish(server, "acme/config", {".github/setup/action.yml": "cache"})
    res = scan_root(str(ROUTER), actions=source(server, tmp_path))
    by_rule = {f.rule_id: f for f in res.findings}
    oidc = by_rule["oidc-overscoped"]
    assert any("acme/config/.github/setup/action.yml@" in loc.path for loc in oidc.locations)
    assert "restores a cache" in oidc.message


def test_without_the_flag_no_path_and_a_coverage_note(server: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    res = scan_root(str(ROUTER))
    assert not [f for f in res.findings if f.rule_id == "attack-path"]
    notes = {c.path: c for c in res.coverage}
    assert set(notes) == {".github/workflows/bundle-size.yml", ".github/workflows/release.yml"}
    assert notes[".github/workflows/release.yml"].unknown == 1
    assert "`acme/config/.github/setup@main` called by job `release` (privileged)" in notes[".github/workflows/release.yml"].reason
    assert "--fetch-actions" in notes[".github/workflows/release.yml"].resolve
    out = tmp_path / "r.json"
    assert main(["paths", str(ROUTER), "--format", "json", "--fail-on", "none", "--output", str(out)]) == 0
    report = json.loads(out.read_text())
    assert report["findings"] == [] and len(report["coverage"]) == 2
    assert main(["scan", str(ROUTER), "--no-color", "--fail-on", "none", "--output", str(tmp_path / "r.txt")]) == 0
    text = (tmp_path / "r.txt").read_text()
    assert "coverage: remote actions not read" in text and "--fetch-actions" in text


def test_no_coverage_note_for_actions_the_tables_know(tmp_path: Path) -> None:
    wf = tmp_path / ".github" / "workflows"
    wf.mkdir(parents=True)
    (wf / "release.yml").write_text(
        "on: push\npermissions:\n  id-token: write\njobs:\n  r:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: actions/checkout@v4\n      - uses: actions/setup-node@v4\n      - run: npm publish\n"
    )
    assert scan_root(str(tmp_path)).coverage == []


def test_cli_flag_finds_the_path(server: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    publish(server, "acme/config", {".github/setup/action.yml": "cache"})
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("GITHUB_SERVER_URL", raising=False)
    out = tmp_path / "r.json"
    args = ["paths", str(ROUTER), "--fetch-actions", "--action-server", server.as_uri(), "--format", "json"]
    assert main([*args, "--fail-on", "none", "--output", str(out)]) == 0
    report = json.loads(out.read_text())
    assert len(report["findings"]) == 1 and "coverage" not in report
    assert (tmp_path / "xdg" / "shipwarden" / "actions" / "acme" / "config.git").is_dir()


def test_fixed_action_without_cache_gives_no_path(server: Path, tmp_path: Path) -> None:
    publish(server, "acme/config", {".github/setup/action.yml": "nocache"})
    assert _paths(ROUTER, source(server, tmp_path)) == []


def test_fixed_workflow_on_pull_request_gives_no_path(server: Path, tmp_path: Path) -> None:
    """TanStack's fix 3ee179f0/5d92d5ae: the benchmark runs on `pull_request` (the PR's own cache scope)."""
    publish(server, "acme/config", {".github/setup/action.yml": "cache"})
    root = tmp_path / "router"
    shutil.copytree(ROUTER, root)
    bundle = root / ".github" / "workflows" / "bundle-size.yml"
    bundle.write_text(bundle.read_text().replace("pull_request_target:", "pull_request:"))
    assert _paths(root, source(server, tmp_path)) == []


def test_restore_only_release_cache_keyed_differently(server: Path, tmp_path: Path) -> None:
    """No saved key meets the release job's key: no "saves the poisoned store" hop. Code the PR
    runs in the default branch's scope can still write any key with the runner's cache token
    (the existing fallback hop); from a `pull_request` workflow there is no path at all."""
    publish(server, "acme/config", {".github/setup/action.yml": "nocache"})
    publish(server, "acme/release", {"action.yml": "restore-only"})
    root = tmp_path / "router"
    shutil.copytree(ROUTER, root)
    release = root / ".github" / "workflows" / "release.yml"
    release.write_text(release.read_text().replace("acme/config/.github/setup@main", "acme/release@main"))
    hops = _paths(root, source(server, tmp_path))
    assert hops and not any("saves the poisoned store" in h for h in hops)
    assert any("can save any cache key" in h for h in hops)
    bundle = root / ".github" / "workflows" / "bundle-size.yml"
    bundle.write_text(bundle.read_text().replace("pull_request_target:", "pull_request:"))
    assert _paths(root, source(server, tmp_path / "c2")) == []


def test_nested_remote_composites_are_followed(server: Path, tmp_path: Path) -> None:
    publish(server, "acme/config", {".github/setup/action.yml": "nested"})
    publish(server, "acme/inner", {"setup/action.yml": "cache"}, ref="v1")
    repo = load_directory(ROUTER).repo
    assert resolve_remote_actions(repo, source(server, tmp_path)) == []
    assert set(repo.remote_actions) == {"acme/config/.github/setup@main", "acme/inner/setup@v1"}
    assert find_paths(repo)


def test_depth_limit_and_failures_are_notes(server: Path, tmp_path: Path) -> None:
    publish(server, "acme/config", {".github/setup/action.yml": "nested"})
    publish(server, "acme/inner", {"setup/action.yml": "cache"}, ref="v1")
    repo = load_directory(ROUTER).repo
    shallow = ActionSource(server.as_uri(), tmp_path / "cache", max_depth=1)
    errors = resolve_remote_actions(repo, shallow)
    assert [e.kind for e in errors] == ["remote-action"]
    assert "nest deeper than 1" in errors[0].message and errors[0].path.startswith("acme/config/")
    # a missing repository: a per-action note, and the workflows are still scanned
    res = scan_root(str(ROUTER), actions=action_source(server.as_uri() + "/none", tmp_path / "c3"))
    assert res.findings and {e.kind for e in res.errors} == {"remote-action"}
    assert all("not resolved:" in e.message for e in res.errors)
    # a server with a password in its URL: the password is never in a note (port 9 refuses at once)
    res = scan_root(str(ROUTER), actions=action_source("http://user:hunter2@127.0.0.1:9", tmp_path / "c4"))
    assert res.errors and not any("hunter2" in e.message for e in res.errors)


def test_a_sha_pin_is_read_from_the_cache_a_branch_is_fetched_again(server: Path, tmp_path: Path) -> None:
    sha = publish(server, "acme/config", {"action.yml": "cache"})
    src = source(server, tmp_path)
    from shipwarden.ci.github.uses import parse_uses
    from shipwarden.ci.yamlspan import load

    def resolve(text: str) -> str:
        node = load(text)
        assert node is not None
        fetched = Resolver(src).resolve(parse_uses(node))  # type: ignore[arg-type]
        return fetched.note or fetched.sha

    assert resolve(f"acme/config@{sha}") == sha
    assert resolve("acme/config@main") == sha
    shutil.rmtree(server / "acme" / "config.git")
    assert resolve(f"acme/config@{sha}") == sha  # a commit never changes: no network needed
    assert resolve("acme/config@main").startswith("not resolved:")  # a branch may have moved


@pytest.mark.parametrize(
    "uses",
    ["acme/config@--upload-pack=touch", "acme/../x@main", "acme/config/../../etc@main", "-x/config@main", "acme/config@a..b"],
)
def test_hostile_references_are_not_fetched(uses: str, server: Path, tmp_path: Path) -> None:
    from shipwarden.ci.github.uses import parse_uses
    from shipwarden.ci.yamlspan import load

    node = load(uses)
    fetched = Resolver(source(server, tmp_path)).resolve(parse_uses(node))  # type: ignore[arg-type]
    assert fetched.action is None and fetched.note.startswith("not resolved:")
    assert not (tmp_path / "cache").exists()


def test_server_must_be_a_plain_url(tmp_path: Path) -> None:
    from shipwarden.ci.github.remote import SourceError

    for bad in ("ext::sh -c touch% /tmp/x", "/srv/actions", "ssh://host/x y"):
        with pytest.raises(SourceError):
            action_source(bad, tmp_path)
    assert action_source("https://user:secret@git.example.invalid/", tmp_path).server == (
        "https://user:secret@git.example.invalid"
    )


def test_findings_inside_a_remote_action_name_their_callers_and_keep_their_path(server: Path, tmp_path: Path) -> None:
    from shipwarden.ci.github.scan import scan_roots

    sha = publish(server, "acme/config", {".github/setup/action.yml": "cache"})
    other = tmp_path / "other"
    (other / ".github" / "workflows").mkdir(parents=True)
    report = scan_roots([str(ROUTER), str(other)], jobs=1, actions=source(server, tmp_path))
    inside = [f for f in report.findings if f.primary.path == f"acme/config/.github/setup/action.yml@{sha}"]
    assert inside, "the unpinned pnpm/action-setup inside the remote action"
    callers = {(loc.path.rsplit("/", 1)[-1], loc.line) for f in inside for loc in f.locations[1:]}
    assert ("bundle-size.yml", 20) in callers and ("release.yml", 17) in callers
    assert all(loc.path.startswith(str(ROUTER)) for f in inside for loc in f.locations[1:])


def test_server_from_the_configuration_and_the_environment(server: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from shipwarden import api
    from shipwarden.core.config import ConfigError

    publish(server, "acme/config", {".github/setup/action.yml": "cache"})
    root = tmp_path / "router"
    shutil.copytree(ROUTER, root)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("GITHUB_SERVER_URL", raising=False)
    (root / ".shipwarden.toml").write_text(f'[scan]\naction-server = "{server.as_uri()}"\n')
    found = api.paths(api.PathsOptions(roots=(root,), fetch_actions=True)).findings
    assert len(found) == 1
    # the runner's own variable wins over a file of the scanned repository
    monkeypatch.setenv("GITHUB_SERVER_URL", (tmp_path / "elsewhere").as_uri())
    result = api.paths(api.PathsOptions(roots=(root,), fetch_actions=True))
    assert result.findings == [] and result.report.errors
    # without the flag the configuration is not used and nothing is fetched
    assert api.paths(api.PathsOptions(roots=(root,))).report.errors == []
    (root / ".shipwarden.toml").write_text('[scan]\naction-server = "ext::sh -c id"\n')
    monkeypatch.delenv("GITHUB_SERVER_URL")
    with pytest.raises(ConfigError):
        api.paths(api.PathsOptions(roots=(root,), fetch_actions=True))


def test_outsider_text_through_a_remote_composite_input(server: Path, tmp_path: Path) -> None:
    sha = publish(server, "acme/tools", {"fetch/action.yml": "inject"})
    root = tmp_path / "repo"
    (root / ".github" / "workflows").mkdir(parents=True)
    (root / ".github" / "workflows" / "pr.yml").write_text(
        "on: pull_request_target\npermissions:\n  contents: write\njobs:\n  j:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - uses: acme/tools/fetch@main\n        with:\n          ref: ${{ github.head_ref }}\n"
    )
    without = scan_root(str(root))
    assert not [f for f in without.findings if f.rule_id == "template-injection"]
    found = [f for f in scan_root(str(root), actions=source(server, tmp_path)).findings if f.rule_id == "template-injection"]
    assert found and found[0].primary.path == f"acme/tools/fetch/action.yml@{sha}"
    assert "github.head_ref" in found[0].message
