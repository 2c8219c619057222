"""The gate's policy, from ``[tool.shipwarden.gate]`` (or ``[gate]`` in ``.shipwarden.toml``).

[tool.shipwarden.gate]
allow-files = ["dist/*.map", "docs/internal/ARCHITECTURE.md"]  # ship these on purpose
max-size = "20 MB"          # unpacked size budget per artifact
max-files = 400             # file-count budget per artifact
max-growth = 2.0            # flag a release this many times bigger than --against
allow-install-scripts = ["postinstall"]               # any command
# or, pinned to the exact command:
# allow-install-scripts = { postinstall = "node scripts/postinstall.js" }
require-files-field = true  # npm: flag a package.json without `files`
secret-scan-budget = "64 MB"       # bytes searched for secrets per run
secret-scan-file-limit = "8 MiB"   # bytes searched for secrets per file
low-confidence-secrets = false     # also report generic `token = …` guesses in minified code
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from shipwarden.core.config import ConfigError, glob_match

_UNITS = {"": 1, "b": 1, "kb": 1000, "kib": 1024, "mb": 1000**2, "mib": 1024**2, "gb": 1000**3, "gib": 1024**3}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$")

KEYS = {
    "allow-files",
    "max-size",
    "max-files",
    "max-growth",
    "allow-install-scripts",
    "require-files-field",
    "secret-scan-budget",
    "secret-scan-file-limit",
    "low-confidence-secrets",
}


def parse_size(value: Any, key: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str):
        m = _SIZE.match(value)
        if m and m.group(2).lower() in _UNITS:
            return int(float(m.group(1)) * _UNITS[m.group(2).lower()])
    raise ConfigError(f'gate.{key}: expected a size such as 20000000, "20 MB" or "16 MiB", got {value!r}')


@dataclass(slots=True)
class GatePolicy:
    allow_files: list[str] = field(default_factory=list)
    max_size: int | None = None
    max_files: int | None = None
    max_growth: float = 2.0
    #: script name -> exact allowed command (None: any command)
    allow_install_scripts: dict[str, str | None] = field(default_factory=dict)
    require_files_field: bool = True
    secret_scan_budget: int = 64 * 1024 * 1024
    secret_scan_file_limit: int = 8 * 1024 * 1024
    #: Report low-confidence generic guesses in minified code too (hidden by default).
    low_confidence_secrets: bool = False

    def allows_file(self, path: str) -> bool:
        return any(glob_match(pattern, path) for pattern in self.allow_files)

    def allows_script(self, name: str, command: str) -> bool:
        if name not in self.allow_install_scripts:
            return False
        expected = self.allow_install_scripts[name]
        return expected is None or expected.strip() == command.strip()

    @classmethod
    def from_config(cls, table: Mapping[str, Any]) -> GatePolicy:
        unknown = sorted(set(table) - KEYS)
        if unknown:
            raise ConfigError(f"gate: unknown key {unknown[0]!r} (known: {', '.join(sorted(KEYS))})")
        policy = cls()
        if "allow-files" in table:
            value = table["allow-files"]
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
                raise ConfigError("gate.allow-files: expected a list of glob patterns")
            policy.allow_files = list(value)
        if "max-size" in table:
            policy.max_size = parse_size(table["max-size"], "max-size")
        if "max-files" in table:
            value = table["max-files"]
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ConfigError("gate.max-files: expected a positive integer")
            policy.max_files = value
        if "max-growth" in table:
            value = table["max-growth"]
            if not isinstance(value, int | float) or isinstance(value, bool) or value <= 1:
                raise ConfigError("gate.max-growth: expected a number above 1 (e.g. 2.0)")
            policy.max_growth = float(value)
        if "allow-install-scripts" in table:
            value = table["allow-install-scripts"]
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                policy.allow_install_scripts = dict.fromkeys(value)
            elif isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
                policy.allow_install_scripts = {str(k): str(v) for k, v in value.items()}
            else:
                raise ConfigError(
                    "gate.allow-install-scripts: expected a list of script names or a table of name = command"
                )
        if "require-files-field" in table:
            value = table["require-files-field"]
            if not isinstance(value, bool):
                raise ConfigError("gate.require-files-field: expected true or false")
            policy.require_files_field = value
        if "secret-scan-budget" in table:
            policy.secret_scan_budget = parse_size(table["secret-scan-budget"], "secret-scan-budget")
        if "secret-scan-file-limit" in table:
            policy.secret_scan_file_limit = parse_size(table["secret-scan-file-limit"], "secret-scan-file-limit")
        if "low-confidence-secrets" in table:
            value = table["low-confidence-secrets"]
            if not isinstance(value, bool):
                raise ConfigError("gate.low-confidence-secrets: expected true or false")
            policy.low_confidence_secrets = value
        return policy
