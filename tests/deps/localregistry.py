"""A local npm-style registry on 127.0.0.1 answering from recorded responses, and npm tarballs built in memory.

Shared by the deps tests (``--fetch`` against a real server, never mocked) and
``bench/deps_tree.py`` (which puts this folder on ``sys.path``).
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import io
import tarfile
import threading
import time
from types import TracebackType


def tgz(files: dict[str, str], top: str = "package") -> bytes:
    """An npm tarball: each file under ``package/`` (or an sdist's ``name-version/``)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{top}/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def integrity(data: bytes) -> str:
    """The ``sha512-…`` integrity string npm records for ``data``."""
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


class LocalRegistry:
    """``with LocalRegistry() as reg:`` serves ``reg.files`` (URL path → body) at ``reg.base``.

    Every request path is appended to ``reg.hits``; ``latency`` seconds are added to
    each response (the bench's stand-in for a public registry's round trip).
    """

    def __init__(self, latency: float = 0.0) -> None:
        self.files: dict[str, bytes] = {}
        self.hits: list[str] = []
        self.latency = latency
        registry = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 - http.server API
                registry.hits.append(self.path)
                if registry.latency:
                    time.sleep(registry.latency)
                body = registry.files.get(self.path)
                if body is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}/"

    def __enter__(self) -> LocalRegistry:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._server.shutdown()
        self._server.server_close()
