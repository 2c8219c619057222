"""Replace every secret-shaped substring of a text by its redacted form.

Used on everything shipwarden writes (``shipwarden.reporting.emit``): report
fields before rendering, the rendered text, notes and errors, written files.
Two sources of spans, merged:

* the detector (:func:`shipwarden.secrets.scanner.find_spans`): whole secrets
  with their exact extent;
* the shapes in ``data/redact.toml``: fragments and contexts detection does
  not report (a token cut by a snippet, any URL password, a value assigned to
  a secret-looking name, a private key block cut short).

Idempotent: the redacted form ``ab…[fp:0123456789ab]`` matches no shape and
no detector, so text can pass through several times.

Cheap where nothing is to be found: a text that holds no keyword or prefilter
of either table (:mod:`shipwarden.secrets.gate`) is returned as it is, and a
shape runs only on texts that hold one of its own keywords. The ``regex``
module and the detector's rules are imported on the first text that needs them.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

from shipwarden.core.findings import Finding, Location
from shipwarden.core.structs import struct
from shipwarden.core.tables import load_table
from shipwarden.secrets.entropy import shannon_entropy
from shipwarden.secrets.gate import Hits, Needles, detector_needles, redaction_hits, shape_needles
from shipwarden.secrets.gate import warm as _gate_warm
from shipwarden.secrets.redaction import redact

if TYPE_CHECKING:  # pragma: no cover
    from shipwarden.secrets.rules import LazyPattern

#: Longest text redacted in one piece; longer texts are redacted in slices
#: that overlap by :data:`_OVERLAP` characters.
_SLICE = 4_000_000
_OVERLAP = 4096
_MARK = "…[fp:"
_CHECKS = ("", "mixed", "value", "b64-40", "not-reference")
#: A value that only names a variable (shell, Windows or GitHub syntax): no secret in it.
_REFERENCE = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}|\$[A-Za-z_][A-Za-z0-9_]*|%[A-Za-z_][A-Za-z0-9_]*%")
_DOTTED = re.compile(r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+")


@struct(frozen=True)
class Shape:
    id: str
    #: compiled on first use: a run compiles only the shapes its texts call for
    pattern: LazyPattern
    group: int
    check: str
    #: what every match contains (:mod:`shipwarden.secrets.gate`)
    needles: Needles


@cache
def shapes() -> tuple[Shape, ...]:
    """The shapes of ``data/redact.toml``, compiled once."""
    # start-up: only a text that can hold a secret needs the regex module
    from shipwarden.secrets.rules import LazyPattern

    needles = shape_needles()
    out: list[Shape] = []
    for raw in load_table("shipwarden.secrets", "redact.toml")["shapes"]:
        check = str(raw.get("check", ""))
        if check not in _CHECKS:
            raise ValueError(f"redact shape {raw['id']}: unknown check {check!r}")
        group = int(raw.get("group", 0))
        out.append(Shape(str(raw["id"]), LazyPattern(raw["regex"], group), group, check, needles[str(raw["id"])]))
    return tuple(out)


@cache
def _detector() -> Callable[[str], list[tuple[int, int]]]:
    """:func:`shipwarden.secrets.scanner.find_spans`, imported on first need (it loads
    the token rules and the regex module)."""
    from shipwarden.secrets.scanner import find_spans

    return find_spans


def _passes(value: str, check: str) -> bool:
    if _MARK in value or not value:
        return False
    if check == "":
        return True
    if check == "not-reference":
        return _REFERENCE.fullmatch(value) is None
    has_digit = any(c.isdigit() for c in value)
    if check == "mixed":
        return has_digit or (any(c.isupper() for c in value) and any(c.islower() for c in value))
    if check == "value":
        if len(value) < 8 or value.startswith(("${", "$(", "{{", "%(")) or _DOTTED.fullmatch(value):
            return False
        return has_digit and any(c.isalpha() for c in value) or shannon_entropy(value) >= 4.0
    # b64-40: an AWS secret access key has all three classes and high entropy
    return (
        has_digit
        and any(c.isupper() for c in value)
        and any(c.islower() for c in value)
        and shannon_entropy(value) >= 4.2
    )


def warm() -> None:
    """Build what every text needs, the gate's searches (:mod:`shipwarden.secrets.gate`,
    standard ``re``), in a process about to fork workers that redact, so that they share
    one copy. The ``regex`` module and the patterns stay unloaded: on a scan's report no
    text or a few pass the gate, and a worker compiles only what those call for
    (importing ``regex`` and compiling every pattern here was serial time of every scan)."""
    _gate_warm()


def _shape_spans(text: str, hits: Hits | None = None) -> list[tuple[int, int]]:
    """Spans of the shapes; with ``hits`` (:func:`~shipwarden.secrets.gate.hits_in`
    ``text``), only of the shapes whose needles ``text`` holds (the others cannot match)."""
    spans: list[tuple[int, int]] = []
    for shape in shapes():
        if hits is not None and not shape.needles.found(hits):
            continue
        for m in shape.pattern.finditer(text):
            value = m.group(shape.group)
            if value and _passes(value, shape.check):
                spans.append(m.span(shape.group))
    return spans


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def secret_spans(text: str) -> list[tuple[int, int]]:
    """Merged ``(start, end)`` spans of everything :func:`redact_text` replaces
    (every detector pattern and every shape run over the whole text)."""
    return _merge(_detector()(text) + _shape_spans(text))


def _needed_spans(text: str) -> list[tuple[int, int]]:
    """:func:`secret_spans`, running only what the needles in ``text`` call for."""
    hits = redaction_hits(text)
    if hits is None:
        return []
    spans = _detector()(text) if detector_needles().found(hits) else []
    return _merge(spans + _shape_spans(text, hits))


def _redact_piece(text: str) -> str:
    return replace_spans(text, _needed_spans(text))


def replace_spans(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with each of the merged ``spans`` replaced by its redacted form."""
    if not spans:
        return text
    out: list[str] = []
    pos = 0
    for start, end in spans:
        value = text[start:end]
        if _MARK in value:
            continue
        out.append(text[pos:start])
        out.append(redact(value))
        pos = end
    out.append(text[pos:])
    return "".join(out)


