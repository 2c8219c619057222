"""Attack paths in a GitLab pipeline, with the concepts of :mod:`shipwarden.paths.search`:

* **entries** — jobs where text or code from outside the project runs: an outsider-chosen
  variable parsed as code (``gitlab-script-injection``), an agent reading a merge request
  (``gitlab-agent-mr-input``), and any job of merge request pipelines (the MR's own code,
  once fork MR pipelines run in this project);
* **carriers** — what outlives the entry job: artifacts handed on through ``needs:`` /
  ``dependencies:`` (or the default: every earlier stage), and caches with
  ``unprotect: true`` that protected refs restore;
* **capabilities** — publishing, ``id_tokens``, ``secrets:``, token variables.

Every GitLab entry needs one precondition (a member runs a fork's MR pipeline here, or
merges an MR whose title is code), so GitLab paths are P1, never P0. A path is reported
once per (entry job, terminal job) across jobs; a capability in the entry job itself is
already stated by the entry rule's finding. Findings use the shared
``attack-path`` rule.
"""

from __future__ import annotations

from shipwarden.ci.gitlab.facts import JobFacts, cache_key, job_facts, unprotected_cache
from shipwarden.ci.gitlab.model import Job, Pipeline
from shipwarden.ci.gitlab.reach import CONTEXTS, Tri
from shipwarden.ci.yamlspan import Mapping, Scalar, Sequence
from shipwarden.core.findings import Finding, Hop, Tier
from shipwarden.core.structs import struct
from shipwarden.paths.rule import META

DEFAULT_STAGES = [".pre", "build", "test", "deploy", ".post"]


@struct
class Entry:
    job: Job
    hop: Hop
    gate: str
    #: pipeline kinds where the entry's control exists
    contexts: tuple[str, ...]


def _capability(facts: JobFacts) -> str:
    parts: list[str] = []
    if facts.publishes:
        parts.append("publishes to " + ", ".join(sorted({r for _, r, _ in facts.publishes})))
    if facts.id_tokens is not None:
        parts.append("mints OIDC tokens " + ", ".join(k.value for k, _ in facts.id_tokens.items))
    if facts.vault_secrets is not None:
        parts.append("reads secrets " + ", ".join(k.value for k, _ in facts.vault_secrets.items))
    tokens = sorted({*facts.publish_tokens, *facts.secrets})
    if tokens:
        parts.append("holds " + ", ".join(f"${t}" for t in tokens[:4]))
    return "; ".join(parts)


def _entries(pipeline: Pipeline, findings: list[Finding]) -> list[Entry]:
    out: list[Entry] = []
    for f in findings:
        job = pipeline.job(str(f.properties.get("job", "")))
        if job is None or f.tier is Tier.P2:
            continue
        if f.rule_id == "gitlab-script-injection":
            gate = "a member runs the MR's pipeline here, or merges an MR whose title or commits carry code"
        elif f.rule_id == "gitlab-agent-mr-input":
            gate = "a member runs the agent job on an outsider's merge request"
        else:
            continue
        ctxs = tuple(c for c in CONTEXTS if job_facts(job).runs(c) is Tri.YES)
        out.append(Entry(job, Hop(f.primary, f.message.split(":", 1)[0], f.row), gate, ctxs))
    return out


def _stages(pipeline: Pipeline) -> list[str]:
    node = pipeline.top.get("stages")
    names = [i.value for i in node.items if isinstance(i, Scalar)] if isinstance(node, Sequence) else []
    return [".pre", *names, ".post"] if names else DEFAULT_STAGES


def _consumes(consumer: Job, producer: Job, order: list[str]) -> bool:
    """Does ``consumer`` download ``producer``'s artifacts in the same pipeline?"""
    needs = consumer.get("needs")
    deps = consumer.get("dependencies")
    for spec in (needs, deps):
        if isinstance(spec, Sequence):
            for item in spec.items:
                name = item.value if isinstance(item, Scalar) else None
                if isinstance(item, Mapping):
                    job = item.get("job")
                    art = item.get("artifacts")
                    if isinstance(art, Scalar) and art.value == "false":
                        continue
                    name = job.value if isinstance(job, Scalar) else None
                if name == producer.name:
                    return True
            return False
    stage = consumer.text("stage") or "test"
    pstage = producer.text("stage") or "test"
    if stage in order and pstage in order:
        return order.index(pstage) < order.index(stage)
    return False


