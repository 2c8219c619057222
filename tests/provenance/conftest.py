from __future__ import annotations

from pathlib import Path

import pytest
from provhelpers import FIXTURES


@pytest.fixture
def fixtures() -> Path:
    if not (FIXTURES / "bundleV03-dsse.sigstore").is_file():
        pytest.skip(f"the shared provenance fixtures are absent ({FIXTURES})")
    return FIXTURES
