"""Rule documentation pages shipped with the package, and where they are published.

``docs/rules/<id>.md`` is the one source of the pages: the package folder
``shipwarden/rule_docs`` is a link to it, and the wheel carries the pages as
package data, so an installed shipwarden reads them with
:mod:`importlib.resources` wherever it runs from.

A documentation *URL* is used only when someone gave one: ``docs-url`` in the
configuration, or a ``Rules`` project URL in the installed package's metadata
(``[project.urls]`` in ``pyproject.toml``). Otherwise there is none, and the
reporters print no link rather than a made-up one.
"""

from __future__ import annotations

import os
import re
import sys
from functools import cache

#: The package folder that holds the pages (``docs/rules`` in the source tree).
DOCS_PACKAGE_DIR = "rule_docs"
#: ``[project.urls]`` labels (compared case-insensitively) naming the base of the rule pages.
RULES_URL_LABELS = ("rules", "rule docs", "rule documentation")
_RULE_ID = re.compile(r"[a-z0-9][a-z0-9_.-]*\Z")
#: ``<name>-<version>.dist-info`` of this distribution (a wheel escapes ``-`` in both parts)
_DIST_INFO = re.compile(r"shipwarden-[^-]+\.dist-info\Z", re.IGNORECASE)


@cache
def rule_doc(rule_id: str) -> str | None:
    """The Markdown page of ``rule_id``, or ``None`` when the package has none."""
    if not _RULE_ID.match(rule_id) or ".." in rule_id:
        return None
    from importlib import resources  # start-up: only SARIF and `docs` read the pages

    page = resources.files("shipwarden").joinpath(DOCS_PACKAGE_DIR, f"{rule_id}.md")
    try:
        return page.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def rule_ids_with_docs() -> list[str]:
    """The ids of every page the package ships."""
    from importlib import resources  # start-up: only SARIF and `docs` read the pages

    folder = resources.files("shipwarden").joinpath(DOCS_PACKAGE_DIR)
    if not folder.is_dir():
        return []
    return sorted(p.name[: -len(".md")] for p in folder.iterdir() if p.name.endswith(".md"))


def _dist_info_metadata() -> str | None:
    """The ``METADATA`` text of the first ``shipwarden-*.dist-info`` folder on
    :data:`sys.path` (where :mod:`importlib.metadata` finds an installed or
    editable shipwarden), or ``None`` when there is none or it cannot be read."""
    for entry in sys.path:
        folder = entry or "."
        try:
            names = sorted(n for n in os.listdir(folder) if _DIST_INFO.match(n))
        except OSError:
            continue
        for name in names:
            try:
                with open(os.path.join(folder, name, "METADATA"), encoding="utf-8") as fh:
                    return fh.read()
            except (OSError, UnicodeDecodeError):
                continue
    return None


def _header_values(text: str, header: str) -> list[str]:
    """The values of one header of a core-metadata text (the headers end at the first empty line)."""
    wanted = header.lower() + ":"
    out: list[str] = []
    for line in text.splitlines():
        if not line:
            break
        if line.lower().startswith(wanted):
            out.append(line[len(wanted) :].strip())
    return out


def _project_url_entries() -> list[str]:
    text = _dist_info_metadata()
    if text is not None:
        return _header_values(text, "Project-URL")
    # start-up: importlib.metadata imports email, socket and more (~15 ms); asked only
    # when shipwarden is not installed as a dist-info folder on sys.path (an egg, a zip)
    from importlib import metadata

    try:
        return [str(entry) for entry in metadata.metadata("shipwarden").get_all("Project-URL") or []]
    except metadata.PackageNotFoundError:
        return []


def _project_urls() -> dict[str, str]:
    urls: dict[str, str] = {}
    for entry in _project_url_entries():
        label, _, url = entry.partition(",")
        if url.strip():
            urls[label.strip().lower()] = url.strip()
    return urls


@cache
def metadata_docs_url() -> str | None:
    """The base URL of the rule pages from the package metadata, if it names one."""
    urls = _project_urls()
    return next((urls[label] for label in RULES_URL_LABELS if label in urls), None)


@cache
def information_url() -> str | None:
    """The project's home page from the package metadata, if it names one."""
    urls = _project_urls()
    return next((urls[label] for label in ("homepage", "home", "source", "repository") if label in urls), None)


def doc_url(rule_id: str, base: str | None) -> str | None:
    """``<base>/<rule_id>.md``, or ``None`` without a base."""
    return f"{base.rstrip('/')}/{rule_id}.md" if base else None
