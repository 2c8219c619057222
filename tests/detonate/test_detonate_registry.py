"""``detonate NAME==VERSION``: fetched through the user's pip configuration (an index on 127.0.0.1 serving recorded
responses), cached, then detonated like a local wheel."""

from __future__ import annotations

import hashlib
import http.server
import io
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from detonatetools import needs_sandbox, needs_strace

from shipwarden.detonate import DetonateOptions, Profile, run_detonate
from shipwarden.sandbox import Limits

pytestmark = [needs_sandbox, needs_strace]

#: a .pth whose import line reads a credential store in the interpreter's own process at start-up
PTH = "import os; open(os.path.expanduser('~/.aws/credentials')).read()\n"


def _wheel() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("pth_demo.pth", PTH)
        zf.writestr("pth_demo-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: pth-demo\nVersion: 1.0\n")
        zf.writestr("pth_demo-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        zf.writestr("pth_demo-1.0.dist-info/RECORD", "")
    return buf.getvalue()


class _Index(http.server.BaseHTTPRequestHandler):
    files: dict[str, bytes] = {}
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.hits.append(self.path)
        body = self.files.get(self.path)
        self.send_response(200 if body is not None else 404)
        self.send_header("Content-Type", "text/html" if self.path.endswith("/") else "application/octet-stream")
        self.send_header("Content-Length", str(len(body or b"")))
        self.end_headers()
        self.wfile.write(body or b"")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def index(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[_Index]]:
    wheel = _wheel()
    name = "pth_demo-1.0-py3-none-any.whl"
    page = f'<html><body><a href="../../files/{name}#sha256={hashlib.sha256(wheel).hexdigest()}">{name}</a></body></html>'
    handler = type("Index", (_Index,), {"files": {"/simple/pth-demo/": page.encode(), f"/files/{name}": wheel},
                                        "hits": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("PIP_INDEX_URL", f"http://127.0.0.1:{server.server_address[1]}/simple/")
    try:
        yield handler
    finally:
        server.shutdown()
        server.server_close()


def test_name_equals_version_is_fetched_cached_and_detonated(tmp_path: Path, index: type[_Index]) -> None:
    options = DetonateOptions(["pth-demo==1.0"], [Profile.LAPTOP], Limits(wall_seconds=60, cpu_seconds=60),
                              cache_dir=tmp_path / "cache", linger=1)
    result = run_detonate(options)
    assert not result.report.errors, [e.message for e in result.report.errors]
    read = next(f for f in result.report.findings if f.rule_id == "detonate-credential-read")
    assert read.tier.value == "P1" and "~/.aws/credentials" in read.message
    assert read.locations[0].path == "pypi:pth_demo-1.0-py3-none-any.whl"
    assert "/files/pth_demo-1.0-py3-none-any.whl" in index.hits
    # the second time the file comes from the cache
    index.hits.clear()
    again = run_detonate(options)
    assert {f.rule_id for f in again.report.findings} == {f.rule_id for f in result.report.findings}
    assert "/files/pth_demo-1.0-py3-none-any.whl" not in index.hits


def test_unknown_version_is_an_error_not_a_run(tmp_path: Path, index: type[_Index]) -> None:
    result = run_detonate(DetonateOptions(["pypi:pth-demo==9.9"], [Profile.LAPTOP], cache_dir=tmp_path / "cache"))
    assert not result.observations
    assert "no such version" in result.report.errors[0].message
