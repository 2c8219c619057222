"""``uses:`` references: the memoised parse gives every step its own reference."""

from __future__ import annotations

import pytest

from shipwarden.ci.github.uses import parse_uses
from shipwarden.ci.yamlspan import Scalar


@pytest.mark.parametrize(
    ("text", "kind", "owner", "repo", "subpath", "ref", "ref_kind", "self_ref"),
    [
        ("actions/checkout@v4", "repo", "actions", "checkout", "", "v4", "tag", False),
        (" owner/repo/sub/dir@" + "a" * 40, "repo", "owner", "repo", "sub/dir", "a" * 40, "sha", False),
        ("owner/repo@main", "repo", "owner", "repo", "", "main", "branch", False),
        ("owner/repo", "repo", "owner", "repo", "", "", "none", False),
        ("./.github/actions/build", "local", "", "", "./.github/actions/build", "", "", False),
        (".", "local", "", "", ".", "", "", False),
        ("$/tools/act@v1", "local", "", "", "./tools/act", "", "", True),
        ("docker://alpine:3.20", "docker", "", "alpine:3.20", "", "", "tag", False),
        ("docker://alpine@sha256:" + "0" * 64, "docker", "", "alpine@sha256:" + "0" * 64, "", "", "digest", False),
    ],
)
def test_fields(text: str, kind: str, owner: str, repo: str, subpath: str, ref: str, ref_kind: str, self_ref: bool) -> None:
    first, second = Scalar(0, len(text), text), Scalar(100, 100 + len(text), text)
    a, b = parse_uses(first), parse_uses(second)  # the second parse is the memoised one
    assert (a.node, b.node) == (first, second)
    for uses in (a, b):
        assert (uses.raw, uses.kind, uses.owner, uses.repo, uses.subpath, uses.ref, uses.ref_kind, uses.self_ref) == (
            text.strip(),
            kind,
            owner,
            repo,
            subpath,
            ref,
            ref_kind,
            self_ref,
        )
    assert a.action == b.action
