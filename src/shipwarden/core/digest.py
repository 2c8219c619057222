"""SHA-256 without loading OpenSSL.

``hashlib`` loads OpenSSL's libcrypto on import (about 11 M instructions, a fifth of a
bare interpreter's start) to offer every algorithm; shipwarden's start-up path only
ever asks for SHA-256 (fingerprints, cache keys), which CPython's own builtin module
computes with the same digests. Other algorithms, and other Pythons, use ``hashlib``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hashlib import sha256
else:
    try:
        from _sha256 import sha256  # CPython 3.11
    except ImportError:  # pragma: no cover - 3.12+ names it _sha2; other Pythons: hashlib
        try:
            from _sha2 import sha256
        except ImportError:
            from hashlib import sha256

__all__ = ["sha256"]
