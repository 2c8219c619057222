"""install-in-publish-job: ``--ignore-scripts`` on the publishing job's npm/pnpm installs."""

from __future__ import annotations

import re
from typing import Any

from shipwarden.ci.yamlspan import Mapping, Scalar, Sequence
from shipwarden.core.findings import Finding
from shipwarden.fix.edits import Edit
from shipwarden.fix.model import Document, FixLevel, KeyPath, Outcome, Proposal, Skipped, node_at

#: Installs that run dependency lifecycle scripts and accept ``--ignore-scripts``.
#: (Yarn is left out: berry has no such flag and the version is not in the file.)
_INSTALL = re.compile(r"\b(?:npm\s+(?:ci|install|i)|pnpm\s+(?:install|i))\b(?![\w-])")
#: The rest of one shell command after the install words.
_COMMAND_REST = re.compile(r"[^\n;&|]*")


def _install_edits(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """``(offset, end of command)`` after each install command words in ``text[start:end]``
    that lacks ``--ignore-scripts``."""
    out: list[tuple[int, int]] = []
    for match in _INSTALL.finditer(text, start, end):
        rest = _COMMAND_REST.match(text, match.end(), end)
        tail = rest.group(0) if rest else ""
        if "--ignore-scripts" in tail or "--no-scripts" in tail:
            continue
        out.append((match.end(), match.end() + len(tail)))
    return out


def fix_install_in_publish_job(findings: list[Finding], doc: Document) -> list[Outcome]:
    out: list[Outcome] = []
    for finding in findings:
        loc = finding.primary
        job_id = str(finding.properties.get("job", ""))
        job = doc.job_of(("jobs", job_id))
        steps = job.get("steps") if job is not None else None
        prefix: KeyPath = ("jobs", job_id, "steps")
        runs = doc.root.get("runs") if job is None and isinstance(doc.root, Mapping) else None
        if isinstance(runs, Mapping):
            # the install sits in a local composite action the publishing job runs
            steps, prefix = runs.get("steps"), ("runs", "steps")
        if not isinstance(steps, Sequence):
            out.append(Skipped(finding.rule_id, loc.path, loc.line, "the job's steps were not found"))
            continue
        edits: list[Edit] = []
        changes: list[tuple[int, str]] = []
        for index, step in enumerate(steps.items):
            run = step.get("run") if isinstance(step, Mapping) else None
            if not isinstance(run, Scalar) or run.style in ("'", '"'):
                continue
            source_hits = _install_edits(doc.source.text, run.start, run.end)
            value_hits = _install_edits(run.value, 0, len(run.value))
            if len(source_hits) != len(value_hits):
                continue
            edits.extend(Edit(at, at, " --ignore-scripts") for at, _ in source_hits)
            if value_hits:
                new = run.value
                for at, _ in reversed(value_hits):
                    new = new[:at] + " --ignore-scripts" + new[at:]
                changes.append((index, new))
        if not edits:
            out.append(
                Skipped(
                    finding.rule_id,
                    loc.path,
                    loc.line,
                    "no npm or pnpm install to add --ignore-scripts to (pip, builds and yarn need a hand-made change:"
                    " build in a job without publish power)",
                )
            )
            continue

        def expect(plain: Any, prefix: KeyPath = prefix, changes: list[tuple[int, str]] = changes) -> None:
            for index, new in changes:
                node_at(plain, prefix)[index]["run"] = new

        out.append(
            Proposal(
                finding.rule_id,
                loc.path,
                loc.line,
                f"add `--ignore-scripts` to {len(edits)} npm/pnpm install(s) of "
                + (f"job `{job_id}`" if prefix[0] == "jobs" else "the composite action (every caller is affected)")
                + " (packages whose"
                " install scripts build a native binary then need an explicit `npm rebuild NAME`)",
                FixLevel.UNSAFE,
                [finding],
                edits,
                expect,
            )
        )
    return out


