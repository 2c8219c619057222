"""``core.digest.sha256`` (CPython's builtin module) gives hashlib's digests."""

from __future__ import annotations

import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st

from shipwarden.core.digest import sha256


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=5000), st.binary(max_size=300))
def test_the_same_digests_as_hashlib(first: bytes, second: bytes) -> None:
    assert sha256(first).hexdigest() == hashlib.sha256(first).hexdigest()
    both = sha256()
    both.update(first)
    both.update(second)
    assert both.hexdigest() == hashlib.sha256(first + second).hexdigest()
