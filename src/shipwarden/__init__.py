"""shipwarden: red-team the release surface of a software project.

The library API is :mod:`shipwarden.api`; its public names are available here
too, imported on first use (``import shipwarden`` stays as cheap as
``shipwarden --version``)::

    import shipwarden

    result = shipwarden.scan(shipwarden.ScanOptions(roots=(Path("."),)))
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: :data:`shipwarden.api.__all__`, exported lazily (a test keeps the lists equal), and the version.
__all__ = [
    "BaselineError",
    "Config",
    "ConfigError",
    "DepsOptions",
    "DepsResult",
    "EndpointOptions",
    "EndpointResult",
    "Finding",
    "GateOptions",
    "GateResult",
    "Options",
    "PathsOptions",
    "PathsResult",
    "Report",
    "Result",
    "ScanError",
    "ScanOptions",
    "ScanResult",
    "Tier",
    "deps",
    "endpoint",
    "gate",
    "paths",
    "scan",
    "__version__",
]
_API = frozenset(__all__) - {"__version__"}

if TYPE_CHECKING:  # pragma: no cover
    from shipwarden.api import (
        BaselineError,
        Config,
        ConfigError,
        DepsOptions,
        DepsResult,
        EndpointOptions,
        EndpointResult,
        Finding,
        GateOptions,
        GateResult,
        Options,
        PathsOptions,
        PathsResult,
        Report,
        Result,
        ScanError,
        ScanOptions,
        ScanResult,
        Tier,
        deps,
        endpoint,
        gate,
        paths,
        scan,
    )


def __getattr__(name: str) -> Any:
    if name in _API:
        from shipwarden import api

        return getattr(api, name)
    raise AttributeError(f"module 'shipwarden' has no attribute {name!r}")
