"""Graphviz ``dot`` and Mermaid renderings of attack paths (findings with hops).

Each path finding becomes one cluster/subgraph whose nodes are its hops in
order, joined by edges. Node ids are positional (``p1h2``), so output is
deterministic; every label is quoted and escaped.
"""

from __future__ import annotations

from collections.abc import Iterable

from shipwarden.core.findings import Finding, Hop

GRAPH_FORMATS = ("dot", "mermaid")


def _hop_label(hop: Hop) -> list[str]:
    loc = hop.location
    where = f"{loc.path}:{loc.line}" if loc.line else loc.path
    return [where, hop.description, f"row {hop.row}"]


def _dot_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "").replace("\n", "\\n") + '"'


def _mermaid_escape(text: str) -> str:
    out = []
    for char in text.replace("\r", "").replace("\n", " "):
        if char == '"':
            out.append("#quot;")
        elif char == "#":
            out.append("#35;")
        elif char == "<":
            out.append("#lt;")
        elif char == ">":
            out.append("#gt;")
        elif char == "&":
            out.append("#amp;")
        elif char in "`|{}[]()":
            out.append(f"#{ord(char)};")
        else:
            out.append(char)
    return "".join(out)


def _paths(findings: Iterable[Finding]) -> list[Finding]:
    return sorted((f for f in findings if f.hops), key=lambda f: f.sort_key())


def render_dot(findings: Iterable[Finding]) -> str:
    lines = ["digraph shipwarden_paths {", "  rankdir=LR;", '  node [shape=box, fontname="monospace"];']
    for p, finding in enumerate(_paths(findings), start=1):
        title = f"{finding.tier.value} {finding.rule_id}: {finding.message}"
        lines.append(f"  subgraph cluster_p{p} {{")
        lines.append(f"    label={_dot_quote(title)};")
        for h, hop in enumerate(finding.hops, start=1):
            label = "\n".join(_hop_label(hop))
            lines.append(f"    p{p}h{h} [label={_dot_quote(label)}];")
        for h in range(1, len(finding.hops)):
            lines.append(f"    p{p}h{h} -> p{p}h{h + 1};")
        lines.append("  }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render_mermaid(findings: Iterable[Finding]) -> str:
    lines = ["flowchart LR"]
    for p, finding in enumerate(_paths(findings), start=1):
        title = f"{finding.tier.value} {finding.rule_id}: {finding.message}"
        lines.append(f'  subgraph p{p}["{_mermaid_escape(title)}"]')
        for h, hop in enumerate(finding.hops, start=1):
            label = "<br/>".join(_mermaid_escape(part) for part in _hop_label(hop))
            lines.append(f'    p{p}h{h}["{label}"]')
        for h in range(1, len(finding.hops)):
            lines.append(f"    p{p}h{h} --> p{p}h{h + 1}")
        lines.append("  end")
    return "\n".join(lines) + "\n"


def render_paths(findings: Iterable[Finding], fmt: str) -> str:
    """Render the path findings among ``findings`` as ``dot`` or ``mermaid``."""
    if fmt == "dot":
        return render_dot(findings)
    if fmt == "mermaid":
        return render_mermaid(findings)
    raise ValueError(f"unknown graph format {fmt!r}: expected one of {', '.join(GRAPH_FORMATS)}")
