"""The registry client: specs, packuments and simple-index pages, verified downloads."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from packaging.utils import InvalidSdistFilename, InvalidWheelFilename, parse_sdist_filename, parse_wheel_filename
from packaging.version import InvalidVersion, Version

from shipwarden.core import safeio
from shipwarden.registry.settings import (
    MAX_DOWNLOAD,
    MAX_METADATA,
    METADATA_TTL,
    NPM_ACCEPT,
    PYPI_ACCEPT,
    RegistryError,
    _pick,
    npm_registries,
    pypi_index_url,
)
from shipwarden.registry.transport import Cache, Transport, UrllibTransport, default_cache_dir


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
