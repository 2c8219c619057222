"""Baselines: record today's findings so only new ones fail the build.

File format (``version`` 1)::

    {"version": 1, "tool": "shipwarden",
     "findings": [{"fingerprint": "...", "rule": "...", "path": "...", "message": "..."}]}

Entries are sorted by path, rule, fingerprint and message, one per
fingerprint, so the file diffs cleanly. Matching uses only the fingerprint
(:attr:`shipwarden.core.findings.Finding.fingerprint`), which ignores line numbers.

A rule that made its key more precise (so that two findings no longer share a
fingerprint) keeps the old key as :attr:`~shipwarden.core.findings.Finding.previous_key`:
a baseline written before still matches such a finding through its old
fingerprint, as it did then. Writing the baseline again records the new,
distinct fingerprints. A finding whose path was made stable (``provenance``: a
bundle named as the user typed it) keeps the typed path as
:attr:`~shipwarden.core.findings.Finding.previous_path` the same way.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from shipwarden.core import safeio
from shipwarden.core.findings import Finding
from shipwarden.reporting import emit

BASELINE_VERSION = 1


class BaselineError(ValueError):
    """The baseline file is missing or malformed (reported with exit 2)."""


def baseline_entries(findings: Iterable[Finding]) -> list[dict[str, str]]:
    seen: dict[str, dict[str, str]] = {}
    for finding in findings:
        entry = {
            "fingerprint": finding.fingerprint,
            "rule": finding.rule_id,
            "path": finding.primary.path,
            "message": finding.message,
        }
        previous = seen.get(entry["fingerprint"])
        if previous is None or _entry_key(entry) < _entry_key(previous):
            seen[entry["fingerprint"]] = entry
    return sorted(seen.values(), key=_entry_key)


def _entry_key(entry: dict[str, str]) -> tuple[str, str, str, str]:
    return (entry["path"], entry["rule"], entry["fingerprint"], entry["message"])


def dumps_baseline(findings: Iterable[Finding]) -> str:
    data = {"version": BASELINE_VERSION, "tool": "shipwarden", "findings": baseline_entries(findings)}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def write_baseline(path: Path, findings: Iterable[Finding]) -> int:
    """Write the baseline; returns the number of entries written."""
    text = dumps_baseline(findings)
    emit.write_file(path, text, "json", mkdir=True)
    return len(json.loads(text)["findings"])


#: Largest baseline file read.
MAX_BASELINE_BYTES = 64 * 1024 * 1024


def load_baseline(path: Path) -> frozenset[str]:
    """The fingerprints recorded in a baseline file."""
    try:
        data = safeio.load_json(safeio.read_text(path, limit=MAX_BASELINE_BYTES), "baseline")
    except FileNotFoundError:
        raise BaselineError(f"baseline file not found: {path} (create it with --write-baseline)") from None
    except safeio.ReadRefused as exc:
        raise BaselineError(f"{path}: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BaselineError(f"{path}: cannot read baseline: {exc}") from None
    except json.JSONDecodeError as exc:
        raise BaselineError(f"{path}: invalid baseline JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("tool") != "shipwarden":
        raise BaselineError(f"{path}: not a shipwarden baseline")
    if data.get("version") != BASELINE_VERSION:
        raise BaselineError(f"{path}: unsupported baseline version {data.get('version')!r}")
    entries = data.get("findings")
    if not isinstance(entries, list):
        raise BaselineError(f"{path}: 'findings' must be a list")
    prints: set[str] = set()
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("fingerprint"), str):
            raise BaselineError(f"{path}: every baseline entry needs a 'fingerprint' string")
        prints.add(entry["fingerprint"])
    return frozenset(prints)


def apply_baseline(findings: list[Finding], fingerprints: frozenset[str]) -> tuple[list[Finding], int]:
    """Drop findings whose fingerprint (or fingerprint under a previous key) is in the
    baseline; returns (kept, dropped count)."""
    kept = [
        f for f in findings
        if f.fingerprint not in fingerprints and not (f.previous_fingerprint and f.previous_fingerprint in fingerprints)
    ]
    return kept, len(findings) - len(kept)
