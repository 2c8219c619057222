"""``gate --sbom FILE``: the CycloneDX SBOM of the artifact(s) gate reviewed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shipwarden.reporting import emit
from shipwarden.sbom import ArtifactFacts, artifacts_sbom


def _archive(label: str, target: Path) -> Path | None:
    """The archive file an artifact was read from (its label is relative to the
    gate target when that is a folder), or None for a source directory."""
    for cand in (target if target.is_file() and target.name == Path(label).name else None, target / label, Path(label)):
        if cand is not None and cand.is_file():
            return cand
    return None


def _facts(res: Any, target: Path) -> ArtifactFacts:
    art = res.artifact
    npm = art.kind.ecosystem == "npm"
    manifest = res.manifest or art.manifest or {}
    if npm:
        name, version = str(manifest.get("name") or ""), str(manifest.get("version") or "")
        deps_table = manifest.get("dependencies")
        deps = tuple(
            (str(k), str(v)) for k, v in (deps_table.items() if isinstance(deps_table, dict) else ())
        )
    else:
        meta = res.python
        name, version = (meta.name, meta.version) if meta is not None else ("", "")
        deps = tuple(meta.dependencies().items()) if meta is not None else ()
    digests: dict[str, str] = {}
    label = Path(art.label)
    archive = _archive(art.label, target)
    if archive is not None:
        from shipwarden.provenance.verify import file_digests

        digests = file_digests(str(archive))
    findings = res.findings
    props = {
        "artifact-kind": art.kind.value,
        "file-list-origin": art.origin,
        "files": str(len(res.files)),
        "size": str(res.total_size),
        "gate-findings-p0": str(sum(1 for f in findings if f.tier.value == "P0")),
        "gate-findings-p1": str(sum(1 for f in findings if f.tier.value == "P1")),
        "install-time-code": "true" if any(f.rule_id in ("gate-install-script", "gate-setup-py", "gate-pth-exec") for f in findings) else "false",
    }
    return ArtifactFacts("npm" if npm else "pypi", name or label.name, version, digests, deps, props)


def write_gate_sbom(result: Any, destination: Path) -> bool:
    reviewed = Path(result.report.roots[0]) if result.report.roots else Path(".")
    text = artifacts_sbom([_facts(r, reviewed) for r in result.results])
    try:
        emit.write_file(destination, text, "cyclonedx")
    except OSError as exc:
        emit.note(f"shipwarden: error: cannot write {destination}: {exc}")
        return False
    return True
