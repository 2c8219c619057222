"""``endpoint-git-credential``: a git hosting token or password in a plain file (``~/.config/gh/hosts.yml``,
``~/.git-credentials``, ``~/.netrc``, a token in a ``~/.gitconfig`` URL …).

Every credential the sweep sees in a store the catalogue assigns to this rule
(by its category) is one finding; the tier follows the store: P1 when it can
publish or push (:func:`shipwarden.endpoint.rules.common.tier_for`).
"""

from __future__ import annotations

from shipwarden.core.catalogue import RuleMeta
from shipwarden.core.findings import Confidence, Tier
from shipwarden.endpoint.rules.common import COMMAND, ROW, stored_credentials

META = RuleMeta(
    id="endpoint-git-credential",
    row=ROW,
    tier=Tier.P1,
    confidence=Confidence.HIGH,
    title="git hosting token or password in a plain file",
    command=COMMAND,
)

check = stored_credentials(META)
