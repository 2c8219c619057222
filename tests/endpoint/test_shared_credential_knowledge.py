"""One catalogue of credential stores (``data/credential_stores.toml``) feeds endpoint, deps and detonate.

``deps`` derives the credential paths install-time code must not read from it,
and ``detonate`` plants bait in its stores; these tests fail when either names
a store (a path or an id) the catalogue lacks, or stops following it.
"""

from __future__ import annotations

import fnmatch

import pytest

from shipwarden.deps.analysis.indicators import load_indicators
from shipwarden.detonate.bait import Profile, load_bait_table, make_bait
from shipwarden.detonate.rules import load_behaviour
from shipwarden.knowledge.credential_stores import credential_path_globs, load_catalogue


def _literal(glob: str) -> bool:
    return not any(ch in glob for ch in "*?[")


def test_store_for_finds_the_store_of_a_home_path() -> None:
    catalogue = load_catalogue()
    assert catalogue.store_for(".npmrc") is catalogue.store("npmrc")
    assert catalogue.store_for("~/.aws/credentials") is catalogue.store("aws-credentials")
    assert catalogue.store_for(".aws/sso/cache/0a1b.json") is catalogue.store("aws-token-cache")
    assert catalogue.store_for(".config/not-a-store/settings.json") is None
    assert catalogue.store_for("src/index.js") is None


def test_deps_reads_its_credential_paths_from_the_catalogue() -> None:
    catalogue = load_catalogue()
    ind = load_indicators()
    want = {(glob, store.id) for store in catalogue.stores for glob in store.globs()}
    assert {(g.glob, g.store) for g in ind.credential_globs} == want
    assert {g.glob for g in ind.credential_globs} == set(credential_path_globs())
    # every literal path of every store is recognised in script text, under any home spelling
    for store in catalogue.stores:
        for glob in filter(_literal, store.globs()):
            for home in ("~/", "$HOME/", "/home/runner/"):
                found = ind.credential_path(home + glob)
                assert found is not None, f"deps does not see {home}{glob} ({store.id})"
                assert catalogue.store_for(glob) is catalogue.store(found)


def test_every_bait_file_is_a_catalogued_store() -> None:
    catalogue = load_catalogue()
    unknown = [f.path for f in load_bait_table().files if catalogue.store_for(f.path) is None]
    assert unknown == [], f"detonate/data/bait.toml plants files the catalogue does not list: {unknown}"


@pytest.mark.parametrize("profile", list(Profile))
def test_bait_covers_every_catalogued_store_with_a_plain_path(profile: Profile) -> None:
    catalogue = load_catalogue()
    bait = make_bait(profile)
    planted = {catalogue.store_for(path).id for path in bait.files if catalogue.store_for(path) is not None}  # type: ignore[union-attr]
    for store in catalogue.stores:
        if any(_literal(g) for g in (*store.paths, *store.linux)):
            assert store.id in planted, f"no bait for {store.id} in the {profile.value} home"
    # the bait's own map of stores is the catalogue's
    assert set(bait.stores) == {s.id for s in catalogue.stores}


def test_detonate_expected_readers_name_catalogued_stores() -> None:
    ids = {s.id for s in load_catalogue().stores}
    unknown = sorted(set(load_behaviour().expected_readers) - ids)
    assert unknown == [], f"detonate/data/behaviour.toml [expected_readers] names unknown stores: {unknown}"


def test_a_bait_path_outside_the_catalogue_is_caught() -> None:
    """The check above would fail on a bait file for a store nobody catalogued."""
    catalogue = load_catalogue()
    assert catalogue.store_for(".config/made-up-tool/token.json") is None
    assert not any(
        fnmatch.fnmatchcase(".config/made-up-tool/token.json", g) for g in credential_path_globs()
    )
