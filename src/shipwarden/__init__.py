"""shipwarden: red-team the release surface of a software project."""

__version__ = "0.1.0"

#: Where rule documentation pages are published; ``docs/rules/<id>.md`` in the
#: source tree. Overridable with ``docs-url`` in the configuration.
DOCS_URL = "https://github.com/shipwarden/shipwarden/blob/main/docs/rules/"
