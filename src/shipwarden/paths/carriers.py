"""Carriers: state that outlives a job — the Actions cache, dispatches, artifacts."""

from __future__ import annotations

import re

from shipwarden.ci.github.artifacts import runs_download, said
from shipwarden.ci.github.facts import job_facts
from shipwarden.ci.github.knowledge import step_info
from shipwarden.ci.github.model import Job, Repository, Step, Workflow
from shipwarden.ci.github.records import JobFacts
from shipwarden.ci.github.steps import cache_keys_meet, fork_artifacts
from shipwarden.core.findings import Hop, Location
from shipwarden.paths.graph import Entry


def cache_restore(facts: JobFacts) -> tuple[Location, str] | None:
    for cache in facts.caches:
        if cache.restores:
            keys = ", ".join(f"`{k}`" for k in (cache.key, *cache.restore_keys) if k)
            where = f"({cache.action}{': ' + keys if keys else ''}){cache.inside}"
            return cache.location(), f"job `{facts.job.id}` restores the cache {where}"
    return None


def writer_hop(entry: Entry, restorer: JobFacts) -> Hop | None:
    """How the entry job's code reaches the restorer's cache key (None: it cannot).

    A key the entry's own cache step saves counts when it can meet a key the
    restorer looks up, on the runner OS each job runs on. Otherwise arbitrary code
    in the entry job can still save any key with the runner's cache token — unless
    the entry runs no code of its own (then there is no hop).
    """
    wanted = [c for c in restorer.caches if c.restores]
    entry_os, restorer_os = _job_os(entry.job), _job_os(restorer.job)
    for cache in job_facts(entry.job).caches:
        if cache.saves:
            saved = _resolve_os(cache.key, entry_os)
            for other in wanted:
                keys = tuple(_resolve_os(k, restorer_os) for k in (other.key, *other.restore_keys))
                if _keys_meet(saved, keys[0], keys[1:]):
                    return Hop(
                        cache.location(),
                        f"its post step saves the poisoned store as `{cache.key}` in the default branch's cache scope"
                        + cache.inside,
                        2,
                    )
    if not entry.code:
        return None
    return Hop(
        entry.hops[-1].location,
        "code running in the default branch's cache scope can save any cache key with the runner's cache token",
        2,
    )


_OS_EXPR = re.compile(r"\$\{\{\s*runner\.os\s*\}\}", re.IGNORECASE)


def _job_os(job: Job) -> str:
    """``runner.os`` of a job whose labels say it ("Linux", "Windows", "macOS"), else ""."""
    names = {label.lower() for label in job.runs_on}
    found = {
        os_name
        for os_name, hints in (("Linux", ("ubuntu",)), ("Windows", ("windows",)), ("macOS", ("macos",)))
        for label in names
        if label.startswith(hints)
    }
    return found.pop() if len(found) == 1 else ""


def _resolve_os(key: str, os_name: str) -> str:
    return _OS_EXPR.sub(os_name, key) if os_name else key


def _keys_meet(saved: str, key: str, restore_keys: tuple[str, ...]) -> bool:
    return cache_keys_meet(saved, key, restore_keys)


def dispatchable(repo: Repository, job: Job) -> list[Workflow]:
    """Workflows a token with actions: write can start (workflow_dispatch / repository_dispatch)."""
    facts = job_facts(job)
    if "actions" not in facts.writes and "contents" not in facts.writes:
        return []
    out = []
    for wf in repo.workflows:
        if "workflow_dispatch" in wf.triggers and "actions" in facts.writes or "repository_dispatch" in wf.triggers and "contents" in facts.writes:
            out.append(wf)
    return out


def _names(wf: Workflow) -> set[str]:
    """How other workflows may refer to ``wf``: its ``name:``, file name and path."""
    return {n for n in (wf.name or "", wf.path.rsplit("/", 1)[-1], wf.path) if n}


def fork_downloads(repo: Repository) -> list[tuple[Workflow, Job, Step]]:
    """Steps of the repository that download artifacts of another run (:func:`fork_artifacts`),
    in document order, with their workflow and job."""
    return [
        (wf, job, step)
        for wf in repo.workflows
        for job in wf.jobs
        for step in job_facts(job).artifact_downloads
        if fork_artifacts(step, wf)
    ]


def artifact_consumers(producer: Workflow, downloads: list[tuple[Workflow, Job, Step]]) -> list[Job]:
    """Jobs that download artifacts a run of ``producer`` made: ``workflow_run``
    followers fetching the triggering run's artifacts, and any job whose downloader
    names ``producer`` and may take a fork's run (``downloads``: :func:`fork_downloads`)."""
    consumers: list[Job] = []
    names = _names(producer)
    for wf, job, step in downloads:
        if consumers and consumers[-1] is job:
            continue
        trigger = wf.triggers.get("workflow_run")
        follows = trigger is not None and bool(names & set(trigger.filter("workflows")))
        info = step_info(step)
        named = step.with_.get(info.workflow_input) if info and info.workflow_input else None
        if (named is not None and named.value.strip() in names) or (named is None and follows):
            consumers.append(job)
    return consumers


def artifact_use(facts: JobFacts) -> tuple[Location, str] | None:
    order = {id(s): i for i, s in enumerate(facts.steps)}
    downloads = [order[id(s)] for s in facts.artifact_downloads]
    if not downloads:
        return None
    after = min(downloads)
    for write in facts.env_writes:
        if write.from_file and order.get(id(write.step), -1) > after and write.step.run is not None:
            loc = write.step.file.value_location(write.step.run, write.start, write.end, write.file)
            return loc, f"the artifact's content is exported to ${write.file} for every later step"
    for ex in facts.execs:
        at = order.get(id(ex.step), -1)
        if at <= after:
            continue
        for s in facts.artifact_downloads:
            land = runs_download(ex, s, facts.steps) if order[id(s)] < at else None
            if land is not None:
                return ex.location(), f"the artifact's content runs: {said(ex, land)}"
    return None
