"""Look-ups in the user's own npm and Python package registries: explicit, cached, optional.

Nothing here runs unless a command is asked for a registry spec (``gate
--against npm:pkg@latest``, ``deps --fetch``). The registry is never
hard-coded: it is read from the user's configuration —

* npm: ``npm_config_registry``/``NPM_CONFIG_REGISTRY``, then ``npm config get
  registry`` (which reads every ``.npmrc``), then ``registry=`` in the
  project's and the user's ``.npmrc``; scoped packages use ``@scope:registry``;
* Python: ``PIP_INDEX_URL`` (or ``UV_DEFAULT_INDEX``/``UV_INDEX_URL``), then
  ``index-url`` from ``pip config list``, then pip's own default index.

Requests are anonymous (no token is read or sent), responses are size-capped
and cached under :func:`default_cache_dir`; downloads are verified against the
registry's integrity hash. Tests swap the network for a
:class:`RecordedTransport` that replays files from a directory.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Protocol

from packaging.utils import InvalidSdistFilename, InvalidWheelFilename, parse_sdist_filename, parse_wheel_filename
from packaging.version import InvalidVersion, Version

from shipwarden.core import safeio
from shipwarden.reporting import emit

MiB = 1024 * 1024
#: Largest metadata document (packument, index page) accepted.
MAX_METADATA = 64 * MiB
#: Largest package file downloaded.
MAX_DOWNLOAD = 512 * MiB
#: How long a metadata response (dist-tags, file lists) is reused from the cache.
METADATA_TTL = 600.0

NPM_ACCEPT = "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8"
PYPI_ACCEPT = "application/vnd.pypi.simple.v1+json, text/html; q=0.1"


class RegistryError(Exception):
    """A registry is not configured, unreachable, or answered something unusable."""


class NotFoundError(RegistryError):
    """The registry answered 404: no such package (or version file)."""


# ---------------------------------------------------------------------------
# configuration


def _run(cmd: list[str], cwd: Path | None, env: Mapping[str, str]) -> str:
    try:
        proc = subprocess.run(
            cmd, cwd=cwd, env=dict(env), capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return proc.stdout if proc.returncode == 0 else ""


def npm_registries(*, cwd: Path | None = None, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """Every npm registry the user's configuration names, read once: ``""`` → the default registry,
    ``"@scope"`` → that scope's. One ``npm config list --json`` (which reads every ``.npmrc`` and the
    environment) when npm is installed, else the environment and the user's and project's ``.npmrc``.
    npm refuses to run inside a project whose ``devEngines.packageManager`` names another manager
    (EBADDEVENGINES); then it is asked outside the project and the project's ``.npmrc`` is read here."""
    env = os.environ if env is None else env
    found: dict[str, str] = {}
    home = env.get("HOME") or str(Path.home())
    found.update(_npmrc_registries(Path(home) / ".npmrc"))
    npm = shutil.which("npm", path=env.get("PATH"))
    in_project = False
    if npm:
        listed = _npm_config_list(npm, cwd, env)
        in_project = listed is not None and cwd is not None
        if listed is None:
            listed = _npm_config_list(npm, Path(home) if Path(home).is_dir() else Path("/"), env)
        found.update(listed or {})
    if cwd is not None and not in_project:
        found.update(_npmrc_registries(Path(cwd) / ".npmrc"))
    for name, value in env.items():
        low = name.lower()
        if low == "npm_config_registry" and value:
            found[""] = value
        elif low.startswith("npm_config_@") and low.endswith(":registry") and value:
            found[name[len("npm_config_") : -len(":registry")]] = value
    return {scope: url.rstrip("/") + "/" for scope, url in found.items() if url and url != "undefined"}


