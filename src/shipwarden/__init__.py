"""shipwarden: red-team the release surface of a software project.

The library API is :mod:`shipwarden.api`; its public names are ``api.__all__``
(the one list)::

    from pathlib import Path
    from shipwarden import api

    result = api.scan(api.ScanOptions(roots=(Path("."),)))

The package itself exports nothing else but ``__version__``: ``import shipwarden``
stays as cheap as ``shipwarden --version``. (It cannot re-export the API's
functions either: ``deps``, ``paths``, ``endpoint``, ``provenance``, ``detonate``
and ``assess`` are also the names of the subpackages that implement them, and
Python binds a subpackage to its parent's attribute as soon as it is imported,
so ``shipwarden.deps`` would change from the function to the package once the
analysis ran.)
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
