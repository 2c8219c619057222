"""``gate-non-registry-dependency``: a dependency fetched from git, a URL or a path instead of a registry.

npm: ``dependencies``/``optionalDependencies``/``peerDependencies`` (bundled
ones excepted); Python: ``Requires-Dist name @ url`` direct references. An
optional dependency pinned to a git commit (the TanStack payload's way in) or
an unauthenticated transport is P0.
"""

from __future__ import annotations

import re
from typing import Any

from shipwarden.core.findings import Confidence, Tier
from shipwarden.deps.model import SourceKind
from shipwarden.deps.sources import classify_npm, classify_python
from shipwarden.packaging.python_meta import PythonMeta
from shipwarden.packaging.review import Review, json_key_position
from shipwarden.packaging.rules.common import INSTALL_ROW, gate_rule

META = gate_rule(
    "gate-non-registry-dependency", INSTALL_ROW, Tier.P1, Confidence.HIGH,
    "Dependency fetched from git, a URL or a path instead of a registry",
)

_COMMITISH = re.compile(r"#[0-9a-f]{7,40}$", re.I)


def check(review: Review) -> None:
    if review.is_npm:
        _npm(review)
    else:
        _python(review)


def _npm(review: Review) -> None:
    m = review.result.manifest
    bundled: set[Any] = set(m.get("bundleDependencies") or m.get("bundledDependencies") or [])
    text = review.manifest_text()
    summary = review.result.summary
    assert summary is not None
    for dep, (section, spec) in summary.dependencies.items():
        if dep in bundled:
            continue
        source = classify_npm(spec)
        if source.is_registry:
            continue
        tier = Tier.P1
        note = ""
        if source.kind is SourceKind.WORKSPACE:
            tier, note = Tier.P2, " (a workspace: protocol left in a published manifest does not install)"
        elif source.kind is SourceKind.FILE:
            note = " (a local path: it resolves on the installing machine, or fails)"
        if section == "optionalDependencies" and source.kind is SourceKind.GIT and _COMMITISH.search(spec):
            tier = Tier.P0
            note = (
                " (an optional dependency pinned to a git commit fails silently and runs its prepare"
                " script; the TanStack payload arrived this way)"
            )
        if spec.lower().startswith(("http://", "git://")):
            tier = Tier.P0
            note += " over an unauthenticated transport"
        line, col, snippet = json_key_position(text, dep, after=section)
        review.add(
            META,
            f"{section}.{dep} = {spec!r} comes from {source.kind.value}, not a registry{note}",
            "package.json",
            line=line,
            column=col,
            snippet=snippet,
            tier=tier,
            key=f"{section}:{dep}:{spec}",
            properties={"section": section, "dependency": dep, "spec": spec, "source": source.kind.value},
        )


def _python(review: Review) -> None:
    meta = review.result.python or PythonMeta()
    meta_path = review.metadata_path()
    for name, url in meta.url_requirements():
        source = classify_python(url)
        review.add(
            META,
            f"Requires-Dist {name} @ {url} is a direct reference ({source.kind.value}), not an index "
            "requirement: installers fetch whatever that URL serves",
            meta_path,
            tier=Tier.P0 if url.lower().startswith("http://") else Tier.P1,
            key=f"{name}@{url}",
            properties={"dependency": name, "url": url, "source": source.kind.value},
        )
