"""Test, example and documentation material inside a package, told from the code users run.

A test suite's TLS key or ``tests/apps/.env`` is a fixture, not the
maintainer's configuration: the never-ship and secret checks lower their tier
there and say why.
"""

from __future__ import annotations

import re

#: Folders that hold test fixtures (a secret there gets the "use an obviously fake value" advice).
TEST_DIRS = re.compile(r"(^|/)(tests?|__tests__|spec|fixtures?|__fixtures__|testdata)/", re.I)
#: Folders and files that hold test, example or documentation material rather
#: than code users run: test suites and their fixtures (``tests/``,
#: ``test_creds/``, ``integration-tests/``, ``dummyserver/``, ansible's
#: ``molecule/`` scenarios), examples and docs.
_NONPROD_DIR = re.compile(
    r"^(?:tests?|testing|__tests__|__mocks__|specs?|fixtures?|__fixtures__|testdata|test[_-].+|.+[_-]tests?"
    r"|dummy.*|mocks?|fakes?|molecule|examples?|samples?|demos?|docs?|documentation)$",
    re.IGNORECASE,
)
_NONPROD_FILE = re.compile(
    r"^(?:test_.+|.+_test\.\w+|.+\.(?:test|spec)\.\w+|readme(?:\.\w+)?|.+\.(?:md|markdown|rst|adoc)"
    r"|(?:.+[._-])?examples?(?:[._-].+)?\.(?:json|ya?ml|toml|txt))$",
    re.IGNORECASE,
)


def non_production(path: str) -> str:
    """``"test"`` or ``"docs"`` when ``path`` is test, example or documentation material, else ``""``."""
    parts = [p for p in path.replace("\\", "/").split("/") if p not in ("", ".", "..")]
    if not parts:
        return ""
    for part in parts[:-1]:
        if _NONPROD_DIR.match(part):
            low = part.lower()
            return "docs" if low.startswith(("doc", "example", "sample", "demo")) else "test"
    name = parts[-1]
    if _NONPROD_FILE.match(name):
        low = name.lower()
        return "test" if ("test" in low or "spec" in low) else "docs"
    return ""
