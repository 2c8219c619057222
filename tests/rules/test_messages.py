"""What install-in-publish-job and oidc-overscoped say a step does: a package build installs
and runs a build backend (no lifecycle script, so `--ignore-scripts` is no fix); an
installing action installs (it does not "run code from the workspace")."""

from __future__ import annotations

from pathlib import Path

from shipwarden.ci.github.scan import scan_root

FIXTURES = Path(__file__).parent / "fixtures"


def _only(root: Path, rule: str) -> str:
    found = [f for f in scan_root(str(root)).findings if f.rule_id == rule]
    assert len(found) == 1
    return found[0].message


def test_a_python_build_names_the_backend_it_runs() -> None:
    message = _only(FIXTURES / "install-in-publish-job" / "positive-python-build", "install-in-publish-job")
    assert "runs build-time code: `python -m build` installs the build backend" in message
    assert "compromised release of the build backend" in message
    assert "--ignore-scripts" not in message and "lifecycle script" not in message


def test_an_installing_action_says_it_installs(tmp_path: Path) -> None:
    # Reduced from TanStack/query at 0f2895aacdbc (.github/workflows/test-and-publish.yml)
    wf = tmp_path / ".github" / "workflows"
    wf.mkdir(parents=True)
    (wf / "publish.yml").write_text(
        "on:\n  push:\n    branches: [main]\npermissions:\n  contents: read\njobs:\n  publish:\n"
        "    runs-on: ubuntu-latest\n    environment: npm\n    steps:\n"
        "      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2\n"
        "        with:\n          persist-credentials: false\n"
        "      - uses: bahmutov/npm-install@ec9e87262db2a1be2ca3ceb2d506c413a220542c # v1.8.35\n"
        "      - run: npx semantic-release@17\n        env:\n          NODE_AUTH_TOKEN: ${{ secrets.npm_token }}\n"
    )
    message = _only(tmp_path, "install-in-publish-job")
    assert "bahmutov/npm-install installs the dependencies, running their lifecycle scripts" in message


def test_a_checkout_into_a_folder_keeps_its_token_there() -> None:
    message = _only(FIXTURES / "artipacked" / "positive-pat-in-checkout-folder", "artipacked")
    assert "keeps secrets.GH_TOKEN (token) in `docs/.git/config`" in message


def test_a_pip_install_names_build_backends_not_lifecycle_scripts() -> None:
    message = _only(FIXTURES / "install-in-publish-job" / "positive-pip-requirements", "install-in-publish-job")
    assert "`pip install -r requirements.txt` may build sdists of the dependencies it installs, running their" \
        " build backends (`setup.py`, PEP 517 hooks" in message
    assert "the build backend of any dependency built from an sdist can take the credential" in message
    assert "Install with `--only-binary :all:`" in message
    assert "lifecycle" not in message and "--ignore-scripts" not in message and "Shai-Hulud" not in message


def test_an_npm_install_keeps_npms_words() -> None:
    message = _only(FIXTURES / "install-in-publish-job" / "positive-registry-url-variable", "install-in-publish-job")
    assert "runs dependency lifecycle scripts" in message and "Install with `--ignore-scripts`" in message


def test_uv_run_no_sync_is_no_build_risk_beside_the_grant() -> None:
    # pydantic/pydantic@2151025aa512: `uv run --no-sync twine check` is not "builds or tests"
    message = _only(FIXTURES / "oidc-overscoped" / "positive-uv-sync-build-group", "oidc-overscoped")
    assert "also installs Python packages that may run sdist build backends;" in message
    assert "builds or tests" not in message and "lifecycle" not in message


def test_a_bun_install_names_the_scripts_bun_trusts() -> None:
    # robbeverhelst/tsarr@bd8d60aadd00: bun runs only trusted packages' lifecycle scripts
    message = _only(FIXTURES / "install-in-publish-job" / "positive-bun-trusted", "install-in-publish-job")
    assert "`bun install --frozen-lockfile` runs the lifecycle scripts of the dependencies Bun trusts" in message
    assert "a lifecycle script of a dependency Bun trusts" in message and "Install with `--ignore-scripts`" in message
    assert "Shai-Hulud" not in message
