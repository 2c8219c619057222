"""Library API of ``shipwarden scan``: load repositories, run the workflow rules.

``scan_roots`` spreads several roots over worker processes; each root is
loaded once into the model and every rule sees that same model.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import field, replace
from functools import cache
from pathlib import Path

import shipwarden.ci.github.rules as rule_modules
from shipwarden.ci import shell
from shipwarden.ci.github import contexts, knowledge
from shipwarden.ci.github.loader import LoadResult, branch_refs, load_directory, load_git_ref
from shipwarden.ci.github.model import REMOTE_FILE_RE, Repository, RunnerLabels, Workflow
from shipwarden.ci.github.remote import ActionSource, Resolver, attach_callers, resolve_remote_actions
from shipwarden.ci.github.rules.action_definition import check_actions
from shipwarden.ci.providers import scan_providers
from shipwarden.core import forkpool, safeio
from shipwarden.core.catalogue import RuleMeta, rule_checks
from shipwarden.core.findings import Coverage, Finding, Location, Report, ScanError
from shipwarden.core.progress import SILENT, Progress
from shipwarden.core.structs import struct
from shipwarden.paths.search import apply_paths
from shipwarden.paths.unseen import unseen_actions
from shipwarden.reporting import emit
from shipwarden.reporting.emit import Redactions
from shipwarden.secrets import redactor

CheckFn = Callable[[Workflow, Repository], Iterable[Finding]]


@struct(frozen=True)
class WorkflowRule:
    meta: RuleMeta
    check: CheckFn = field(compare=False)


@cache
def load_rules() -> tuple[WorkflowRule, ...]:
    """The ``@workflow_rule`` checks of ``shipwarden.ci.github.rules``, in module-name order."""
    return tuple(WorkflowRule(meta, check) for meta, check in rule_checks(rule_modules.__name__))


@struct
class RootResult:
    findings: list[Finding] = field(default_factory=list)
    errors: list[ScanError] = field(default_factory=list)
    files: int = 0
    workflows: int = 0
    #: what the scan could not see (remote actions not read)
    coverage: list[Coverage] = field(default_factory=list)
    #: the findings' strings redacted by the worker that scanned the root (several roots over workers)
    redactions: Redactions | None = None
    #: files of the checkout read whole and found without a ``shipwarden`` comment (:attr:`Report.plain_sources`)
    plain_sources: list[str] = field(default_factory=list)


def warm() -> None:
    """Load the data tables and modules every worker needs, once, before forking.

    Worker processes then inherit them instead of each parsing the TOML tables again.
    """
    load_rules()
    shell.load_tables()
    contexts._table()
    knowledge.action_table()
    knowledge.event_table()
    knowledge.pr_code_patterns()


def _internal_error(path: str, rule: str, exc: BaseException) -> ScanError:
    return ScanError(path, f"rule {rule} failed: {type(exc).__name__}: {exc}", "internal")


def run_rules(repo: Repository, rules: Iterable[WorkflowRule] | None = None) -> RootResult:
    """Run every workflow rule over a loaded repository (and its attack paths)."""
    result = RootResult(workflows=len(repo.workflows))
    for wf in repo.workflows:
        for rule in rules if rules is not None else load_rules():
            try:
                result.findings.extend(rule.check(wf, repo))
            except Exception as exc:  # noqa: BLE001 - one broken rule must not end the scan
                result.errors.append(_internal_error(wf.path, rule.meta.id, exc))
    _action_rules(repo, result)
    try:
        result.findings = apply_paths(repo, result.findings)
    except Exception as exc:  # noqa: BLE001
        result.errors.append(_internal_error(repo.root, "paths", exc))
    return result


def _prefix(findings: list[Finding], prefix: str) -> None:
    if not prefix:
        return
    moved: dict[str, str | None] = {}  # a path -> under the prefix; None: a remote action's file, kept

    def move(loc: Location) -> Location:
        path = moved.get(loc.path, "")
        if path == "":
            # a remote action's file (owner/repo/…@sha) is no path under the root
            path = moved[loc.path] = None if REMOTE_FILE_RE.search(loc.path) else prefix + loc.path
        if path is None:
            return loc
        return Location(path, loc.line, loc.column, loc.end_line, loc.end_column, loc.label, loc.snippet)

    for f in findings:
        f.locations = [move(loc) for loc in f.locations]
        if f.hops:
            for i, hop in enumerate(f.hops):
                f.hops[i] = type(hop)(move(hop.location), hop.description, hop.row)
        if f.flows:
            f.flows = [[type(hop)(move(hop.location), hop.description, hop.row) for hop in flow] for flow in f.flows]


def scan_root(
    root: str,
    prefix: str = "",
    all_branches: bool = False,
    paths: bool = True,
    runner_labels: RunnerLabels | None = None,
    actions: ActionSource | None = None,
) -> RootResult:
    """Scan one repository root (a checkout) and, optionally, all its branches.
    With ``actions``, remote composite actions are read (:mod:`shipwarden.ci.github.remote`)."""
    path = Path(root)
    base = safeio.Root(path)  # one listing of each folder for every provider's discovery
    loads: list[LoadResult] = [load_directory(path, base=base)]
    if all_branches:
        try:
            refs = branch_refs(path)
        except OSError as exc:
            refs = []
            loads[0].errors.append(ScanError(prefix or ".", f"--all-branches: {exc}", "git"))
        blobs: dict[bytes, bytes] = {}
        loads.extend(load_git_ref(path, ref, blobs) for ref in refs)
    total = RootResult()
    seen: set[str] = set()
    noted: set[tuple[str, str]] = set()  # coverage notes by (path without the ref, reason)
    # one resolver per root: every branch's `@main` is fetched once
    resolver = Resolver(actions) if actions is not None else None
    for loaded in loads:
        loaded.repo.runner_labels = runner_labels
        total.files += loaded.files
        total.errors.extend(loaded.errors)
        _remote_actions(loaded.repo, resolver, total, noted)
        res = run_rules(loaded.repo) if paths else _run_rules_no_paths(loaded.repo)
        if loaded.repo.remote_actions:
            attach_callers(loaded.repo, res.findings)
        total.errors.extend(res.errors)
        total.workflows += res.workflows
        ref = loaded.repo.ref
        for f in res.findings:
            # a finding identical on several branches is reported once (the first ref);
            # its key and message name files as ``ref:path`` on other branches
            ident = f"{f.rule_id}\x1f{f.primary.path}\x1f{f.key or f.message}"
            if ref is not None:
                ident = ident.replace(f"{ref}:", "")
                if ident in seen:
                    continue
            seen.add(ident)
            total.findings.append(f)
    _providers(path, total, paths, base)
    total.plain_sources = _plain_sources(loads[0].repo, prefix)
    _prefix(total.findings, prefix)
    if prefix:
        total.coverage = [replace(c, path=prefix + c.path) for c in total.coverage]
        total.errors = [
            e if REMOTE_FILE_RE.search(e.path) else ScanError(prefix + e.path, e.message, e.kind, e.line)
            for e in total.errors
        ]
    return total


def _plain_sources(repo: Repository, prefix: str) -> list[str]:
    """The checkout's workflow and action files whose text holds no ``shipwarden`` (so no
    suppression comment): the suppression pass after the scan need not read them again."""
    files = [wf.file for wf in repo.workflows] + [action.file for action in repo.actions.values()]
    return [prefix + f.path for f in files if "shipwarden" not in f.source.text and not REMOTE_FILE_RE.search(f.path)]


def _remote_actions(
    repo: Repository, resolver: Resolver | None, total: RootResult, noted: set[tuple[str, str]]
) -> None:
    """Read remote composite actions (``resolver``), or note the ones privileged jobs call unread:
    a note the same on several branches (``ref:path`` there) is kept once, as findings are."""
    if not repo.workflows:
        return
    try:
        if resolver is not None:
            total.errors.extend(resolve_remote_actions(repo, resolver.source, resolver))
        else:
            for c in unseen_actions(repo):
                key = (c.path.replace(f"{repo.ref}:", "", 1) if repo.ref is not None else c.path, c.reason)
                if key not in noted:
                    noted.add(key)
                    total.coverage.append(c)
    except Exception as exc:  # noqa: BLE001 - the workflows are still scanned
        total.errors.append(_internal_error(repo.root, "remote-actions", exc))


def _providers(path: Path, total: RootResult, paths: bool, base: safeio.Root) -> None:
    """GitLab CI and Jenkins (``shipwarden.ci``) beside the GitHub workflows."""
    try:
        res = scan_providers(path, paths, base)
    except Exception as exc:  # noqa: BLE001
        total.errors.append(_internal_error(str(path), "ci", exc))
        return
    total.findings.extend(res.findings)
    total.errors.extend(res.errors)
    total.files += res.files
    total.workflows += res.pipelines


def _run_rules_no_paths(repo: Repository) -> RootResult:
    result = RootResult(workflows=len(repo.workflows))
    for wf in repo.workflows:
        for rule in load_rules():
            try:
                result.findings.extend(rule.check(wf, repo))
            except Exception as exc:  # noqa: BLE001
                result.errors.append(_internal_error(wf.path, rule.meta.id, exc))
    _action_rules(repo, result)
    return result


def _action_rules(repo: Repository, result: RootResult) -> None:
    """Action definitions no workflow reaches (an action repository's product)."""
    if not repo.published_actions:
        return
    try:
        # a finding the workflow rules already made at the same place (an action a
        # workflow reaches, judged in context) is not repeated
        seen = {(f.rule_id, f.primary.path, f.primary.line) for f in result.findings}
        result.findings.extend(
            f for f in check_actions(repo) if (f.rule_id, f.primary.path, f.primary.line) not in seen
        )
    except Exception as exc:  # noqa: BLE001
        result.errors.append(_internal_error(repo.root, "action-definition", exc))


Task = tuple[str, str, bool, bool, RunnerLabels | None, "ActionSource | None"]


def _worker(args: Task) -> RootResult:
    root, prefix, all_branches, paths, labels, actions = args
    try:
        if labels is None and actions is None:
            return scan_root(root, prefix, all_branches, paths)
        return scan_root(root, prefix, all_branches, paths, runner_labels=labels, actions=actions)
    except Exception as exc:  # noqa: BLE001
        return RootResult(errors=[ScanError(prefix or root, f"scan failed: {type(exc).__name__}: {exc}", "internal")])


def _pool_worker(args: Task) -> RootResult:
    """:func:`_worker` in a worker process: it also redacts the findings' strings, in
    parallel, so that the parent's one exit (:mod:`shipwarden.reporting.emit`) finds
    them done."""
    result = _worker(args)
    result.redactions = emit.redactions(result.findings, result.errors, result.coverage, (args[0],))
    return result


def _isolated(task: Task) -> RootResult:
    """Scan one root in a process of its own; a crash becomes a scan error of that root."""
    try:
        with forkpool.ForkPool(_worker, [task], 1) as pool:
            return next(result for _, result in pool.results())
    except forkpool.WorkerDied:
        root, prefix = task[0], task[1]
        return RootResult(errors=[ScanError(prefix or root, "the scanner process crashed on this root", "internal")])


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - macOS
        return max(1, os.cpu_count() or 1)


def scan_roots(
    roots: Sequence[str],
    *,
    all_branches: bool = False,
    jobs: int | None = None,
    paths: bool = True,
    runner_labels: RunnerLabels | None = None,
    actions: ActionSource | None = None,
    progress: Progress | None = None,
) -> Report:
    """Scan several repository roots. With more than one root, locations are
    prefixed with the root as given so they stay unambiguous. ``runner_labels``
    are the custom runner labels the user has declared hosted or self-hosted; with
    ``actions`` remote composite actions are fetched and read (``--fetch-actions``).
    ``progress`` counts roots done (only when there are several)."""
    report = Report(command="scan", roots=[str(r) for r in roots])
    multi = len(roots) > 1
    tasks: list[Task] = []
    for root in roots:
        prefix = (str(root).rstrip("/") + "/") if multi else ""
        tasks.append((str(root), prefix, all_branches, paths, runner_labels, actions))
    jobs = jobs or default_jobs()
    warm()
    with _collector_for_scanning():
        results = _scan_all(tasks, jobs, progress, multi)
    plain: set[str] = set()
    for res in results:
        plain.update(res.plain_sources)
        report.findings.extend(res.findings)
        report.errors.extend(res.errors)
        report.coverage.extend(res.coverage)
        report.stats["files"] = report.stats.get("files", 0) + res.files
        report.stats["workflows"] = report.stats.get("workflows", 0) + res.workflows
    report.stats["roots"] = len(roots)
    report.plain_sources = frozenset(plain)
    report.findings.sort(key=lambda f: f.sort_key())
    return report


#: Allocations between two collections of the youngest generation while scanning
#: (the interpreter's default is 700). A scan builds many small objects that live as
#: long as their root and few reference cycles, so the collector's default pace spent
#: a sixth of the scan walking them; cycles are still collected, only later (a
#: bounded number of objects waits for it).
SCAN_GC_THRESHOLD = 50_000


@contextmanager
def _collector_for_scanning() -> Iterator[None]:
    """The cyclic collector at :data:`SCAN_GC_THRESHOLD` (inherited by forked workers)."""
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], SCAN_GC_THRESHOLD), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _scan_all(tasks: list[Task], jobs: int, progress: Progress | None, multi: bool) -> list[RootResult]:
    bar = progress or SILENT
    total = len(tasks) if multi else 0
    results: list[RootResult] = []
    if len(tasks) > 1 and jobs > 1 and forkpool.available():
        # Forked workers share the parent's loaded tables; keeping the collector
        # off them avoids copying those pages into every worker.
        # The workers redact what they find (emit.redactions): the redactor's gate is
        # built once here and shared by every forked worker.
        redactor.warm()
        gc.freeze()
        done: list[RootResult | None] = [None] * len(tasks)
        try:
            with forkpool.ForkPool(_pool_worker, tasks, jobs) as pool:
                shown = bar.task("Scanning repositories", total)  # its thread starts after the forks
                try:
                    for index, res in pool.results():
                        if res.redactions is not None:
                            emit.adopt(res.redactions)
                            res.redactions = None
                        done[index] = res
                        shown.advance()
                finally:
                    shown.done()
            results = [res for res in done if res is not None]
        except forkpool.WorkerDied:
            # A worker died (a native crash on some hostile file): scan each root
            # alone in a fresh process so one root cannot take the others down.
            results = [_isolated(task) for task in tasks]
    else:
        shown = bar.task("Scanning repositories", total)
        try:
            for task in tasks:
                results.append(_worker(task))
                shown.advance()
        finally:
            shown.done()
    return results
