"""Shared paths for the provenance tests: the real Sigstore fixtures live in
``../shared/fixtures/provenance`` beside the repository (read in place)."""

from __future__ import annotations

from pathlib import Path


FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "provenance"

#: sha512 of the `sigstore@1.0.0` npm tarball (the statement's subject; npm's
#: recorded integrity for that version) and sha256 of the PyPI distributions.
SIGSTORE_100_SHA512 = (
    "7bea9f6e7ff37f5fab0b36bf061200fff03099fd2fd696b91d04bc5e4f225eb9"
    "fd6e0cadcad54ba980f43fb352a99e8810b4e0abeb5c0ef2cf9108cd1f258b36"
)
PYPI_ATTESTATIONS_0019_SHA256 = "9bb1add04b1b4e182be6b0b80931593f7a291eb49d69b4fd728a5d4cbcdc4bd3"
RFC8785_012_SHA256 = "c4e92e9ecc828bef2aa7dba1de8ac983511f7532a0df11c770d39099a25cf201"
