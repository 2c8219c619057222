"""No two findings of one report share a fingerprint: ``gate``, ``endpoint`` and ``provenance``.

``test_same_findings`` checks this for ``scan``, ``paths`` and ``deps`` over the
corpus and the rule fixtures; here the other commands run through
:mod:`shipwarden.api` over their own tests' fixtures (built at run time by
``tests/gate/gatefixtures.py`` and ``tests/endpoint/fakehome.py``; the real
Sigstore bundles of ``../shared/fixtures/provenance``), plus the shapes that
repeat one thing in one file: the same token twice in a file or in two originals
of one source map, in several stores and in the environment; one attestations
document holding two bundles, and the same bundle file named twice.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from shipwarden import api
from shipwarden.core.findings import Finding

TESTS = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(TESTS / "gate"), str(TESTS / "endpoint"), str(TESTS / "provenance")]
import gatefixtures as gf  # noqa: E402
from fakehome import FakeHome, build_fake_home, build_project, fake_environment  # noqa: E402
from provhelpers import FIXTURES, RFC8785_012_SHA256, SIGSTORE_100_SHA512  # noqa: E402

CONFIG = api.Config()  # no configuration file of the checkout applies


def _distinct(name: str, findings: list[Finding]) -> None:
    seen: dict[str, str] = {}
    for f in findings:
        where = f"{f.rule_id} {f.primary.path}:{f.primary.line}"
        assert f.fingerprint not in seen, f"{name}: {where} has the fingerprint of {seen[f.fingerprint]}"
        seen[f.fingerprint] = where


# -- gate --------------------------------------------------------------------------------


def _repeated_secret(root: Path) -> Path:
    """One token twice in a bundle and in two originals of its source map."""
    token = gf.github_token()
    data = json.loads(gf.source_map(2, 3))
    for i in (0, 1):
        data["sourcesContent"][i] += f'\nconst key = "{token}"\n'
    return gf.write(root, {
        "package.json": gf.pkg_json(files=["dist"]),
        "dist/a.js": f'var a="{token}";\nvar b="{token}";\n',
        "dist/a.js.map": json.dumps(data),
    })


def _archives(root: Path) -> Path:
    """A dist folder of archives: a tarball, wheels and an sdist (tests/gate/test_gate_python.py)."""
    root.mkdir()
    gf.npm_tarball(root / "fixture-pkg-1.0.0.tgz", {
        "package.json": gf.pkg_json(files=["dist"]),
        "dist/cli.js": "x",
        "dist/cli.js.map": gf.source_map(),
        ".npmrc": "//registry.example.invalid/:_authToken=x",
        ".env": f"NPM_TOKEN={gf.npm_token()}\nAGAIN={gf.npm_token()}\n",
    })
    gf.malicious_pth_wheel(root)
    gf.wheel(root / "x-1.0-py3-none-any.whl", {"x/_speedup.so": b"\x7fELF" + bytes(64), "x_hook.pth": "import x\n"},
             name="x", version="1.0", requires=["helper @ git+https://example.invalid/helper.git@abc123"])
    gf.sdist_tar(root / "fixture-1.0.0.tar.gz", {
        "setup.py": "import base64\nexec(base64.b64decode('cHJpbnQoMSk='))\n",
        ".env": f"PYPI_TOKEN={gf.pypi_token()}\n",
    })
    return root


def _gate_cases(tmp: Path) -> Iterator[tuple[str, api.GateOptions]]:
    for name, make in gf.NPM_FIXTURES.items():
        yield name, api.GateOptions(target=make(gf.write(tmp / name, {})), packlist="builtin")
    yield "repeated-secret", api.GateOptions(target=_repeated_secret(tmp / "repeat"), packlist="builtin")
    yield "archives", api.GateOptions(target=_archives(tmp / "dist"), packlist="builtin")
    previous = gf.npm_tarball(tmp / "fixture-pkg-0.9.0.tgz", {
        "package.json": gf.pkg_json(version="0.9.0", files=["index.js"], main="index.js"),
        "index.js": "module.exports = 1\n",
    })
    current = gf.NPM_FIXTURES["install-time"](gf.write(tmp / "current", {}))
    yield "against", api.GateOptions(target=current, against=str(previous), packlist="builtin")
    yield "traversal", api.GateOptions(target=gf.traversal_tar(tmp / "evil-1.0.0.tgz"), packlist="builtin")


def test_gate(tmp_path: Path) -> None:
    total = 0
    for name, options in _gate_cases(tmp_path):
        findings = api.gate(options.__class__(**{**vars(options), "config": CONFIG, "pipeline": False})).findings
        _distinct(f"gate {name}", findings)
        total += len(findings)
        if name == "repeated-secret":
            found = [f for f in findings if f.rule_id == "gate-secret"]
            secrets = {f.primary.path: f for f in found if not f.previous_key}
            later = [f for f in found if f.previous_key]
            assert len(secrets) == 2 and len(later) == 2, [f.primary for f in findings]
            # a baseline written when the repeats shared the first one's fingerprint still matches them
            assert all(f.previous_fingerprint == secrets[f.primary.path].fingerprint for f in later)
    assert total >= 25  # the fixtures still give findings to compare


# -- endpoint ------------------------------------------------------------------------------


def test_endpoint(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    h = build_fake_home(home)
    project = build_project(tmp_path / "projects", h)
    result = api.endpoint(api.EndpointOptions(home=home, include=(project,), env=fake_environment(h),
                                              config=CONFIG, pipeline=False))
    _distinct("endpoint fake home", result.findings)
    assert len(result.findings) >= 40

    again = tmp_path / "again"
    again.mkdir()
    h = FakeHome(again)
    token = h.token("npm-token")
    h.write(".npmrc", f"//a.example.invalid/:_authToken={token}\n//b.example.invalid/:_authToken={token}\n")
    h.write(".bash_history", f"export NPM_TOKEN={token}\nexport NPM_TOKEN={token}\nnpm publish\n")
    h.write(".git-credentials", f"https://dev:{token}@a.example.invalid\nhttps://dev:{token}@b.example.invalid\n")
    h.write("app/.env", f"NPM_TOKEN={token}\nOTHER_TOKEN={token}\n")
    env = {"PATH": "/usr/bin:/bin", "NPM_TOKEN": token, "NODE_AUTH_TOKEN": token}
    result = api.endpoint(api.EndpointOptions(home=again, include=(again / "app",), env=env, config=CONFIG,
                                              pipeline=False))
    _distinct("endpoint repeated token", result.findings)
    assert len(result.findings) >= 5


# -- provenance ----------------------------------------------------------------------------


def test_provenance(tmp_path: Path) -> None:
    if not (FIXTURES / "bundleV03-dsse.sigstore").is_file():
        pytest.skip(f"the shared provenance fixtures are absent ({FIXTURES})")
    npm = ("bundleV01-intoto-with-proof.sigstore", "bundleV02-intoto.sigstore", "bundleV03-dsse.sigstore",
           "bundleV03-intoto.sigstore")
    # npm's attestations response: two bundles in one document
    response = tmp_path / "attestations.json"
    response.write_text(json.dumps({"attestations": [
        {"predicateType": "https://github.com/npm/attestation/tree/main/specs/publish/v0.1",
         "bundle": json.loads((FIXTURES / npm[2]).read_text())},
        {"predicateType": "https://slsa.dev/provenance/v1", "bundle": json.loads((FIXTURES / npm[3]).read_text())},
    ]}))
    rfc = FIXTURES / "rfc8785-0.1.2-py3-none-any.whl.publish.attestation"
    wrong = "sha512:" + "0" * 128
    cases = {
        "npm bundles": ("sigstore@1.0.0", tuple(FIXTURES / n for n in npm), f"sha512:{SIGSTORE_100_SHA512}"),
        "npm bundles, wrong digest": ("sigstore@1.0.0", tuple(FIXTURES / n for n in npm), wrong),
        "npm response, wrong digest": ("sigstore@1.0.0", (response,), wrong),
        "pypi": ("pypi-attestations==0.0.19", (FIXTURES / "pypi_attestations-0.0.19.tar.gz.publish.attestation",
                                               FIXTURES / "pypi_attestations-0.0.19.tar.gz.provenance"), None),
        "staging bundle named twice": ("rfc8785==0.1.2", (rfc, rfc), f"sha256:{RFC8785_012_SHA256}"),
        "gitlab": ("gitlab-oidc-project==0.0.3",
                   (FIXTURES / "gitlab_oidc_project-0.0.3.tar.gz.publish.attestation",), "sha256:" + "0" * 64),
    }
    total = 0
    for name, (target, bundles, digest) in cases.items():
        result = api.provenance(api.ProvenanceOptions(target=target, bundles=bundles, digest=digest, offline=True,
                                                      config=CONFIG, pipeline=False))
        _distinct(f"provenance {name}", result.findings)
        total += len(result.findings)
        if name == "staging bundle named twice":
            assert [f.rule_id for f in result.findings] == ["provenance-invalid"]
        if name == "npm response, wrong digest":
            assert [f.rule_id for f in result.findings].count("provenance-invalid") == 2
    assert total >= 6
