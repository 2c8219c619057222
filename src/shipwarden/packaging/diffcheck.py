"""Findings from comparing a release with the previous one (``gate --against``)."""

from __future__ import annotations

from shipwarden.core.findings import Finding, Location, Tier
from shipwarden.deps.sources import classify_npm, classify_python
from shipwarden.packaging import rules
from shipwarden.packaging.knowledge import install_time, script_hits
from shipwarden.packaging.model import Artifact
from shipwarden.packaging.policy import GatePolicy
from shipwarden.packaging.summary import ReleaseDiff

#: A jump must also be this large in absolute terms to count.
MIN_SIZE_DELTA = 256 * 1024
MIN_COUNT_DELTA = 20


def _human(n: float) -> str:
    return f"{n / 1e6:,.1f} MB" if n >= 1e6 else f"{n / 1e3:,.1f} KB"


def diff_findings(diff: ReleaseDiff, artifact: Artifact, policy: GatePolicy) -> list[Finding]:
    prev, cur = diff.previous, diff.current
    against = prev.display
    manifest = Location(artifact.manifest_path)
    out: list[Finding] = []

    def loc(path: str) -> list[Location]:
        return [Location(artifact.location(path))] if path else [manifest]

    if diff.added:
        shown = ", ".join(diff.added[:8]) + (f", … (+{len(diff.added) - 8})" if len(diff.added) > 8 else "")
        added_bytes = sum(cur.files.get(p, 0) for p in diff.added)
        out.append(
            rules.DIFF_NEW_FILES.finding(
                f"{len(diff.added):,} file(s) ({_human(added_bytes)}) are new since {against}: {shown}",
                loc(diff.added[0]),
                key="new-files:" + "|".join(diff.added[:200]),
                properties={"added": diff.added[:500], "added_bytes": added_bytes, "against": against},
            )
        )
    if diff.removed:
        shown = ", ".join(diff.removed[:8]) + (f", … (+{len(diff.removed) - 8})" if len(diff.removed) > 8 else "")
        out.append(
            rules.DIFF_REMOVED_FILES.finding(
                f"{len(diff.removed):,} file(s) of {against} are gone: {shown}",
                [manifest],
                key="removed-files:" + "|".join(diff.removed[:200]),
                properties={"removed": diff.removed[:500], "against": against},
            )
        )
    jumps = []
    size_delta = cur.total_size - prev.total_size
    count_delta = len(cur.files) - len(prev.files)
    if diff.size_ratio >= policy.max_growth and size_delta >= MIN_SIZE_DELTA:
        jumps.append(f"size {_human(prev.total_size)} → {_human(cur.total_size)} (×{diff.size_ratio:.1f})")
    if diff.count_ratio >= policy.max_growth and count_delta >= MIN_COUNT_DELTA:
        jumps.append(f"files {len(prev.files):,} → {len(cur.files):,} (×{diff.count_ratio:.1f})")
    if jumps:
        out.append(
            rules.DIFF_GROWTH.finding(
                f"the release grew since {against}: {'; '.join(jumps)} (threshold ×{policy.max_growth:g})",
                [manifest],
                key="growth",
                properties={
                    "size_ratio": round(diff.size_ratio, 2),
                    "count_ratio": round(diff.count_ratio, 2),
                    "previous_bytes": prev.total_size,
                    "bytes": cur.total_size,
                    "against": against,
                },
            )
        )
    markers = install_time().suspicious_script
    for name, command in diff.new_scripts.items():
        if policy.allows_script(name, command):
            continue
        hits, loader = script_hits(command, markers)
        out.append(
            rules.DIFF_INSTALL_SCRIPT.finding(
                f"new install-time script `{name}: {command[:160]}` (not in {against})"
                + (f"; looks like a downloader or loader ({', '.join(hits)})" if loader else ""),
                [manifest],
                tier=Tier.P0 if loader else None,
                key=f"new-script:{name}:{command}",
                properties={"script": name, "command": command, "against": against},
            )
        )
    for name, (old, new) in diff.changed_scripts.items():
        if policy.allows_script(name, new):
            continue
        out.append(
            rules.DIFF_INSTALL_SCRIPT.finding(
                f"install-time script `{name}` changed since {against}: `{old[:80]}` → `{new[:80]}`",
                [manifest],
                tier=Tier.P0 if script_hits(new, markers)[1] else None,
                key=f"changed-script:{name}:{new}",
                properties={"script": name, "before": old, "after": new, "against": against},
            )
        )
    classify = classify_npm if artifact.kind.ecosystem == "npm" else classify_python
    for name, (section, spec) in diff.new_dependencies.items():
        url = spec.split("@", 1)[1].strip() if artifact.kind.ecosystem == "python" and "@" in spec else spec
        source = classify(url) if (artifact.kind.ecosystem == "npm" or "@" in spec) else None
        registry = source is None or source.is_registry
        out.append(
            rules.DIFF_DEPENDENCY.finding(
                f"new dependency {section}.{name} = {spec!r} since {against}"
                + ("" if registry else f", from {source.kind.value if source else '?'} instead of a registry"),
                [manifest],
                tier=None if registry else Tier.P1,
                key=f"new-dep:{section}:{name}",
                properties={"dependency": name, "section": section, "spec": spec, "against": against},
            )
        )
    for name, (old, new) in diff.changed_sources.items():
        if artifact.kind.ecosystem != "npm":
            continue
        before, after = classify_npm(old), classify_npm(new)
        if before.kind == after.kind:
            continue
        out.append(
            rules.DIFF_DEPENDENCY.finding(
                f"dependency {name} moved from {before.kind.value} ({old!r}) to {after.kind.value} ({new!r}) since "
                f"{against}",
                [manifest],
                tier=Tier.P1,
                key=f"dep-source:{name}:{new}",
                properties={"dependency": name, "before": old, "after": new, "against": against},
            )
        )
    for name, target in diff.new_bins.items():
        out.append(
            rules.DIFF_BIN.finding(
                f"new executable `{name}` → {target} since {against}: it lands on users' PATH",
                [manifest],
                key=f"new-bin:{name}",
                properties={"bin": name, "target": target, "against": against},
            )
        )
    for path in diff.new_pth:
        out.append(
            rules.DIFF_PTH.finding(
                f"new .pth file {path} since {against}: site-packages .pth files are read at every start-up",
                loc(path),
                key=f"new-pth:{path}",
                properties={"path": path, "against": against},
            )
        )
    return out
