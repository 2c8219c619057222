"""deps-non-registry-source: a dependency resolves to git, a URL or an archive instead of a registry.

P1 when something completes the path: it runs code at install (npm runs ``prepare`` of git
dependencies; Python builds a checkout), it is an optional git dependency (a failing script
goes unnoticed), or its name sits in a scope that otherwise resolves to the registry — the
TanStack ``@tanstack/setup`` optional git dependency. P2 otherwise.
"""

from __future__ import annotations

from shipwarden.core.catalogue import RuleMeta
from shipwarden.core.findings import Confidence, Finding, Location, Tier
from shipwarden.deps.model import Dependency, Ecosystem, SourceKind
from shipwarden.deps.records import HookRecord
from shipwarden.deps.rules.common import COMMAND, ROW

META = RuleMeta("deps-non-registry-source", ROW, Tier.P2, Confidence.HIGH,
                "dependency resolved from git, a URL or a local archive instead of a registry", command=COMMAND)

ARCHIVE_SUFFIXES = (".tgz", ".tar.gz", ".zip", ".whl", ".tar")



def check(deps: list[Dependency], hooks: list[HookRecord]) -> list[Finding]:
    # by source too: two lockfiles may lock the same name from different places (a folder that builds, a wheel that does not)
    with_code = {(h.hook.ecosystem, h.hook.package, h.hook.source.url) for h in hooks}
    registry_scopes = {
        d.name.split("/", 1)[0] for d in deps if d.source.is_registry and d.name.startswith("@")
    }
    findings: list[Finding] = []
    seen: set[tuple[str, str, str]] = set()
    for dep in deps:
        kind = dep.source.kind
        if kind in (SourceKind.REGISTRY, SourceKind.WORKSPACE):
            continue
        if kind is SourceKind.FILE and not dep.source.url.lower().endswith(ARCHIVE_SUFFIXES) and not dep.install_script:
            continue  # a folder of the project itself
        key = (dep.ecosystem.value, dep.name, dep.source.url)
        if key in seen:
            continue
        seen.add(key)
        reasons = []
        if dep.ecosystem is Ecosystem.PYPI and (dep.builds_from_source or kind is SourceKind.GIT):
            reasons.append("it is built from source at install, so its setup.py or build backend runs")
        elif (dep.ecosystem, dep.name, dep.source.url) in with_code or dep.install_script:
            reasons.append("it runs code at install (npm also runs `prepare` for git dependencies)")
        if dep.optional and kind is SourceKind.GIT:
            reasons.append("it is an optional dependency, so a failing install script goes unnoticed")
        scope = dep.name.split("/", 1)[0] if dep.name.startswith("@") else ""
        if scope and scope in registry_scopes and kind is SourceKind.GIT:
            reasons.append(f"its name sits in the {scope} scope that otherwise resolves to the registry")
        tier = Tier.P1 if reasons else Tier.P2
        why = f": {'; '.join(reasons)}" if reasons else ""
        findings.append(META.finding(
            f"{dep.name} resolves to {kind.value} {dep.source.url} instead of a registry{why}",
            [Location(dep.origin.path, dep.origin.line, label=dep.origin.label or dep.name, snippet=dep.origin.snippet)],
            tier=tier,
            key=f"{dep.ecosystem.value}:{dep.name}:{kind.value}",
            properties={"ecosystem": dep.ecosystem.value, "package": dep.name, "source": kind.value,
                        "url": dep.source.url, "optional": dep.optional, "lockfile": dep.lockfile},
        ))
    return findings