def _npm_config_list(npm: str, cwd: Path | None, env: Mapping[str, str]) -> dict[str, str] | None:
    """Registries from ``npm config list --json`` run in ``cwd`` (None when npm fails there)."""
    try:
        listed = json.loads(_run([npm, "config", "list", "--json"], cwd, env) or "null")
    except ValueError:
        return None
    if not isinstance(listed, dict) or "error" in listed:
        return None
    out: dict[str, str] = {}
    for key, value in listed.items():
        if isinstance(value, str) and value and (key == "registry" or re.fullmatch(r"@[^:/\s]+:registry", key)):
            out["" if key == "registry" else key.split(":", 1)[0]] = value
    return out


def _npmrc_registries(path: Path) -> dict[str, str]:
    try:
        text = safeio.read_text(path, limit=1024 * 1024)  # a project's .npmrc may be a FIFO
    except OSError:
        return {}
    return {m.group(1) or "": m.group(2).strip("\"'") for m in _NPMRC_REGISTRY.finditer(text)}


_NPMRC_REGISTRY = re.compile(r"^\s*(@[^:\s]+)?:?registry\s*=\s*(\S+)\s*$", re.M)


def npm_registry_url(scope: str = "", *, cwd: Path | None = None, env: Mapping[str, str] | None = None) -> str:
    """The npm registry the user's configuration uses (for ``@scope`` when given)."""
    return _pick(npm_registries(cwd=cwd, env=env), scope)


def _pick(registries: Mapping[str, str], scope: str) -> str:
    if scope and scope in registries:
        return registries[scope]
    if "" in registries:
        return registries[""]
    raise RegistryError("no npm registry configured: set NPM_CONFIG_REGISTRY or install npm")


_PIP_LINE = re.compile(r"^(?:global|install|download)\.index-url\s*=\s*'?([^'\s]+)'?\s*$", re.M)


def pypi_index_url(*, env: Mapping[str, str] | None = None, python: str | None = None) -> str:
    """The Python simple index the user's pip (or uv) configuration uses."""
    env = os.environ if env is None else env
    for name in ("PIP_INDEX_URL", "UV_DEFAULT_INDEX", "UV_INDEX_URL"):
        if env.get(name):
            return env[name].rstrip("/") + "/"
    exe = python or sys.executable
    out = _run([exe, "-m", "pip", "config", "list"], None, env)
    m = _PIP_LINE.search(out)
    if m:
        return m.group(1).rstrip("/") + "/"
    default = _run(
        [exe, "-c", "from pip._internal.models.index import PyPI; print(PyPI.simple_url)"], None, env
    ).strip()
    if default:
        return default.rstrip("/") + "/"
    raise RegistryError("no Python package index configured: set PIP_INDEX_URL")


# ---------------------------------------------------------------------------
# transport and cache


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


@dataclass(frozen=True, slots=True)
class RegistrySpec:
    """``npm:@scope/pkg@latest`` or ``pypi:pkg==1.2.3`` (selector "" means latest)."""

    ecosystem: str  # "npm" | "pypi"
    name: str
    selector: str = ""

    def __str__(self) -> str:
        if self.ecosystem == "npm":
            return f"npm:{self.name}@{self.selector or 'latest'}"
        return f"pypi:{self.name}" + (f"=={self.selector}" if self.selector else "")


def parse_spec(text: str) -> RegistrySpec | None:
    """Parse a registry spec; None when ``text`` is not one (e.g. a file path)."""
    if text.startswith("npm:"):
        body = text[4:]
        at = body.find("@", 1)
        name, selector = (body, "") if at < 0 else (body[:at], body[at + 1 :])
        if not re.fullmatch(r"(@[a-z0-9][\w.-]*/)?[a-z0-9][\w.-]*", name, re.I):
            raise RegistryError(f"not an npm package name: {name!r}")
        return RegistrySpec("npm", name, selector)
    if text.startswith("pypi:"):
        body = text[5:]
        name, _, version = body.partition("==")
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name):
            raise RegistryError(f"not a Python project name: {name!r} (use pypi:name==version)")
        return RegistrySpec("pypi", name, version.strip())
    return None


