"""How registry responses are fetched (urllib, or recorded files in tests) and cached on disk."""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from shipwarden.registry.settings import NotFoundError, RegistryError
from shipwarden.reporting import emit


class Transport(Protocol):
    def get(self, url: str, headers: Mapping[str, str], max_bytes: int) -> bytes: ...


class UrllibTransport:
    """Anonymous HTTP(S) GET with a timeout and a size cap.

    Each thread keeps one persistent connection per host (a TLS handshake per
    request made parallel look-ups no faster than sequential ones); with a proxy
    configured in the environment, requests go through urllib, which honours it.
    """

    def __init__(self, timeout: float = 30.0) -> None:
        self.timeout = timeout
        self._local = threading.local()
        self._ssl: ssl.SSLContext | None = None
        self._ssl_lock = threading.Lock()
        self._proxies = urllib.request.getproxies()

    def get(self, url: str, headers: Mapping[str, str], max_bytes: int) -> bytes:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("https", "http"):
            raise RegistryError(f"refusing a non-HTTP URL: {url}")
        if self._proxies and not urllib.request.proxy_bypass(parts.hostname or ""):
            return self._urllib(url, headers, max_bytes)
        for _ in range(5):  # redirects
            status, location, data = self._pooled(parts, headers, max_bytes)
            if status in (301, 302, 303, 307, 308) and location:
                url = urllib.parse.urljoin(url, location)
                parts = urllib.parse.urlsplit(url)
                if parts.scheme not in ("https", "http"):
                    raise RegistryError(f"refusing a redirect to a non-HTTP URL: {url}")
                continue
            if status == 404:
                raise NotFoundError(f"{url}: not found (HTTP 404)")
            if status != 200:
                raise RegistryError(f"{url}: HTTP {status}")
            return data
        raise RegistryError(f"{url}: too many redirects")

    def _context(self) -> ssl.SSLContext:
        with self._ssl_lock:
            if self._ssl is None:
                self._ssl = ssl.create_default_context()
            return self._ssl

    def _pooled(self, parts: urllib.parse.SplitResult, headers: Mapping[str, str], max_bytes: int) -> tuple[int, str, bytes]:
        key = (parts.scheme, parts.hostname or "", parts.port)
        conns: dict[tuple[str, str, int | None], http.client.HTTPConnection] = self._local.__dict__.setdefault("conns", {})
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        send = {"User-Agent": "shipwarden", "Accept-Encoding": "identity", **headers}
        for attempt in range(2):  # a kept-alive connection the server closed meanwhile is retried once
            conn = conns.get(key)
            if conn is None:
                if parts.scheme == "https":
                    conn = http.client.HTTPSConnection(key[1], key[2], timeout=self.timeout, context=self._context())
                else:
                    conn = http.client.HTTPConnection(key[1], key[2], timeout=self.timeout)
                conns[key] = conn
            try:
                conn.request("GET", target, headers=send)
                response = conn.getresponse()
                length = response.getheader("Content-Length")
                if length and length.isdigit() and int(length) > max_bytes:
                    conn.close()
                    conns.pop(key, None)
                    raise RegistryError(f"{parts.geturl()}: response larger than {max_bytes:,} bytes")
                data = response.read(max_bytes + 1)
                if len(data) > max_bytes:
                    conn.close()
                    conns.pop(key, None)
                    raise RegistryError(f"{parts.geturl()}: response larger than {max_bytes:,} bytes")
                if response.will_close:
                    conn.close()
                    conns.pop(key, None)
                return response.status, response.getheader("Location") or "", data
            except (http.client.HTTPException, OSError) as exc:
                conn.close()
                conns.pop(key, None)
                if attempt:
                    raise RegistryError(f"{parts.geturl()}: {exc}") from None
        raise RegistryError(f"{parts.geturl()}: no response")  # pragma: no cover - loop returns or raises

    def _urllib(self, url: str, headers: Mapping[str, str], max_bytes: int) -> bytes:
        request = urllib.request.Request(url, headers={"User-Agent": "shipwarden", **headers})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - scheme checked
                data: bytes = response.read(max_bytes + 1)
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                raise NotFoundError(f"{url}: not found (HTTP 404)") from None
            raise RegistryError(f"{url}: HTTP {exc.code}") from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise RegistryError(f"{url}: {exc}") from None
        if len(data) > max_bytes:
            raise RegistryError(f"{url}: response larger than {max_bytes:,} bytes")
        return data


class RecordedTransport:
    """Replays responses from ``directory/index.json`` (``{url: file}``); never touches the network."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        try:
            self.index: dict[str, str] = json.loads((self.directory / "index.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.index = {}
        self.requests: list[str] = []

    def get(self, url: str, headers: Mapping[str, str], max_bytes: int) -> bytes:
        self.requests.append(url)
        name = self.index.get(url)
        if name is None:
            raise RegistryError(f"{url}: not in the recorded responses")
        data = (self.directory / name).read_bytes()
        if len(data) > max_bytes:
            raise RegistryError(f"{url}: response larger than {max_bytes:,} bytes")
        return data

    @staticmethod
    def record(directory: Path, url: str, data: bytes) -> None:
        """Add one response (used by tests to build recordings)."""
        directory.mkdir(parents=True, exist_ok=True)
        index_path = directory / "index.json"
        index = json.loads(index_path.read_text(encoding="utf-8")) if index_path.exists() else {}
        name = hashlib.sha256(url.encode()).hexdigest()[:16]
        emit.write_bytes_file(directory / name, data)
        index[url] = name
        # a test recording: its URLs are the keys it is looked up by, so they are stored whole
        emit.write_bytes_file(index_path, json.dumps(index, indent=2, sort_keys=True).encode("utf-8"))


def default_cache_dir(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    if env.get("SHIPWARDEN_CACHE_DIR"):
        return Path(env["SHIPWARDEN_CACHE_DIR"])
    base = env.get("XDG_CACHE_HOME") or str(Path(env.get("HOME") or Path.home()) / ".cache")
    return Path(base) / "shipwarden"


class Cache:
    """Registry responses on disk, one file per URL (metadata expires, files do not)."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory) / "registry"

    def _path(self, url: str, suffix: str) -> Path:
        return self.directory / (hashlib.sha256(url.encode()).hexdigest() + suffix)

    def get(self, url: str, ttl: float | None, suffix: str = ".meta") -> bytes | None:
        path = self._path(url, suffix)
        try:
            if ttl is not None and time.time() - path.stat().st_mtime > ttl:
                return None
            return path.read_bytes()
        except OSError:
            return None

    def put(self, url: str, data: bytes, suffix: str = ".meta") -> Path:
        path = self._path(url, suffix)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + f".{os.getpid()}.{threading.get_ident()}.tmp")
        emit.write_bytes_file(tmp, data)
        tmp.replace(path)
        return path

    def file_path(self, url: str, suffix: str) -> Path:
        return self._path(url, suffix)


# ---------------------------------------------------------------------------
# specs


