"""The pieces of a GitHub attack path: an entry, the carriers, a capability."""

from __future__ import annotations

import re
from dataclasses import field

from shipwarden.ci.github.model import Job
from shipwarden.core.digest import sha256
from shipwarden.core.findings import Hop
from shipwarden.core.structs import struct

#: Write scopes that end a path on their own (they publish, push or dispatch).
POWER_SCOPES = ("contents", "actions", "packages", "id-token", "deployments")


@struct
class Entry:
    """Outsider control of a job: how it gets in, as hops."""

    job: Job
    event: str
    hops: list[Hop]
    rows: set[int]
    gate: str = ""  # a remaining precondition (label, agent write-access check, ...)
    code: bool = True  # arbitrary code runs (not only text steering an agent)


@struct
class Capability:
    job: Job
    hop: Hop
    summary: str
    gate: str = ""
    write_only: bool = False


@struct
class Path:
    entry: Entry
    carrier: list[Hop]
    capability: Capability
    rows: set[int] = field(default_factory=set)
    #: how the entry's control travels: "job" (the entry job itself), "cache",
    #: "dispatch", "artifact" or "runner" — with the entry, the root cause
    kind: str = "job"
    #: a precondition on the carrier itself (GitHub's read-only cache token for the entry's trigger)
    via_gate: str = ""

    @property
    def hops(self) -> list[Hop]:
        return [*self.entry.hops, *self.carrier, self.capability.hop]

    @property
    def gate(self) -> str:
        return self.entry.gate or self.via_gate or self.capability.gate

    @property
    def ident(self) -> str:
        """A stable id: the files and wording of the hops, not their line numbers (so a
        baselined path stays baselined when code moves) nor the branch it was read from."""
        basis = "|".join(f"{h.location.path}\x1f{h.description}" for h in self.hops)
        repo = self.entry.job.workflow.repo
        if repo is not None and repo.ref is not None:
            basis = basis.replace(f"{repo.ref}:", "")
        # a remote action's commit and lines move with its ref; the id stays
        basis = _REMOTE_AT.sub("", basis)
        return "path-" + sha256(basis.encode()).hexdigest()[:12]


#: ``@<sha>[:line:col]`` of a location inside a remote action (``owner/repo/action.yml@sha``)
_REMOTE_AT = re.compile(r"@[0-9a-f]{40}(?::\d+){0,2}")
