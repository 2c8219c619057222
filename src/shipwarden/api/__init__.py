"""shipwarden's public library API: one options → result shape for every analysis.

Each analysis takes one frozen options dataclass and returns one result
dataclass. Every result holds the :class:`~shipwarden.core.findings.Report`
(findings, per-file errors, counters), the :class:`~shipwarden.core.config.Config`
that applied, and :meth:`Result.exit_code`; some add what only that analysis
knows (the artifacts ``gate`` reviewed, the install hooks ``deps`` found).

By default the same pipeline as the command line runs over the findings:
configuration ``exclude`` and ``select``/``ignore``, inline
``shipwarden: ignore`` comments, and the baseline (``Options.pipeline=False``
returns every finding the analysis produced).

Workflows of a checkout, attack paths included::

    from pathlib import Path
    from shipwarden import api

    result = api.scan(api.ScanOptions(roots=(Path("examples/vulnerable-release"),)))
    for finding in result.findings:
        print(finding.tier.value, finding.rule_id, finding.primary.path, finding.message)
    raise SystemExit(result.exit_code("P1"))   # 0, 1 (a P0/P1 remains), +4 when incomplete

The attack paths alone, what a release would publish, install-time code, the
machine's credential stores, a release's attestations, install scripts run in the
sandbox, and all of it for one repository::

    paths = api.paths(api.PathsOptions(roots=(Path("."),)))
    gate = api.gate(api.GateOptions(target=Path("dist")))          # gate.artifacts, gate.verdict("P1")
    deps = api.deps(api.DepsOptions(path=Path(".")))               # deps.hooks, deps.inventory()
    home = api.endpoint(api.EndpointOptions(home=Path.home()))     # reads files under home only
    prov = api.provenance(api.ProvenanceOptions(target="demo@1.2.3"))   # prov.summary()
    boom = api.detonate(api.DetonateOptions(targets=("demo-1.2.3.tgz",)))  # in bubblewrap only
    both = api.assess(api.AssessOptions(root=Path("."), record=True))  # both.summary(), both.write(html=…)

Errors: :class:`~shipwarden.core.config.ConfigError` for an invalid configuration,
:class:`~shipwarden.core.baseline.BaselineError` for an unreadable baseline,
:class:`~shipwarden.deps.allowlist.AllowlistError` for an unreadable allowlist,
``shipwarden.sandbox.SandboxUnavailable`` when ``detonate`` cannot set up its sandbox,
:class:`ValueError` for a target ``provenance`` or ``detonate`` cannot read.
Per-file problems never raise: they are ``result.errors`` and the analysis goes on.

Everything not named in ``__all__`` here is private to shipwarden and may change;
``__all__`` is the one list of public names (the ``shipwarden`` package itself
exports only ``__version__``: several of these are also its subpackages' names).
Each analysis lives in a private module of this package and imports its engine
only when called, so importing the API stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shipwarden.api._shapes import Options, Result
from shipwarden.api._workflows import PathsOptions, PathsResult, ScanOptions, ScanResult, paths, scan
from shipwarden.core.baseline import BaselineError
from shipwarden.core.config import Config, ConfigError
from shipwarden.core.exports import lazy_attribute
from shipwarden.core.findings import Finding, Report, ScanError, Tier

if TYPE_CHECKING:
    from shipwarden.api._assess import AssessResult, assess
    from shipwarden.api._assess_options import AssessOptions
    from shipwarden.api._detonate import DetonateOptions, DetonateResult, detonate
    from shipwarden.api._machine import EndpointOptions, EndpointResult, endpoint
    from shipwarden.api._packaging import DepsOptions, DepsResult, GateOptions, GateResult, deps, gate
    from shipwarden.api._provenance import ProvenanceOptions, ProvenanceResult, provenance

#: start-up: the entries of the other analyses are imported when first named
#: (``api.gate``), so a scan does not define their options and results: name -> module
_ELSEWHERE = {
    **dict.fromkeys(("AssessResult", "assess"), "_assess"),
    "AssessOptions": "_assess_options",
    **dict.fromkeys(("DetonateOptions", "DetonateResult", "detonate"), "_detonate"),
    **dict.fromkeys(("EndpointOptions", "EndpointResult", "endpoint"), "_machine"),
    **dict.fromkeys(("DepsOptions", "DepsResult", "GateOptions", "GateResult", "deps", "gate"), "_packaging"),
    **dict.fromkeys(("ProvenanceOptions", "ProvenanceResult", "provenance"), "_provenance"),
}

if not TYPE_CHECKING:  # mypy sees the imports above, so a misspelt name stays an error

    def __getattr__(name: str) -> Any:
        return lazy_attribute(__name__, _ELSEWHERE, globals(), name)

    def __dir__() -> list[str]:
        return sorted({*globals(), *_ELSEWHERE})

__all__ = [
    "AssessOptions",
    "AssessResult",
    "BaselineError",
    "Config",
    "ConfigError",
    "DepsOptions",
    "DepsResult",
    "DetonateOptions",
    "DetonateResult",
    "EndpointOptions",
    "EndpointResult",
    "Finding",
    "GateOptions",
    "GateResult",
    "Options",
    "PathsOptions",
    "PathsResult",
    "ProvenanceOptions",
    "ProvenanceResult",
    "Report",
    "Result",
    "ScanError",
    "ScanOptions",
    "ScanResult",
    "Tier",
    "assess",
    "deps",
    "detonate",
    "endpoint",
    "gate",
    "paths",
    "provenance",
    "scan",
]
