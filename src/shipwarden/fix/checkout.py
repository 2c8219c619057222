"""artipacked: ``persist-credentials: false`` on the checkout."""

from __future__ import annotations

import re
from typing import Any

from shipwarden.ci.github.knowledge import exposure_table
from shipwarden.ci.yamlspan import Mapping, Node, Scalar, Sequence, YamlError, load
from shipwarden.core.findings import Finding
from shipwarden.fix.edits import Edit
from shipwarden.fix.model import (
    Document,
    FixLevel,
    KeyPath,
    Outcome,
    Proposal,
    Skipped,
    add_block_key,
    append_to_block,
    node_at,
)

#: Later steps that may need the credential a checkout persists, so that
#: ``persist-credentials: false`` could break them: any git or GitHub CLI use,
#: and release tooling (which may push tags or commits from scripts we cannot see).
_NEEDS_CREDENTIAL = re.compile(
    r"\bgit\b|\bgh\s|\bhub\s|release|publish|deploy|\bversion\b|changeset|\blerna\b|\bpush\b|\btag\b",
    re.IGNORECASE,
)


def _steps_need_credential(doc: Document, steps: list[Node], depth: int = 0) -> bool:
    for later in steps:
        if not isinstance(later, Mapping):
            continue
        run = later.get("run")
        if isinstance(run, Scalar) and _NEEDS_CREDENTIAL.search(run.value):
            return True
        uses = later.get("uses")
        if not isinstance(uses, Scalar):
            continue
        if uses.value.startswith("./"):
            local = _local_action_steps(doc, uses.value)
            if local is None or depth > 2 or _steps_need_credential(doc, local, depth + 1):
                return True
            continue
        action = uses.value.split("@", 1)[0].lower()
        if action not in exposure_table().no_token_actions:
            return True  # an action not known to leave git alone may push with the persisted credential
    return False


def _local_action_steps(doc: Document, ref: str) -> list[Node] | None:
    """The steps of a local composite action, read like the scan reads it (inside the root, bounded)."""
    if doc.base is None:
        return None
    folder = doc.base / ref.split("@", 1)[0]
    for name in ("action.yml", "action.yaml"):
        try:
            text = doc.read(folder / name)
        except (OSError, YamlError):
            continue
        root = load(text)
        runs = root.get("runs") if isinstance(root, Mapping) else None
        steps = runs.get("steps") if isinstance(runs, Mapping) else None
        return list(steps.items) if isinstance(steps, Sequence) else None
    return None


def _later_steps_need_credential(doc: Document, path: KeyPath) -> bool:
    job = doc.job_of(path)
    steps = job.get("steps") if job is not None else None
    if not isinstance(steps, Sequence) or not isinstance(path[-1], int):
        return True  # an action's steps run after unknown caller steps: cannot tell
    return _steps_need_credential(doc, steps.items[path[-1] + 1 :])


def fix_artipacked(findings: list[Finding], doc: Document) -> list[Outcome]:
    out: list[Outcome] = []
    for finding in findings:
        loc = finding.primary
        found = doc.step_at(doc.offset(loc.line, loc.column))
        if found is None:
            out.append(Skipped(finding.rule_id, loc.path, loc.line, "the checkout step was not found"))
            continue
        path, step = found
        with_ = step.get("with")
        edit: Edit | None
        if isinstance(with_, Mapping) and with_.items:
            current = with_.get("persist-credentials")
            if isinstance(current, Scalar):
                if "${{" in current.value:
                    out.append(Skipped(finding.rule_id, loc.path, loc.line, "persist-credentials is an expression"))
                    continue
                edit = Edit(current.start, current.end, "false")
            else:
                edit = append_to_block(doc, with_, ["persist-credentials: false"])
        elif with_ is None:
            edit = add_block_key(doc, step, "with", ["persist-credentials: false"])
        else:
            edit = None
        if edit is None:
            out.append(Skipped(finding.rule_id, loc.path, loc.line, "the step is written in flow style"))
            continue

        def expect(plain: Any, path: KeyPath = path) -> None:
            node = node_at(plain, path)
            with_map = node.setdefault("with", {})
            with_map["persist-credentials"] = "false"

        level = FixLevel.UNSAFE if _later_steps_need_credential(doc, path) else FixLevel.SAFE
        why = "" if level is FixLevel.SAFE else " (a later step may need the credential: check it still works)"
        out.append(
            Proposal(
                finding.rule_id,
                loc.path,
                loc.line,
                f"set `persist-credentials: false` on the checkout{why}",
                level,
                [finding],
                [edit],
                expect,
            )
        )
    return out


