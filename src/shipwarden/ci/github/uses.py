"""``uses:`` references: repository actions, local and self-repository (``$/``) ones, Docker images."""

from __future__ import annotations

import re
from dataclasses import field
from functools import lru_cache

from shipwarden.ci.yamlspan import Scalar
from shipwarden.core.structs import struct

SHA_RE = re.compile(r"^[0-9a-f]{40}$|^[0-9a-f]{64}$")
VERSIONISH_RE = re.compile(r"^v?\d+(\.\d+){0,3}([-+._][0-9A-Za-z.-]+)?$")
DIGEST_RE = re.compile(r"@sha256:[0-9a-f]{64}$")


@struct(eq=False)
class Uses:
    """A ``uses:`` reference with its kind."""

    node: Scalar
    raw: str
    #: "repo", "local", "docker"
    kind: str
    owner: str = ""
    repo: str = ""
    subpath: str = ""
    ref: str = ""
    #: "sha", "tag", "branch", "none" (repo); "digest", "tag", "none" (docker); "" (local)
    ref_kind: str = ""
    #: a ``$/path`` self-repository reference: this repository at the running workflow's
    #: own commit (``subpath`` is then written ``./path``). Unlike ``./path`` it is not
    #: read from the workspace, so no checkout can replace it.
    self_ref: bool = False
    #: ``owner/repo[/path]`` lower-cased, the key into the actions table (made once: every rule asks)
    action: str = field(init=False, default="")

    def __post_init__(self) -> None:
        base = f"{self.owner}/{self.repo}".lower()
        self.action = f"{base}/{self.subpath.lower()}" if self.subpath else base

    @property
    def from_workspace(self) -> bool:
        """Is the referenced code read from the job's workspace (``./path``)?"""
        return self.kind == "local" and not self.self_ref

    @property
    def remote_key(self) -> str:
        """``owner/repo[/path]@ref`` (owner and name lower-cased): the key of a resolved
        remote action in :attr:`Repository.remote_actions`."""
        base = f"{self.owner}/{self.repo}".lower()
        return f"{base}/{self.subpath.strip('/')}@{self.ref}" if self.subpath else f"{base}@{self.ref}"

    @property
    def pinned(self) -> bool:
        return self.kind == "local" or self.ref_kind in ("sha", "digest")


def parse_uses(node: Scalar) -> Uses:
    raw = node.value.strip()
    return Uses(node, raw, *_reference(raw))


_Fields = tuple[str, str, str, str, str, str, bool]


@lru_cache(maxsize=4096)
def _reference(raw: str) -> _Fields:
    """``kind, owner, repo, subpath, ref, ref_kind, self_ref`` of a stripped ``uses:`` value
    (a pure function of the text, asked again for every step that uses the same action)."""
    if raw.startswith(("./", "../")) or raw == ".":
        return "local", "", "", raw, "", "", False
    if raw.startswith("$/"):
        # GitHub's self-repository syntax: same tree as ``./``, other provenance
        return "local", "", "", "./" + raw[2:].split("@", 1)[0], "", "", True
    if raw.startswith("docker://"):
        image = raw[len("docker://") :]
        if DIGEST_RE.search(image):
            kind = "digest"
        elif ":" in image.rsplit("/", 1)[-1]:
            kind = "tag"
        else:
            kind = "none"
        return "docker", "", image, "", "", kind, False
    name, _, ref = raw.partition("@")
    parts = name.split("/")
    owner = parts[0]
    repo = parts[1] if len(parts) > 1 else ""
    subpath = "/".join(parts[2:])
    if not ref:
        ref_kind = "none"
    elif SHA_RE.match(ref):
        ref_kind = "sha"
    elif VERSIONISH_RE.match(ref):
        ref_kind = "tag"
    else:
        ref_kind = "branch"
    return "repo", owner, repo, subpath, ref, ref_kind, False
