"""``permissions:`` blocks: the scopes GitHub knows, a parsed grant, the widest of several grants."""

from __future__ import annotations

from dataclasses import field

from shipwarden.ci.sourcefile import SourceFile
from shipwarden.ci.yamlspan import Mapping, Node, Scalar
from shipwarden.core.findings import Location
from shipwarden.core.structs import struct

#: Permission scopes GitHub knows (``permissions:`` keys).
PERMISSION_SCOPES = (
    "actions",
    "attestations",
    "checks",
    "contents",
    "deployments",
    "discussions",
    "id-token",
    "issues",
    "models",
    "packages",
    "pages",
    "pull-requests",
    "repository-projects",
    "security-events",
    "statuses",
)


@struct(eq=False)
class Permissions:
    """``permissions:`` at workflow or job level."""

    node: Node
    #: "map", "read-all", "write-all", "none" (``{}``) or "expression"
    kind: str
    scopes: dict[str, str] = field(default_factory=dict)
    scope_nodes: dict[str, Scalar] = field(default_factory=dict)
    #: the file the block is written in (a caller's, for an inherited grant)
    file: SourceFile | None = None
    #: per scope, the file of ``scope_nodes[scope]`` when it differs from ``file``
    scope_files: dict[str, SourceFile] = field(default_factory=dict)

    def location(self, scope: str, label: str = "") -> Location | None:
        """Where ``scope`` is granted (the scope's line, else the whole block)."""
        file = self.scope_files.get(scope, self.file)
        if file is None:
            return None
        return file.location(self.scope_nodes.get(scope) or self.node, label)

    def level(self, scope: str) -> str:
        """'write', 'read' or 'none' for a scope."""
        if self.kind == "write-all":
            return "write"
        if self.kind == "read-all":
            return "read"
        return self.scopes.get(scope, "none")

    def writes(self) -> list[str]:
        if self.kind == "write-all":
            return list(PERMISSION_SCOPES)
        return sorted(s for s, v in self.scopes.items() if v == "write")


_LEVEL_RANK = {"none": 0, "read": 1, "write": 2}


def widest(grants: list[Permissions]) -> Permissions:
    """One grant holding, per scope, the highest level any of ``grants`` gives."""
    if len(grants) == 1:
        return grants[0]
    for grant in grants:
        if grant.kind in ("write-all", "expression"):
            return grant
    merged = Permissions(grants[0].node, "map", file=grants[0].file)
    for grant in grants:
        for scope, level in grant.scopes.items():
            if _LEVEL_RANK.get(level, 0) > _LEVEL_RANK.get(merged.scopes.get(scope, "none"), 0):
                merged.scopes[scope] = level
                if scope in grant.scope_nodes:
                    merged.scope_nodes[scope] = grant.scope_nodes[scope]
                    if grant.file is not None:
                        merged.scope_files[scope] = grant.scope_files.get(scope, grant.file)
        if grant.kind == "read-all":
            for scope in PERMISSION_SCOPES:
                if merged.scopes.get(scope, "none") == "none":
                    merged.scopes[scope] = "read"
    if not merged.scopes:
        merged.kind = "none"
    return merged


def parse_permissions(node: Node | None, file: SourceFile | None = None) -> Permissions | None:
    if node is None:
        return None
    if isinstance(node, Scalar):
        value = node.value.strip()
        if value in ("read-all", "write-all"):
            return Permissions(node, value, file=file)
        if value in ("", "{}"):
            return Permissions(node, "none", file=file)
        return Permissions(node, "expression", file=file)
    if isinstance(node, Mapping):
        perms = Permissions(node, "map" if node.items else "none", file=file)
        for k, v in node.items:
            if isinstance(v, Scalar):
                perms.scopes[k.value] = v.value.strip()
                perms.scope_nodes[k.value] = v
        return perms
    return Permissions(node, "expression", file=file)
