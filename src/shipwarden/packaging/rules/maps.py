"""Source maps as the gate's two map rules see them: which originals a map gives away.

An original counts as given away when its text is in ``sourcesContent``, it
does not ship in the package itself and it is not a third-party file from
``node_modules/`` (public on the registry already). A map whose embedded
originals are all such files leaks nothing new: it is reported with the maps
that carry no ``sourcesContent``.
"""

from __future__ import annotations

import functools
import posixpath
import re
from dataclasses import dataclass, field
from typing import Any

from shipwarden.core.tables import load_table
from shipwarden.packaging.review import MapReport, Review
from shipwarden.packaging.sourcemap import OriginalFile

_SCHEME = re.compile(r"^(webpack|turbopack|rollup|vite|file)://(/?[^/]*)?/?")
_BUNDLER_PART = re.compile(r"^(webpack|file|turbopack|rollup|vite):?$")


def normalize_source(source: str, map_path: str, root: str) -> str:
    s = _SCHEME.sub("", source) if "://" in source else source
    if s.startswith("/"):
        return posixpath.normpath(s.lstrip("/"))
    base = posixpath.dirname(map_path)
    joined = posixpath.join(base, root, s) if root and "://" not in root else posixpath.join(base, s)
    return posixpath.normpath(joined)


@functools.cache
def _open_licenses() -> frozenset[str]:
    """SPDX ids of open-source licences, lower-cased (``packaging/data/licenses.toml``)."""
    return frozenset(str(x).lower() for x in load_table("shipwarden.packaging", "licenses.toml")["open"])


def open_source_license(manifest: dict[str, Any]) -> str:
    """The SPDX expression of an npm manifest that declares an open-source licence and a repository, else "".

    Both are the publisher's own statement that the code is public; ``SEE
    LICENSE IN …``, ``UNLICENSED``, a custom or a missing licence, or no
    repository, are not.
    """
    lic = manifest.get("license")
    repo = manifest.get("repository")
    url = repo.get("url") if isinstance(repo, dict) else repo
    if not isinstance(lic, str) or not isinstance(url, str) or not url.strip():
        return ""
    ids = [t for t in re.split(r"[()\s]+|\b(?:AND|OR)\b", lic) if t and t not in ("AND", "OR")]
    if " WITH " in lic:
        return ""
    normal = [re.sub(r"(?:-only|-or-later|\+)$", "", t).lower() for t in ids]
    return lic if normal and all(t in _open_licenses() for t in normal) else ""


@functools.lru_cache(maxsize=4096)
def top_dir(source: str) -> str:
    """The first folder of a map's source path (``node_modules/`` wherever it appears); the
    same sources recur in many maps of one package (its chunks: 18,434 look-ups of 3,615 paths in
    next 16.5.0), so answers are kept."""
    parts = [p for p in source.replace("\\", "/").split("/") if p not in ("", ".", "..")]
    parts = [p for p in parts if not _BUNDLER_PART.match(p)]
    if "node_modules" in parts:
        return "node_modules/"
    return parts[0] + "/" if len(parts) > 1 else "(root)"



def label(report: MapReport) -> str:
    return f"inline source map in {report.path}" if report.inline else report.path


@dataclass(slots=True)
class MapClasses:
    #: Maps that give originals away, with those originals.
    leaks: list[tuple[MapReport, list[OriginalFile]]] = field(default_factory=list)
    #: Maps that give nothing new away: (report, sources that ship too, had sourcesContent).
    plain: list[tuple[MapReport, list[str], bool]] = field(default_factory=list)
    #: Files named like maps that are not readable maps.
    unreadable: list[MapReport] = field(default_factory=list)


def classify(review: Review) -> MapClasses:
    """Every map of the artifact the policy does not allow, sorted into :class:`MapClasses`
    (once per review: both map rules read it; they do not change it)."""
    known = review.memo.get("maps.classify")
    if isinstance(known, MapClasses):
        return known
    out = review.memo["maps.classify"] = _classify(review)
    return out


def _classify(review: Review) -> MapClasses:
    shipped = {f.path for f in review.result.files}
    out = MapClasses()
    for report in review.result.maps:
        if review.policy.allows_file(report.path):
            continue
        s = report.summary
        if s.originals:
            away, present = [], set()
            for o in s.originals:
                resolved = normalize_source(o.path, report.path, s.source_root)
                if resolved in shipped:
                    present.add(resolved)
                elif top_dir(o.path) != "node_modules/":
                    away.append(o)
            if away:
                out.leaks.append((report, away))
            else:
                out.plain.append((report, sorted(present), True))
            continue
        if s.error and not s.sources:
            out.unreadable.append(report)
            continue
        named = [normalize_source(src, report.path, s.source_root) for src in s.sources if src]
        out.plain.append((report, sorted({p for p in named if p in shipped}), False))
    return out
