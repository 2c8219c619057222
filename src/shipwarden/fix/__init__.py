"""``scan --fix``: minimal, span-precise edits that remove findings.

The engine reads each file that has fixable findings (a regular file inside
the scanned root, like every reader), asks the rule's fixer for proposals,
applies those of the requested level, and keeps a file's edits only when the
edited text parses to exactly the original document plus the intended change
(a YAML-equivalence check of everything else). Writing is atomic and keeps the
file's mode. Nothing is written with ``--diff``.

Usage from code::

    from shipwarden.fix import FixLevel, plan_fixes
    plan = plan_fixes(report, root=Path("."), level=FixLevel.SAFE)
    print(plan.diff())
    plan.write()
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shipwarden.ci.yamlspan import MAX_FILE_BYTES, Mapping, Node, Scalar, Sequence, YamlError, decode, load
from shipwarden.core.findings import Finding, Report
from shipwarden.core.textindex import SourceText
from shipwarden.fix.edits import Edit, EditConflict, apply_edits, unified_diff
from shipwarden.fix.fixers import FIXERS, Document, FixLevel, Proposal, Skipped
from shipwarden.fix.yamltext import steps_with_paths

__all__ = ["FileFix", "FixLevel", "FixPlan", "Proposal", "Skipped", "plan_fixes"]


@dataclass(slots=True)
class FileFix:
    """The accepted edits of one file."""

    path: Path
    display: str
    before: str
    after: str
    proposals: list[Proposal]

    def diff(self) -> str:
        return unified_diff(self.display, self.before, self.after)


@dataclass(slots=True)
class FixPlan:
    files: list[FileFix] = field(default_factory=list)
    #: Proposals of a level above the one requested (shown, not applied).
    held_back: list[Proposal] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def fixed(self) -> int:
        return sum(len(p.findings) for f in self.files for p in f.proposals)

    def diff(self) -> str:
        return "".join(f.diff() for f in self.files)

    def write(self) -> None:
        for fix in self.files:
            _write_atomic(fix.path, fix.after)


def plain(node: Node | None) -> Any:
    """The document as plain data (strings, dicts, lists) for equivalence checks."""
    if node is None:
        return None
    if isinstance(node, Scalar):
        return node.value
    if isinstance(node, Mapping):
        return {k.value: plain(v) for k, v in node.items}
    if isinstance(node, Sequence):
        return [plain(v) for v in node.items]
    raise TypeError(type(node))


def _read(path: Path, root: Path) -> str:
    """A regular file inside ``root``, bounded; raises ``OSError``/``YamlError``."""
    resolved = path.resolve()
    if not resolved.is_relative_to(root.resolve()):
        raise OSError(f"{path} is outside the scanned root")
    fd = os.open(resolved, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise OSError(f"{path} is not a regular file")
        data = handle.read(MAX_FILE_BYTES + 1)
    return decode(data, str(path))


def _write_atomic(path: Path, text: str) -> None:
    mode = stat.S_IMODE(path.stat().st_mode)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".shipwarden-fix")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _equivalent(before: Node, after_text: str, proposals: Iterable[Proposal]) -> bool:
    """The edited text parses to the original document with exactly the proposals' changes."""
    try:
        after = load(after_text)
    except YamlError:
        return False
    expected = plain(before)
    for proposal in proposals:
        if proposal.expect is None:
            return False
        try:
            proposal.expect(expected)
        except (KeyError, IndexError, TypeError):
            return False
    return bool(plain(after) == expected)


def _accept(doc_root: Node, text: str, proposals: list[Proposal]) -> tuple[str, list[Proposal]]:
    """Apply as many proposals as possible: all together, else one at a time."""
    edits: list[Edit] = [e for p in proposals for e in p.edits]
    try:
        after = apply_edits(text, edits)
        if _equivalent(doc_root, after, proposals):
            return after, proposals
    except EditConflict:
        pass
    kept: list[Proposal] = []
    current = text
    for proposal in proposals:
        trial = kept + [proposal]
        try:
            after = apply_edits(text, [e for p in trial for e in p.edits])
        except EditConflict:
            continue
        if _equivalent(doc_root, after, trial):
            kept, current = trial, after
    return current, kept


def plan_fixes(
    report: Report,
    root: Path | None,
    level: FixLevel = FixLevel.SAFE,
) -> FixPlan:
    """Fixes for ``report``'s findings. ``root`` is the single scanned root
    (locations are relative to it); ``None`` when locations already name the
    files (several roots scanned, each location prefixed with its root)."""
    plan = FixPlan()
    by_file: dict[str, list[Finding]] = {}
    for finding in report.findings:
        if finding.rule_id in FIXERS and finding.locations:
            by_file.setdefault(finding.primary.path, []).append(finding)
    base = root if root is not None else Path(".")
    for display, findings in sorted(by_file.items()):
        if ":" in display.split("/")[0]:
            continue  # a finding on another branch (--all-branches): not in the work tree
        path = base / display
        try:
            text = _read(path, base)
            root_node = load(text)
        except (OSError, YamlError) as exc:
            plan.skipped.extend(Skipped(f.rule_id, display, f.primary.line, f"not fixed: {exc}") for f in findings)
            continue
        if root_node is None:
            continue
        doc = Document(
            display,
            SourceText(text),
            root_node,
            steps_with_paths(root_node),
            base=base,
            read=lambda p: _read(p, base),
        )
        wanted: list[Proposal] = []
        for rule_id in sorted({f.rule_id for f in findings}):
            for outcome in FIXERS[rule_id]([f for f in findings if f.rule_id == rule_id], doc):
                if isinstance(outcome, Skipped):
                    plan.skipped.append(outcome)
                elif outcome.level is FixLevel.UNSAFE and level is FixLevel.SAFE:
                    plan.held_back.append(outcome)
                else:
                    wanted.append(outcome)
        if not wanted:
            continue
        after, kept = _accept(root_node, text, wanted)
        for dropped in (p for p in wanted if p not in kept):
            plan.skipped.append(
                Skipped(dropped.rule_id, display, dropped.line, "the edit would change more than the finding: not applied")
            )
        if kept:
            plan.files.append(FileFix(path, display, text, after, kept))
    return plan
