"""``--format sarif``: SARIF 2.1.0 for code-scanning dashboards.

One run; the driver lists the rules that fired with their help pages
(``docs/rules/<id>.md``, shipped in the package; a ``helpUri`` only when a
documentation URL was given); results carry
``partialFingerprints``, related locations for extra locations and
``codeFlows`` for the hops of attack paths; scan errors become tool execution
notifications with ``executionSuccessful: false``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from shipwarden import __version__
from shipwarden.core.catalogue import RuleMeta
from shipwarden.core.findings import Finding, Location, Report, ScanError, Tier
from shipwarden.core.ruledocs import information_url, rule_doc
from shipwarden.reporting import RenderOptions, dump_json, fired_rules

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "shipwarden/v1"

#: GitHub code scanning's ``security-severity`` per tier (critical/high/medium).
SECURITY_SEVERITY = {Tier.P0: "9.0", Tier.P1: "7.0", Tier.P2: "4.0"}
LEVEL = {Tier.P0: "error", Tier.P1: "error", Tier.P2: "warning"}


def _rule_doc(rule_id: str) -> str | None:
    """The rule's page shipped in the package (a seam for tests)."""
    return rule_doc(rule_id)


def _first_paragraph(markdown: str) -> str:
    """The first prose paragraph under a heading such as "What it detects"."""
    paragraphs = [p.strip() for p in markdown.split("\n\n")]
    for paragraph in paragraphs:
        if not paragraph or paragraph.startswith(("#", "**", "```", "|", "-", "*", ">")):
            continue
        return " ".join(line.strip() for line in paragraph.splitlines())
    return ""


def _rule_name(rule_id: str) -> str:
    return "".join(part.capitalize() for part in rule_id.replace("_", "-").split("-") if part)


def _rule(meta: RuleMeta, options: RenderOptions) -> dict[str, Any]:
    url = meta.doc_url(options.docs_url)
    doc = _rule_doc(meta.id)
    full = (_first_paragraph(doc) if doc else "") or meta.title
    see = f" See {url}" if url else ""
    help_obj: dict[str, Any] = {"text": doc if doc else f"{meta.title}.{see}"}
    help_obj["markdown"] = doc if doc else (f"{meta.title}\n\n[Documentation]({url})" if url else meta.title)
    rule: dict[str, Any] = {
        "id": meta.id,
        "name": _rule_name(meta.id),
        "shortDescription": {"text": meta.title},
        "fullDescription": {"text": full},
    }
    if url:
        rule["helpUri"] = url
    return {
        **rule,
        "help": help_obj,
        "defaultConfiguration": {"level": LEVEL[meta.tier]},
        "properties": {
            "row": meta.row,
            "tier": meta.tier.value,
            "security-severity": SECURITY_SEVERITY[meta.tier],
            "precision": meta.confidence.value,
            "tags": ["security", "supply-chain", f"row-{meta.row}", meta.tier.value, meta.command],
        },
    }


def _uri(path: str) -> str:
    return quote(path, safe="/-._~")


def _region(location: Location) -> dict[str, Any] | None:
    if location.line <= 0:
        return None
    region: dict[str, Any] = {"startLine": location.line}
    if location.column > 0:
        region["startColumn"] = location.column
    # An unset (0) or inverted end line means "on the start line".
    end_line = max(location.end_line, location.line)
    if location.end_line >= location.line:
        region["endLine"] = end_line
    if location.end_column > 0 and (end_line > location.line or location.end_column > location.column):
        region["endColumn"] = location.end_column
    return region


def physical_location(location: Location) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(location.path), "uriBaseId": SRCROOT}}
    region = _region(location)
    if region is not None:
        physical["region"] = region
        if location.snippet:
            physical["contextRegion"] = {"startLine": location.line, "snippet": {"text": location.snippet}}
    return physical


def _location(location: Location, message: str = "", ident: int | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if ident is not None:
        out["id"] = ident
    out["physicalLocation"] = physical_location(location)
    text = message or location.label
    if text:
        out["message"] = {"text": text}
    return out


def _result(finding: Finding, index: int) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "ruleIndex": index,
        "level": LEVEL[finding.tier],
        "message": {"text": finding.message},
        "locations": [_location(finding.primary)],
        "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint},
    }
    if len(finding.locations) > 1:
        result["relatedLocations"] = [
            _location(loc, ident=number) for number, loc in enumerate(finding.locations[1:], start=1)
        ]
    if finding.hops:
        # one code flow per target the root cause reaches
        result["codeFlows"] = [
            {
                "message": {"text": finding.message if number == 0 else flow[-1].description},
                "threadFlows": [
                    {
                        "locations": [
                            {
                                "location": _location(hop.location, hop.description),
                                "executionOrder": order,
                                "properties": {"row": hop.row},
                            }
                            for order, hop in enumerate(flow, start=1)
                        ]
                    }
                ],
            }
            for number, flow in enumerate([finding.hops, *finding.flows])
        ]
    properties: dict[str, Any] = {
        "tier": finding.tier.value,
        "row": finding.row,
        "confidence": finding.confidence.value,
    }
    if finding.rule_tier is not None and finding.rule_tier is not finding.tier:
        properties["rule_tier"] = finding.rule_tier.value
    if finding.paths:
        properties["paths"] = list(finding.paths)
    result["properties"] = properties
    return result


def _error_location(error: ScanError) -> dict[str, Any]:
    location: dict[str, Any] = {"artifactLocation": {"uri": _uri(error.path), "uriBaseId": SRCROOT}}
    if error.line:
        location["region"] = {"startLine": error.line}
    return location


def sarif_dict(report: Report, options: RenderOptions | None = None) -> dict[str, Any]:
    options = options or RenderOptions()
    findings = report.sorted_findings()
    metas = fired_rules(findings, options)
    index = {rule_id: i for i, rule_id in enumerate(metas)}
    notifications = [
        {
            "level": "error",
            "message": {"text": f"{error.path}: {error.message}"},
            "descriptor": {"id": error.kind},
            "locations": [{"physicalLocation": _error_location(error)}],
        }
        for error in sorted(report.errors, key=lambda e: (e.path, e.kind, e.message))
    ]
    # what the command could not see (remote actions not read, packages of unknown install-time
    # code, bytes not scanned): SARIF 2.1.0 notifications about the run, not results
    notifications += [
        {
            "level": "warning",
            "message": {"text": f"{c.path}: {c.unknown} {c.subject}" + (f": {c.reason}" if c.reason else "")
                        + (f" — {c.resolve}" if c.resolve else "")},
            "descriptor": {"id": "coverage"},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": _uri(c.path), "uriBaseId": SRCROOT}}}],
            "properties": c.to_dict(),
        }
        for c in sorted(report.coverage, key=lambda c: (c.path, c.subject, c.reason))
        if c.unknown
    ]
    invocation: dict[str, Any] = {"executionSuccessful": not report.errors}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    driver: dict[str, Any] = {"name": "shipwarden", "version": __version__, "semanticVersion": __version__}
    home = information_url()
    if home:
        driver["informationUri"] = home
    driver["rules"] = [_rule(meta, options) for meta in metas.values()]
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {"driver": driver},
                "invocations": [invocation],
                "columnKind": "unicodeCodePoints",
                "results": [_result(f, index[f.rule_id]) for f in findings],
                "properties": {
                    "command": report.command,
                    "suppressed": report.suppressed,
                    "baselined": report.baselined,
                    "stats": dict(sorted(report.stats.items())),
                },
            }
        ],
    }


def render_sarif(report: Report, options: RenderOptions | None = None) -> str:
    return dump_json(sarif_dict(report, options))
