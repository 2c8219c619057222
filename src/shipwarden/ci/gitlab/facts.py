"""What each GitLab job does, from its scripts (the shared tree-sitter shell analysis) and
keywords: installs, publishes, secrets it holds, caches it restores, where it runs."""

from __future__ import annotations

import re
from dataclasses import field

from shipwarden.ci.gitlab.model import Job, flatten, secret_name, table
from shipwarden.ci.gitlab.reach import Reach, Tri, reaches
from shipwarden.ci.shell import Command, EventKind, ShellFacts, analyze
from shipwarden.ci.yamlspan import Mapping, Node, Scalar, Sequence
from shipwarden.core.structs import struct

_VAR = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?")


@struct
class Script:
    section: str
    node: Scalar
    facts: ShellFacts


@struct
class JobFacts:
    job: Job
    scripts: list[Script] = field(default_factory=list)
    reach: dict[str, Reach] = field(default_factory=dict)
    #: registry publishes: (script, event registry, command start offset)
    publishes: list[tuple[Script, str, int]] = field(default_factory=list)
    #: installs that run install-time code: (script, tool, command start offset, what runs
    #: as a key of the shell table's [install_code])
    installs: list[tuple[Script, str, int, str]] = field(default_factory=list)
    #: project secrets the job reads (variable names) and where
    secrets: dict[str, Node] = field(default_factory=dict)
    publish_tokens: dict[str, Node] = field(default_factory=dict)

    def runs(self, ctx: str) -> Tri:
        return self.reach[ctx].tri

    @property
    def id_tokens(self) -> Mapping | None:
        node = self.job.get("id_tokens")
        return node if isinstance(node, Mapping) and node.items else None

    @property
    def vault_secrets(self) -> Mapping | None:
        node = self.job.get("secrets")
        return node if isinstance(node, Mapping) and node.items else None

    @property
    def holds_secrets(self) -> bool:
        return bool(self.secrets or self.id_tokens or self.vault_secrets or self.publish_tokens)

    @property
    def publishes_somewhere(self) -> bool:
        return bool(self.publishes)

    def caches(self) -> list[Mapping]:
        node = self.job.get("cache")
        items = node.items if isinstance(node, Sequence) else [node] if node is not None else []
        return [c for c in items if isinstance(c, Mapping)]

    def restores_cache(self, cache: Mapping) -> bool:
        policy = cache.get("policy")
        return not (isinstance(policy, Scalar) and policy.value == "push")


def _is_publish_token(name: str) -> bool:
    creds = table()["credentials"]
    if name in creds["publish_tokens"]:
        return True
    return any(re.search(p, name) for p in creds["publish_token_patterns"])


_EXACT = re.compile(r"^(@[^/\s]+/)?[^@\s]+@\d+\.\d+\.\d+$")


def _pinned_global(sf: ShellFacts, index: int) -> bool:
    """``npm install -g tool@1.2.3``: one exact tool version, not the project's dependency tree."""
    if not 0 <= index < len(sf.commands):
        return False
    words = [w.value or "" for w in sf.commands[index].argv[1:]]
    if not any(w in ("-g", "--global") for w in words):
        return False
    packages = [w for w in words if not w.startswith("-") and w not in ("install", "i", "add")]
    return bool(packages) and all(_EXACT.match(p) for p in packages)


def referenced(text: str) -> list[str]:
    return [m.group(1) for m in _VAR.finditer(text)]


def job_facts(job: Job) -> JobFacts:
    cached = job.pipeline.memo.get(id(job))
    if isinstance(cached, JobFacts):
        return cached
    facts = JobFacts(job)
    facts.reach = reaches(job)
    job_scoped = set(table()["credentials"]["job_scoped"])
    name_re = secret_name()
    for section, node in job.scripts():
        sf = analyze(node.value, "bash")
        script = Script(section, node, sf)
        facts.scripts.append(script)
        for ev in sf.events:
            if ev.kind == EventKind.PUBLISH and ev.registry:
                facts.publishes.append((script, ev.registry, ev.start))
            elif ev.kind == EventKind.INSTALL and ev.scripts and not _pinned_global(sf, ev.command):
                facts.installs.append((script, ev.tool, ev.start, ev.code))
        for name in referenced(node.value):
            if name in job_scoped or name.startswith("CI_"):
                continue
            if _is_publish_token(name):
                facts.publish_tokens.setdefault(name, node)
            elif name_re.search(name):
                facts.secrets.setdefault(name, node)
    for name, value in job.variables().items():
        for ref in referenced(value.value):
            if ref in job_scoped or ref.startswith("CI_"):
                continue
            if _is_publish_token(ref) or _is_publish_token(name):
                facts.publish_tokens.setdefault(ref, value)
    job.pipeline.memo[id(job)] = facts
    return facts


def unprotected_reach(facts: JobFacts) -> list[tuple[str, str, str]]:
    """The unprotected pipelines (``mr``, ``branch``) the job surely runs in without a manual
    gate, as (context, the pipelines as said, whose code runs there) from ``[reach]`` in the table."""
    said = table()["reach"]
    return [
        (c, said[c]["runs"], said[c]["who"])
        for c in ("mr", "branch")
        if facts.runs(c) is Tri.YES and not facts.reach[c].manual
    ]


def commands(facts: JobFacts) -> list[tuple[Script, Command]]:
    return [(s, c) for s in facts.scripts for c in s.facts.commands]


def image_name(node: Node | None) -> Scalar | None:
    if isinstance(node, Scalar):
        return node
    if isinstance(node, Mapping):
        name = node.get("name")
        return name if isinstance(name, Scalar) else None
    return None


def services(job: Job) -> list[tuple[Scalar, Node]]:
    out: list[tuple[Scalar, Node]] = []
    for item in (job.get("services").items if isinstance(job.get("services"), Sequence) else []):  # type: ignore[union-attr]
        name = image_name(item)
        if name is not None:
            out.append((name, item))
    return out


def runner_tags(job: Job) -> list[Scalar]:
    return flatten(job.get("tags"))


def cache_key(cache: Mapping) -> str:
    """A cache's key as jobs that share the cache would compare it."""
    key: Node | None = cache.get("key")
    if isinstance(key, Scalar):
        return key.value
    if isinstance(key, Mapping):
        files = key.get("files")
        prefix = key.get("prefix")
        return f"files:{files.start if files else ''}:{prefix.value if isinstance(prefix, Scalar) else ''}"
    return "default"


def unprotected_cache(cache: Mapping) -> Scalar | None:
    """The ``unprotect: true`` of a cache (protected and unprotected refs share it), if set."""
    flag = cache.get("unprotect")
    return flag if isinstance(flag, Scalar) and flag.value == "true" else None
