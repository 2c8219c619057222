"""Findings, locations, hops, coverage and scan errors pickle as a call of their class
(scan workers send them to the parent): the copy equals the original, field by field."""

from __future__ import annotations

import copy
import dataclasses
import pickle

import pytest

from shipwarden.core.findings import Confidence, Coverage, Finding, Hop, Location, ScanError, Tier


def _finding() -> Finding:
    loc = Location(".github/workflows/ci.yml", 3, 5, 3, 9, label="uses", snippet="uses: a/b@v1")
    hop = Hop(Location("x.yml", 1), "runs", 2)
    return Finding(
        "unpinned-uses", 2, Tier.P1, Confidence.HIGH, "message", [loc], key="job:step", hops=[hop],
        flows=[[hop]], paths=["path-1"], rule_tier=Tier.P2, properties={"a": [1, "b"], "c": None},
        previous_key="old", previous_path="old.yml", fingerprint_pin="",
    )


@pytest.mark.parametrize(
    "value",
    [
        _finding(),
        dataclasses.replace(_finding(), fingerprint_pin="0123456789abcdef0123"),
        Location("a.yml", 1, 2, 3, 4, "label", "snippet"),
        Hop(Location("a.yml"), "hop", 7),
        ScanError("a.yml", "bad", "yaml", 3),
        Coverage("lock", "install-time code", "packages", 3, 1, 1, "why", "run this", "npm 3"),
    ],
)
def test_round_trip(value: object) -> None:
    for protocol in (2, pickle.HIGHEST_PROTOCOL):
        back = pickle.loads(pickle.dumps(value, protocol))
        assert type(back) is type(value)
        assert dataclasses.astuple(back) == dataclasses.astuple(value)  # type: ignore[call-overload]
    assert copy.deepcopy(value) == value


def test_fingerprints_survive_the_trip() -> None:
    finding = _finding()
    back = pickle.loads(pickle.dumps(finding))
    assert (back.fingerprint, back.previous_fingerprint) == (finding.fingerprint, finding.previous_fingerprint)


def test_tier_rank() -> None:
    assert [t.rank for t in Tier] == [0, 1, 2]
    assert Tier.P0.at_least(Tier.P1) and not Tier.P2.at_least(Tier.P1)
