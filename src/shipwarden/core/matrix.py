"""The seven release-surface classes (matrix rows) as data."""

from __future__ import annotations

from shipwarden.core.structs import struct


@struct(frozen=True)
class Row:
    number: int
    name: str
    mechanism: str
    mitigation: str


ROWS: dict[int, Row] = {
    row.number: row
    for row in (
        Row(
            1,
            "Developer and runner credential stores",
            "plain-file tokens on laptops and runners are harvested by a worm or thief",
            "keychains and credential helpers, short-lived tokens, tight file permissions",
        ),
        Row(
            2,
            "CI runner trust boundaries",
            "a privileged trigger runs outsider code or writes state a trusted job later consumes",
            "never run PR code in privileged contexts; isolate caches, artifacts and runners",
        ),
        Row(
            3,
            "OIDC and trusted-publisher scoping",
            "id-token: write sits beside caches, installs or unpinned actions",
            "a publish-only job in a protected environment holds the OIDC grant",
        ),
        Row(
            4,
            "Dependency lifecycle hooks",
            "install-time code (npm scripts, .pth files, setup.py) runs on every install",
            "ignore scripts by default, allowlist reviewed hooks, pin and hash",
        ),
        Row(
            5,
            "Registry publish gates",
            "publishes with long-lived tokens, without approval, from outsider-influenced refs",
            "trusted publishing from a protected environment on release tags only",
        ),
        Row(
            6,
            "Release packaging review",
            "the artifact ships source maps, secrets or internal files",
            "a files allowlist and a review of the packed artifact against the last release",
        ),
        Row(
            7,
            "Agent and automation input sanitization",
            "attacker-controlled text reaches a shell, script or AI agent holding a token",
            "pass untrusted text through environment variables and quoted arguments; gate agents",
        ),
    )
}


def row_title(number: int) -> str:
    return f"Row {number}: {ROWS[number].name}"
