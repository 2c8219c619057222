"""``endpoint-plaintext-credential-helper``: a tool configured to store credentials in plain text.

The catalogue names, per store, the settings that do it (``[[store.flags]]``:
a key path glob and a regex on the value, e.g. git's ``credential.helper =
store``); every parsed value of the file that matches one is a finding.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator

from shipwarden.core.catalogue import RuleMeta
from shipwarden.core.findings import Confidence, Finding, Location, Tier
from shipwarden.endpoint.evidence import StoreFile
from shipwarden.endpoint.parsers import Leaf
from shipwarden.endpoint.rules.common import COMMAND, ROW
from shipwarden.endpoint.sightings import safe_label

META = RuleMeta(
    id="endpoint-plaintext-credential-helper",
    row=ROW,
    tier=Tier.P2,
    confidence=Confidence.HIGH,
    title="tool configured to store credentials in plain text",
    command=COMMAND,
)


def flag_matches(path_glob: str, value_regex: str, leaf: Leaf) -> bool:
    return fnmatch.fnmatchcase(leaf.key_path.lower(), path_glob.lower()) and re.search(value_regex, leaf.value) is not None


def check(file: StoreFile) -> Iterator[Finding]:
    store, info = file.store, file.info
    for leaf in file.leaves:
        for flag in store.flags:
            if not flag_matches(flag.path, flag.value, leaf):
                continue
            safe = safe_label(leaf.key_path)
            yield META.finding(
                f"{flag.message} in {info.display} at `{safe}`",
                [Location(info.display, leaf.line, 1 if leaf.line else 0, label=safe)],
                key=f"{store.id}:{safe}",
                properties={"store": store.id, "key_path": safe, "fix": store.fix},
            )
