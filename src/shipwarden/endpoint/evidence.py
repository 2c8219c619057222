"""What the sweep collects for the rules: one record per credential file, one per environment variable."""

from __future__ import annotations

from dataclasses import dataclass

from shipwarden.endpoint.files import FileInfo
from shipwarden.endpoint.parsers import Leaf
from shipwarden.endpoint.sightings import Sighting
from shipwarden.knowledge.credential_stores import StoreEntry


@dataclass(frozen=True, slots=True)
class StoreFile:
    """A catalogued store file and what the sweep saw in it."""

    store: StoreEntry
    info: FileInfo
    #: Credentials in it, one per fingerprint, in file order.
    sightings: tuple[Sighting, ...]
    #: Its parsed values (empty for text, key and unparsable files).
    leaves: tuple[Leaf, ...] = ()
    #: Passphrase-protected private keys in it.
    protected: int = 0
    #: ``--fix-permissions`` made it owner-only during this sweep.
    permissions_fixed: bool = False

    @property
    def holds_credentials(self) -> bool:
        return bool(self.sightings) or self.protected > 0


@dataclass(frozen=True, slots=True)
class EnvVariable:
    """An environment variable of the swept process and the credentials in its value."""

    name: str
    sightings: tuple[Sighting, ...]
    #: The name is one that registries and CI read a publish token from (``NPM_TOKEN``, ``TWINE_PASSWORD``…).
    publish_name: bool