def find_paths(pipeline: Pipeline, findings: list[Finding]) -> list[Finding]:
    out: list[Finding] = []
    seen: set[tuple[str, str]] = set()
    order = _stages(pipeline)
    for entry in _entries(pipeline, findings):
        # a capability in the entry job itself is already in the entry rule's finding
        if entry.job.get("artifacts") is None:
            continue
        for job in pipeline.jobs:
            if job is entry.job or (entry.job.name, job.name) in seen:
                continue
            facts = job_facts(job)
            cap = _capability(facts)
            if not cap or not any(facts.runs(c) is Tri.YES for c in entry.contexts):
                continue
            if _consumes(job, entry.job, order):
                carrier = Hop(entry.job.where(entry.job.get("artifacts"), "artifacts"), f"job '{entry.job.name}' hands on artifacts", 2)
                out.append(_path(entry, [carrier], job, cap, "artifact"))
                seen.add((entry.job.name, job.name))
    out.extend(_cache_paths(pipeline, seen))
    return out


def _cache_paths(pipeline: Pipeline, seen: set[tuple[str, str]]) -> list[Finding]:
    writers: list[tuple[Job, str, Mapping]] = []
    for job in pipeline.jobs:
        facts = job_facts(job)
        if facts.runs("mr") is not Tri.YES:
            continue
        for cache in facts.caches():
            policy = cache.get("policy")
            if unprotected_cache(cache) and not (isinstance(policy, Scalar) and policy.value == "pull"):
                writers.append((job, cache_key(cache), cache))
    out: list[Finding] = []
    for job in pipeline.jobs:
        facts = job_facts(job)
        cap = _capability(facts)
        if not cap or max(facts.runs("default"), facts.runs("tag")) is not Tri.YES:
            continue
        for cache in facts.caches():
            if not unprotected_cache(cache) or not facts.restores_cache(cache):
                continue
            for writer, key, wcache in writers:
                if key != cache_key(cache) or writer is job or (writer.name, job.name) in seen:
                    continue
                entry = Entry(
                    writer,
                    Hop(writer.location("merge request job"), f"job '{writer.name}' runs the merge request's code", 2),
                    "a member runs a fork's merge request pipeline in this project",
                    ("mr",),
                )
                carrier = [
                    Hop(writer.where(wcache, "cache"), f"it writes the cache '{key}' with unprotect: true", 2),
                    Hop(job.where(cache, "cache"), f"job '{job.name}' restores it on a protected ref", 2),
                ]
                out.append(_path(entry, carrier, job, cap, "cache"))
                seen.add((writer.name, job.name))
                break
    return out


def _path(entry: Entry, carrier: list[Hop], terminal: Job, capability: str, kind: str) -> Finding:
    cap_hop = Hop(terminal.location("capability"), f"job '{terminal.name}' {capability}", 5 if "publish" in capability else 3)
    hops = [entry.hop, *carrier, cap_hop]
    via = {"job": "in the same job", "artifact": "through its artifacts", "cache": "through an unprotected cache"}[kind]
    return META.finding(
        f"attack path (GitLab): outside control of job '{entry.job.name}' reaches job '{terminal.name}', which "
        f"{capability}, {via}. Precondition: {entry.gate}.",
        [entry.hop.location, cap_hop.location],
        tier=Tier.P1,
        key=f"gitlab\x1f{entry.job.name}\x1f{kind}\x1f{terminal.name}",
        hops=hops,
        properties={"provider": "gitlab", "entry": entry.job.name, "terminal": terminal.name, "via": kind},
    )
