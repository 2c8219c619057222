"""Settings for the whole suite: the table cache (``shipwarden.core.tablecache``) of
every test and of every command a test starts lives in a temporary folder, never
in the user's own cache."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

_CACHE = tempfile.mkdtemp(prefix="shipwarden-test-cache-")
os.environ["SHIPWARDEN_CACHE_DIR"] = _CACHE
atexit.register(shutil.rmtree, _CACHE, True)
