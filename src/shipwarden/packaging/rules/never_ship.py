"""``gate-never-ship``: a file whose name says it was never meant for users (``.env``, ``id_rsa``, ``.npmrc``).

The catalogue is data (``shipwarden/data/never_ship.toml``); some entries judge
a small text file by its content (a PEM holding only public keys is no
secret). Many files of one category fold into one more finding.
"""

from __future__ import annotations

import dataclasses

from shipwarden.core.findings import Confidence, Finding, Tier
from shipwarden.packaging.knowledge import may_never_ship, never_ship
from shipwarden.packaging.material import non_production
from shipwarden.packaging.model import ArtifactKind
from shipwarden.packaging.review import Review
from shipwarden.packaging.rules.common import PACKAGING_ROW, gate_rule

META = gate_rule("gate-never-ship", PACKAGING_ROW, Tier.P1, Confidence.HIGH, "File that should never be published")

#: Never-ship findings of one category listed one by one; the rest are counted in one more finding.
FOLD_AFTER = 20
#: Paths of the folded files named in that finding's properties.
FOLD_PATHS = 100


def check(review: Review, path: str, content: bytes | None, size: int) -> None:
    """``content`` is the whole file when it is text and small enough to judge, else None."""
    if review.policy.allows_file(path):
        return
    if review.artifact.kind is ArtifactKind.NPM_DIR and path == "package.json":
        return
    if not may_never_ship(path):
        return
    for entry in never_ship():
        pattern = entry.matches(path)
        if pattern is None:
            continue
        tier, note = entry.tier, ""
        own = entry.names_file(path, pattern)
        if own and size == 0:
            return  # an empty file carries nothing
        test = entry.content
        if own and test is not None and content is not None and (
            test.requires is None or not test.requires.search(content.decode("utf-8", "replace"))
        ):
            if test.otherwise == "drop":
                review.unreported.setdefault(f"{entry.category}: {test.reason}", []).append(path)
                return
            tier, note = Tier.parse(test.otherwise), f" ({test.reason})"
        context = non_production(path)
        if context and tier.rank < Tier.P2.rank:
            # test fixtures and doc examples are material, not the maintainer's own
            # configuration; their content is still searched for secrets
            tier = Tier.P2
            note += f" (it sits in {context} material: a fixture or an example, probably)"
        review.add(
            META,
            f"{entry.category} would be published: {path} (matches {pattern!r}); {entry.reason}{note}",
            path,
            tier=tier,
            key=f"{entry.id}:{path}",
            properties={"category": entry.id, "pattern": pattern, **({"context": context} if context else {})},
        )
        return


def fold(review: Review) -> None:
    """Many never-ship files of one category (99,000 ``.env`` files) become the first
    :data:`FOLD_AFTER` findings plus one that counts the rest and names some of them;
    the files judged harmless by content are named in a note."""
    result = review.result
    groups: dict[tuple[str, str], list[Finding]] = {}
    for f in result.findings:
        if f.rule_id == META.id:
            groups.setdefault((f.tier.value, str(f.properties.get("category", ""))), []).append(f)
    drop: set[int] = set()
    folded: list[Finding] = []
    for (_tier, category), found in groups.items():
        if len(found) <= FOLD_AFTER:
            continue
        rest = found[FOLD_AFTER:]
        drop.update(id(f) for f in rest)
        paths = [f.primary.path for f in rest]
        first = rest[0]
        shown = ", ".join(p.removeprefix(review.artifact.prefix) for p in paths[:3])
        folded.append(dataclasses.replace(
            first,
            message=f"{len(rest):,} more files of the same kind would be published ({shown}, …); "
            f"{first.message.split(': ', 1)[0]}",
            key=f"{category}:more",
            properties={**first.properties, "count": len(rest), "paths": paths[:FOLD_PATHS]},
        ))
    if drop:
        result.findings = [f for f in result.findings if id(f) not in drop] + folded
    for why, paths in review.unreported.items():
        shown = ", ".join(paths[:3]) + (f" and {len(paths) - 3:,} more" if len(paths) > 3 else "")
        result.notes.append(f"not reported as {why}: {shown}")
