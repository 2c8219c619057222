"""Settings for the whole suite: the table cache (``shipwarden.core.tablecache``) of
every test and of every command a test starts lives in a temporary folder, never
in the user's own cache.

Shared test helpers live beside this file (``fixture_harness``): pytest puts this
folder on ``sys.path`` for its conftest, so test modules in sub-folders import them."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

_CACHE = tempfile.mkdtemp(prefix="shipwarden-test-cache-")
os.environ["SHIPWARDEN_CACHE_DIR"] = _CACHE
atexit.register(shutil.rmtree, _CACHE, True)
