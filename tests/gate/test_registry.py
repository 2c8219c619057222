"""shipwarden.registry: configuration comes from the user, responses are cached and verified."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import gatefixtures as gf
import pytest

from shipwarden.registry import (
    RecordedTransport,
    RegistryClient,
    RegistryError,
    RegistrySpec,
    default_cache_dir,
    npm_registry_url,
    parse_spec,
    pypi_index_url,
)


def test_parse_spec() -> None:
    assert parse_spec("npm:@scope/pkg@latest") == RegistrySpec("npm", "@scope/pkg", "latest")
    assert parse_spec("npm:pkg") == RegistrySpec("npm", "pkg", "")
    assert parse_spec("pypi:Some_Pkg==1.2.3") == RegistrySpec("pypi", "Some_Pkg", "1.2.3")
    assert parse_spec("dist/pkg.tgz") is None
    with pytest.raises(RegistryError):
        parse_spec("npm:../etc")


def test_npm_registry_from_environment_and_npmrc(tmp_path: Path) -> None:
    env = {"PATH": "", "HOME": str(tmp_path), "npm_config_registry": gf.REGISTRY}
    assert npm_registry_url(env=env) == gf.REGISTRY
    env = {"PATH": "", "HOME": str(tmp_path)}
    (tmp_path / ".npmrc").write_text(
        "registry = https://mirror.example.invalid/npm\n@corp:registry=https://corp.example.invalid/\n"
    )
    assert npm_registry_url(env=env) == "https://mirror.example.invalid/npm/"
    assert npm_registry_url("@corp", env=env) == "https://corp.example.invalid/"
    assert npm_registry_url("@other", env=env) == "https://mirror.example.invalid/npm/"
    (tmp_path / ".npmrc").unlink()
    with pytest.raises(RegistryError, match="no npm registry configured"):
        npm_registry_url(env=env)


def test_pypi_index_from_environment() -> None:
    assert pypi_index_url(env={"PIP_INDEX_URL": gf.INDEX.rstrip("/")}) == gf.INDEX
    assert pypi_index_url(env={"UV_DEFAULT_INDEX": gf.INDEX}) == gf.INDEX


def test_cache_dir_from_environment(tmp_path: Path) -> None:
    assert default_cache_dir({"SHIPWARDEN_CACHE_DIR": str(tmp_path)}) == tmp_path
    assert default_cache_dir({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "shipwarden"


def test_recorded_transport_never_falls_back_to_network(tmp_path: Path) -> None:
    client = RegistryClient(
        cache_dir=tmp_path, transport=RecordedTransport(tmp_path / "none"), npm_registry=gf.REGISTRY
    )
    with pytest.raises(RegistryError, match="not in the recorded responses"):
        client.npm_packument("anything")


def test_pypi_html_index_and_latest_stable(tmp_path: Path) -> None:
    rec = tmp_path / "rec"
    wheel = gf.wheel(tmp_path / "fixture-1.0.0-py3-none-any.whl", {"fixture/__init__.py": ""})
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    html = (
        '<html><body><a href="../../files/fixture-1.0.0-py3-none-any.whl#sha256='
        + digest
        + '">fixture-1.0.0-py3-none-any.whl</a>'
        '<a href="../../files/fixture-2.0.0rc1-py3-none-any.whl#sha256=00">fixture-2.0.0rc1-py3-none-any.whl</a>'
        '<a href="../../files/fixture-0.1.tar.gz" data-yanked="">fixture-0.1.tar.gz</a></body></html>'
    )
    RecordedTransport.record(rec, gf.INDEX + "fixture/", html.encode())
    RecordedTransport.record(
        rec, "https://pypi.example.invalid/files/fixture-1.0.0-py3-none-any.whl", wheel.read_bytes()
    )
    client = RegistryClient(cache_dir=tmp_path / "c", transport=RecordedTransport(rec), pypi_index=gf.INDEX)
    files = client.pypi_files("Fixture")
    assert [f.version for f in files] == ["1.0.0", "2.0.0rc1", "0.1"] and files[2].yanked
    dist, path = client.pypi_download("fixture")
    assert dist.version == "1.0.0" and path.read_bytes() == wheel.read_bytes()


@pytest.mark.network
@pytest.mark.skipif(
    os.environ.get("SHIPWARDEN_NETWORK_TESTS") != "1", reason="set SHIPWARDEN_NETWORK_TESTS=1 to reach your registry"
)
def test_live_registries(tmp_path: Path) -> None:
    client = RegistryClient(cache_dir=tmp_path)
    info, path = client.npm_download("is-number", "7.0.0")
    assert info.version == "7.0.0" and path.stat().st_size > 1000
    dist, path = client.pypi_download("six", "1.16.0", ("wheel",))
    assert dist.filename.endswith(".whl") and json.dumps(dist.filename)
