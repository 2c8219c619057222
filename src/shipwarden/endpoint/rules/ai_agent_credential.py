"""``endpoint-ai-agent-credential``: an API key or MCP server token in an AI-agent configuration (``~/.claude.json``,
``~/.cursor/mcp.json``, ``~/.codex/`` …).

Every credential the sweep sees in a store the catalogue assigns to this rule
(by its category) is one finding; the tier follows the store: P1 when it can
publish or push (:func:`shipwarden.endpoint.rules.common.tier_for`).
"""

from __future__ import annotations

from shipwarden.core.catalogue import RuleMeta
from shipwarden.core.findings import Confidence, Tier
from shipwarden.endpoint.rules.common import COMMAND, ROW, stored_credentials

META = RuleMeta(
    id="endpoint-ai-agent-credential",
    row=ROW,
    tier=Tier.P2,
    confidence=Confidence.HIGH,
    title="API key or MCP server token in an AI-agent configuration",
    command=COMMAND,
)

check = stored_credentials(META)
