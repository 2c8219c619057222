"""Hostile inputs to the bundle reader and the claim decoder: they become a
failed check or a readable string, never an exception."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from shipwarden.provenance.claims import _decode
from shipwarden.provenance.verify import BundleError, parse_documents, trust_root, verify_file

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(["mediaType", "envelope", "verification_material", "attestations", "attestation_bundles", "bundle", "x"]), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(JSON)
def test_arbitrary_json_is_refused_cleanly(doc: object) -> None:
    with contextlib.suppress(BundleError):
        parse_documents(json.dumps(doc).encode(), "x")


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300), st.booleans())
def test_claim_decoder_takes_any_bytes(raw: bytes, der: bool) -> None:
    assert isinstance(_decode(raw, der), str)


def test_deep_nesting_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "deep.sigstore"
    path.write_text("[" * 100_000 + "]" * 100_000)
    [v] = verify_file(str(path), root=trust_root())
    assert not v.signature_valid and v.failures[0].name == "bundle"


def test_fifo_and_oversized_files_are_not_read(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.sigstore"
    os.mkfifo(fifo)
    [v] = verify_file(str(fifo), root=trust_root())
    assert v.failures[0].name == "bundle"
    big = tmp_path / "big.sigstore"
    big.write_bytes(b" " * (5 * 1024 * 1024))
    [v] = verify_file(str(big), root=trust_root())
    assert v.failures[0].name == "bundle"
