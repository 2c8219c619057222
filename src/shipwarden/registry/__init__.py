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

from shipwarden.registry.client import DistFile, NpmVersion, RegistryClient, RegistrySpec, parse_spec, same_version
from shipwarden.registry.settings import (
    MAX_DOWNLOAD,
    MAX_METADATA,
    METADATA_TTL,
    NPM_ACCEPT,
    PYPI_ACCEPT,
    MiB,
    NotFoundError,
    RegistryError,
    npm_registries,
    npm_registry_url,
    pypi_index_url,
)
from shipwarden.registry.transport import Cache, RecordedTransport, Transport, UrllibTransport, default_cache_dir

__all__ = [
    "Cache",
    "DistFile",
    "MAX_DOWNLOAD",
    "MAX_METADATA",
    "METADATA_TTL",
    "MiB",
    "NPM_ACCEPT",
    "NotFoundError",
    "NpmVersion",
    "PYPI_ACCEPT",
    "RecordedTransport",
    "RegistryClient",
    "RegistryError",
    "RegistrySpec",
    "Transport",
    "UrllibTransport",
    "default_cache_dir",
    "npm_registries",
    "npm_registry_url",
    "parse_spec",
    "pypi_index_url",
    "same_version",
]