# ---------------------------------------------------------------------------
# client


@dataclass(frozen=True, slots=True)
class NpmVersion:
    name: str
    version: str
    tarball: str
    integrity: str
    shasum: str
    manifest: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True, slots=True)
class DistFile:
    filename: str
    url: str
    sha256: str
    version: str
    kind: str  # "wheel" | "sdist"
    yanked: bool = False


class _LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str, bool]] = []
        self._href: str | None = None
        self._yanked = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            d = dict(attrs)
            self._href = d.get("href")
            self._yanked = "data-yanked" in d

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self.links.append((data.strip(), self._href, self._yanked))
            self._href = None


def _normalize_pypi(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


class RegistryClient:
    """npm and Python index look-ups through the user's configured registries."""

    def __init__(
        self,
        *,
        cache_dir: Path | None = None,
        transport: Transport | None = None,
        npm_registry: str | None = None,
        pypi_index: str | None = None,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.cache = Cache(cache_dir or default_cache_dir(env))
        self.transport = transport or UrllibTransport()
        self._npm = npm_registry.rstrip("/") + "/" if npm_registry else None
        self._pypi = pypi_index.rstrip("/") + "/" if pypi_index else None
        self._cwd = cwd
        self._env = env
        #: Registries by npm scope ("" for the default), read from the configuration once per client.
        self._scopes: dict[str, str] | None = None
        self._lock = threading.Lock()
        self._preparing: threading.Thread | None = None

    # -- registries ---------------------------------------------------------

    def prepare(self) -> None:
        """Start reading the npm configuration in the background (one ``npm config list``, about a second),
        so that it overlaps with the caller's own work; :meth:`npm_registry` waits for it."""
        if self._npm or self._scopes is not None or self._preparing is not None:
            return
        self._preparing = threading.Thread(target=self._load_scopes, name="npm-config", daemon=True)
        self._preparing.start()

    def _load_scopes(self) -> None:
        with self._lock:
            if self._scopes is None:
                self._scopes = npm_registries(cwd=self._cwd, env=self._env)

    def npm_registry(self, name: str = "") -> str:
        """The registry of ``name``'s scope, read from the configuration once per client."""
        if self._npm:
            return self._npm
        scope = name.split("/", 1)[0] if name.startswith("@") else ""
        with self._lock:
            if self._scopes is None:
                self._scopes = npm_registries(cwd=self._cwd, env=self._env)
            return _pick(self._scopes, scope)

    def pypi_index(self) -> str:
        with self._lock:
            if self._pypi is None:
                self._pypi = pypi_index_url(env=self._env)
            return self._pypi

    def _metadata(self, url: str, accept: str) -> bytes:
        cached = self.cache.get(url, METADATA_TTL)
        if cached is not None:
            return cached
        data = self.transport.get(url, {"Accept": accept}, MAX_METADATA)
        self.cache.put(url, data)
        return data

    # -- npm -----------------------------------------------------------------

    def npm_packument(self, name: str) -> dict[str, Any]:
        url = self.npm_registry(name) + name.replace("/", "%2f")
        try:
            data = safeio.load_json(self._metadata(url, NPM_ACCEPT), "packument")
        except ValueError:
            raise RegistryError(f"{url}: not JSON") from None
        if not isinstance(data, dict) or not isinstance(data.get("versions"), dict):
            raise RegistryError(f"{url}: not an npm packument")
        return data

    def npm_resolve(self, name: str, selector: str = "") -> NpmVersion:
        doc = self.npm_packument(name)
        tags = doc.get("dist-tags") or {}
        wanted = selector or "latest"
        version = tags.get(wanted) if isinstance(tags, dict) and wanted in tags else wanted
        entry = doc["versions"].get(version)
        if not isinstance(entry, dict):
            raise RegistryError(f"npm:{name}: no version or dist-tag {wanted!r} (use an exact version or a tag)")
        dist = entry.get("dist") or {}
        tarball = dist.get("tarball")
        if not isinstance(tarball, str):
            raise RegistryError(f"npm:{name}@{version}: no tarball URL")
        return NpmVersion(
            name, str(version), tarball, str(dist.get("integrity") or ""), str(dist.get("shasum") or ""), entry
        )

    def npm_version(self, name: str, version: str) -> NpmVersion:
        """One exact version's manifest. Published versions never change, so it is cached without expiry
        (a warm run reads no packument at all)."""
        key = f"{self.npm_registry(name)}{name}@{version}"
        cached = self.cache.get(key, None, ".version")
        if cached is not None:
            try:
                doc = json.loads(cached)
                return NpmVersion(doc["name"], doc["version"], doc["tarball"], doc["integrity"], doc["shasum"],
                                  doc["manifest"])
            except (ValueError, KeyError, TypeError):
                pass
        info = self._npm_version_document(name, version) or self.npm_resolve(name, version)
        if info.version == version:
            keep = {k: info.manifest[k] for k in _VERSION_KEYS if k in info.manifest}
            doc = {"name": info.name, "version": info.version, "tarball": info.tarball, "integrity": info.integrity,
                   "shasum": info.shasum, "manifest": keep}
            self.cache.put(key, json.dumps(doc, sort_keys=True).encode(), ".version")
        return info

    def _npm_version_document(self, name: str, version: str) -> NpmVersion | None:
        """``GET {registry}{name}/{version}``: one version's manifest (a few KB, where the packument of a
        popular package is megabytes). None when the registry does not serve it; the packument is used then."""
        url = f"{self.npm_registry(name)}{name.replace('/', '%2f')}/{urllib.parse.quote(version, safe='')}"
        try:
            doc = json.loads(self.transport.get(url, {"Accept": "application/json"}, MAX_METADATA))
        except (RegistryError, ValueError):
            return None
        if not isinstance(doc, dict) or doc.get("version") != version or doc.get("name", name) != name:
            return None
        dist = doc.get("dist")
        if not isinstance(dist, dict) or not isinstance(dist.get("tarball"), str):
            return None
        return NpmVersion(name, version, dist["tarball"], str(dist.get("integrity") or ""), str(dist.get("shasum") or ""),
                          doc)

    def npm_download(self, name: str, selector: str = "") -> tuple[NpmVersion, Path]:
        info = self.npm_resolve(name, selector)
        return info, self.npm_tarball(info)

    def npm_tarball(self, info: NpmVersion) -> Path:
        """The version's tarball in the cache (downloaded when absent), checked against the registry's hash."""
        return self._download(info.tarball, ".tgz", lambda data: _check_npm_integrity(info, data))

    # -- Python ----------------------------------------------------------------

    def pypi_files(self, name: str) -> list[DistFile]:
        project = _normalize_pypi(name)
        url = self.pypi_index() + project + "/"
        raw = self._metadata(url, PYPI_ACCEPT)
        files: list[tuple[str, str, str, bool]] = []
        try:
            doc = safeio.load_json(raw, "simple index")
        except ValueError:
            doc = None
        if isinstance(doc, dict) and isinstance(doc.get("files"), list):
            for f in doc["files"]:
                if isinstance(f, dict) and isinstance(f.get("filename"), str) and isinstance(f.get("url"), str):
                    sha = (f.get("hashes") or {}).get("sha256", "")
                    files.append((f["filename"], urllib.parse.urljoin(url, f["url"]), sha, bool(f.get("yanked"))))
        else:
            parser = _LinkParser()
            parser.feed(raw.decode("utf-8", "replace"))
            for text, href, yanked in parser.links:
                full = urllib.parse.urljoin(url, href)
                base, _, frag = full.partition("#")
                sha = frag[len("sha256=") :] if frag.startswith("sha256=") else ""
                files.append((text or base.rsplit("/", 1)[-1], base, sha, yanked))
        out: list[DistFile] = []
        for filename, file_url, sha, yanked in files:
            kind, version = _dist_version(filename)
            if kind:
                out.append(DistFile(filename, file_url, sha, version, kind, yanked))
        return out

    def pypi_download(
        self, name: str, version: str = "", prefer: tuple[str, ...] = ("wheel", "sdist")
    ) -> tuple[DistFile, Path]:
        files = [f for f in self.pypi_files(name) if not f.yanked]
        if not files:
            raise RegistryError(f"pypi:{name}: no files on the index")
        if not version:
            versions = sorted({f.version for f in files}, key=_version_key)
            stable = [v for v in versions if not _is_pre(v)]
            version = (stable or versions)[-1]
        chosen = [f for f in files if same_version(f.version, version)]
        if not chosen:
            raise RegistryError(f"pypi:{name}=={version}: no such version on the index")
        rank = {kind: i for i, kind in enumerate(prefer)}
        chosen.sort(key=lambda f: (rank.get(f.kind, 99), "none-any" not in f.filename, f.filename))
        best = chosen[0]
        suffix = ".whl" if best.kind == "wheel" else (".zip" if best.filename.endswith(".zip") else ".tar.gz")
        path = self._download(best.url, suffix, lambda data: _check_sha256(best, data))
        return best, path

    # -- both ------------------------------------------------------------------

    def fetch(self, spec: RegistrySpec, prefer: tuple[str, ...] = ("wheel", "sdist")) -> tuple[str, Path]:
        """Download the package a spec names; returns (``name@version`` label, cached file)."""
        if spec.ecosystem == "npm":
            info, path = self.npm_download(spec.name, spec.selector)
            return f"{info.name}@{info.version}", path
        dist, path = self.pypi_download(spec.name, spec.selector, prefer)
        return dist.filename, path

    def _download(self, url: str, suffix: str, verify: Any) -> Path:
        path = self.cache.file_path(url, suffix)
        if path.is_file():
            data = path.read_bytes()
            if verify(data):
                return path
        data = self.transport.get(url, {}, MAX_DOWNLOAD)
        if not verify(data):
            raise RegistryError(f"{url}: downloaded file does not match the registry's integrity hash")
        return self.cache.put(url, data, suffix)


#: What a cached version manifest keeps: enough to tell whether and what it runs at install.
_VERSION_KEYS = ("name", "version", "scripts", "hasInstallScript", "gypfile", "os", "cpu", "deprecated")


def _check_npm_integrity(info: NpmVersion, data: bytes) -> bool:
    if info.integrity:
        for part in info.integrity.split():
            algo, _, digest = part.partition("-")
            if algo in ("sha512", "sha384", "sha256", "sha1"):
                actual = base64.b64encode(hashlib.new(algo, data).digest()).decode()
                if actual == digest:
                    return True
        return False
    if info.shasum:
        return hashlib.sha1(data).hexdigest() == info.shasum  # noqa: S324 - registry's own checksum
    return False


def _check_sha256(dist: DistFile, data: bytes) -> bool:
    return bool(dist.sha256) and hashlib.sha256(data).hexdigest() == dist.sha256.lower()


def _dist_version(filename: str) -> tuple[str, str]:
    try:
        if filename.endswith(".whl"):
            return "wheel", str(parse_wheel_filename(filename)[1])
        if filename.endswith((".tar.gz", ".zip")):
            return "sdist", str(parse_sdist_filename(filename)[1])
    except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion):
        pass
    return "", ""


def _version_key(text: str) -> tuple[int, Any]:
    try:
        return (1, Version(text))
    except InvalidVersion:
        return (0, text)


def _is_pre(text: str) -> bool:
    try:
        return Version(text).is_prerelease
    except InvalidVersion:
        return True


def same_version(a: str, b: str) -> bool:
    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return a == b
