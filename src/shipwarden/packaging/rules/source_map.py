"""``gate-source-map``: source maps that ship without giving originals away — they still name
the source paths and the layout of the tree — and files named like maps that are not readable maps."""

from __future__ import annotations

from shipwarden.core.findings import Confidence, Tier
from shipwarden.packaging.review import MapReport, Review
from shipwarden.packaging.rules import maps
from shipwarden.packaging.rules.common import PACKAGING_ROW, gate_rule

META = gate_rule(
    "gate-source-map", PACKAGING_ROW, Tier.P2, Confidence.MEDIUM,
    "Source map ships (file names and structure, no sourcesContent)",
)


def check(review: Review) -> None:
    classes = maps.classify(review)
    if classes.plain:
        _plain(review, classes.plain)
    if classes.unreadable:
        _unreadable(review, classes.unreadable)


def _plain(review: Review, plain: list[tuple[MapReport, list[str], bool]]) -> None:
    plain = sorted(plain, key=lambda item: (-len(item[1]), item[0].path))
    top, _, _ = plain[0]
    present = sorted({p for _, shipped, _ in plain for p in shipped})
    sources = sum(len(r.summary.sources) for r, _, _ in plain)
    with_content = sum(1 for _, _, c in plain if c)
    label = maps.label(top) if len(plain) == 1 else f"{len(plain):,} source maps ({maps.label(top)}, …)"
    verb = "maps" if len(plain) == 1 else "map"
    if with_content:
        message = (
            f"{label} {verb} {sources:,} source(s); their sourcesContent only repeats files that ship too or "
            "third-party files from node_modules/"
        )
        confidence = Confidence.HIGH if present else Confidence.MEDIUM
    elif present:
        message = (
            f"{label} {verb} {sources:,} source(s) and {len(present):,} of them ship too "
            f"({', '.join(present[:3])}{', …' if len(present) > 3 else ''}): the original code is one "
            "click away"
        )
        confidence = Confidence.HIGH
    else:
        message = (
            f"{label} ship{'s' if len(plain) == 1 else ''} without sourcesContent; "
            f"{'it still names' if len(plain) == 1 else 'they still name'} {sources:,} source path(s) "
            "and the layout of the original tree"
        )
        confidence = Confidence.MEDIUM
    review.add(
        META,
        message,
        top.path,
        line=top.line,
        confidence=confidence,
        key=f"{'inline' if top.inline else 'file'}:{top.path}" if len(plain) == 1 else "maps",
        properties={
            "inline": any(r.inline for r, _, _ in plain),
            "sources": sources,
            "shipped_sources": present[:25],
            "map_count": len(plain),
            "maps": [r.path for r, _, _ in plain[:50]],
        },
    )


def _unreadable(review: Review, unreadable: list[MapReport]) -> None:
    first = unreadable[0]
    label = f"inline source map in {first.path}" if first.inline else first.path
    more = f" (and {len(unreadable) - 1:,} more)" if len(unreadable) > 1 else ""
    review.add(
        META,
        f"{label}{more} ships but is not a readable source map ({first.summary.error})",
        first.path,
        line=first.line,
        confidence=Confidence.LOW,
        key=f"unreadable:{first.path}",
        properties={"maps": [r.path for r in unreadable[:50]], "map_count": len(unreadable)},
    )
