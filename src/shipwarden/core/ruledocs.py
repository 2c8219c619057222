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

import re
from functools import cache
from importlib import metadata, resources

#: The package folder that holds the pages (``docs/rules`` in the source tree).
DOCS_PACKAGE_DIR = "rule_docs"
#: ``[project.urls]`` labels (compared case-insensitively) naming the base of the rule pages.
RULES_URL_LABELS = ("rules", "rule docs", "rule documentation")
_RULE_ID = re.compile(r"[a-z0-9][a-z0-9_.-]*\Z")


@cache
def rule_doc(rule_id: str) -> str | None:
    """The Markdown page of ``rule_id``, or ``None`` when the package has none."""
    if not _RULE_ID.match(rule_id) or ".." in rule_id:
        return None
    page = resources.files("shipwarden").joinpath(DOCS_PACKAGE_DIR, f"{rule_id}.md")
    try:
        return page.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def rule_ids_with_docs() -> list[str]:
    """The ids of every page the package ships."""
    folder = resources.files("shipwarden").joinpath(DOCS_PACKAGE_DIR)
    if not folder.is_dir():
        return []
    return sorted(p.name[: -len(".md")] for p in folder.iterdir() if p.name.endswith(".md"))


def _project_urls() -> dict[str, str]:
    try:
        entries = metadata.metadata("shipwarden").get_all("Project-URL") or []
    except metadata.PackageNotFoundError:
        return {}
    urls: dict[str, str] = {}
    for entry in entries:
        label, _, url = str(entry).partition(",")
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