def redact_text(text: str) -> str:
    """``text`` with every secret-shaped substring replaced by ``prefix…[fp:…]``."""
    if not text or (text.isascii() and text.isalnum() and len(text) < 8):
        return text
    if len(text) <= _SLICE:
        return _redact_piece(text)
    # slice at line ends so no secret spans two slices (a PEM block is < 20 kB)
    out: list[str] = []
    pos = 0
    while pos < len(text):
        end = min(len(text), pos + _SLICE)
        if end < len(text):
            cut = text.rfind("\n", pos + _SLICE - _OVERLAP * 8, end)
            end = cut + 1 if cut > pos else end
        out.append(_redact_piece(text[pos:end]))
        pos = end
    return "".join(out)


_SEPARATOR = "\n\x00\n"


def redact_many(texts: list[str]) -> list[str]:
    """:func:`redact_text` of each text, in one pass over all of them."""
    if not texts:
        return []
    joined = _SEPARATOR.join(texts)
    if "\x00" not in joined.replace(_SEPARATOR, ""):
        parts = redact_text(joined).split(_SEPARATOR)
        if len(parts) == len(texts):
            return parts
    return [redact_text(t) for t in texts]


def redact_clip(text: str, width: int, ellipsis: str = "…") -> str:
    """Redact, then cut to ``width`` characters: a cut never leaves part of a secret."""
    clean = redact_text(text)
    return clean if len(clean) <= width else clean[: max(width - len(ellipsis), 1)] + ellipsis


def redact_value(value: Any) -> Any:
    """``value`` (JSON-shaped: str, list, tuple, dict, scalars) with every string in it redacted."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, list):
        return [redact_value(v) for v in value]
    if isinstance(value, tuple):
        return tuple(redact_value(v) for v in value)
    if isinstance(value, dict):
        return {k: redact_value(v) for k, v in value.items()}
    return value


def _location(loc: Location) -> Location:
    return dataclasses.replace(
        loc, path=redact_text(loc.path), label=redact_text(loc.label), snippet=redact_text(loc.snippet)
    )


def redact_finding(finding: Finding) -> Finding:
    """``finding`` with every text it quotes redacted: message, key, locations and hops
    (paths, labels, snippets, descriptions) and properties.

    For analyses that quote the scanned material (an install script, a dependency URL,
    a process's arguments) before the finding is stored or fingerprinted: the
    fingerprint then rests on the redacted key, which is just as stable.
    """
    message = redact_text(finding.message)
    key = redact_text(finding.key)
    locations = [_location(loc) for loc in finding.locations]
    hops = [
        dataclasses.replace(h, location=_location(h.location), description=redact_text(h.description))
        for h in finding.hops
    ]
    properties = redact_value(finding.properties)
    if (message, key, locations, hops, properties) == (
        finding.message, finding.key, finding.locations, finding.hops, finding.properties
    ):
        return finding
    return dataclasses.replace(
        finding, message=message, key=key, locations=locations, hops=hops, properties=properties
    )
