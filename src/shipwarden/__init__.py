"""shipwarden: red-team the release surface of a software project."""

__version__ = "0.1.0"
